// The gradient memory plan as a pure function of the validated model: no layer's backward reads and writes the same
// chain buffer (a Skip's in-place add and a ReLU folded into its batch norm aside), each buffer is sized for the largest
// gradient it holds, and only Skips that a Concat reads get a buffer of their own.
using NetGen.Generator.Emit;
using NetGen.Generator.Model;
using NetGen.Generator.Validation;

namespace NetGen.Generator.Tests.Emit;

public sealed class GradientPlanTests
{
    private static NetworkModel SegNetBasic()
    {
        var b = new SpecBuilder(3, 360, 480, 12);
        for (int i = 0; i < 4; i++) b.Conv2d(64, 7, padding: 3).BatchNorm2d().ReLU().MaxPool2d(2);
        for (int i = 0; i < 4; i++) b.MaxUnpool2d().ConvTranspose2d(64, 7, padding: 3).BatchNorm2d();
        return Valid(b.Classifier().Build());
    }

    /// <summary>Two nested skips, one across a pool/unpool pair and one across a stride-2 conv, and one Skip on the input.</summary>
    private static NetworkModel UNet() => Valid(new SpecBuilder(3, 12, 12, 4)
        .Skip("in").Conv2d(4, 3, padding: 1).ReLU().Skip("e1").MaxPool2d(2).Conv2d(8, 3, padding: 1).ReLU().Skip("e2")
        .Conv2d(16, 3, stride: 2, padding: 1).ReLU().ConvTranspose2d(8, 3, stride: 2, padding: 1).ReLU().Concat("e2")
        .ConvTranspose2d(4, 3, padding: 1).ReLU().MaxUnpool2d().Concat("e1").ConvTranspose2d(4, 3, padding: 1).ReLU()
        .Concat("in").Classifier().Build());

    // The unpools whose backward their deconvolution's applies: those it reads as pooled values and argmax.
    private static HashSet<int> GatheredUnpools(NetworkModel model) =>
        InferenceFusion.For(model).Where(f => f.Unpool >= 0).Select(f => f.Unpool).ToHashSet();

    // The pools whose backward their convolution's applies (training runs them in one call: no batch norm between).
    private static HashSet<int> TakenPools(NetworkModel model) =>
        InferenceFusion.For(model).Where(f => f.Pool >= 0 && !EmitPlan.IsInferenceOnly(f)).Select(f => f.Pool).ToHashSet();

    /// <summary>InferenceFusionTests' tiny hourglass: pool1 taken by conv1, pool2 not (a batch norm between it and conv2),
    /// unpools gathered by their deconvolutions.</summary>
    private static NetworkModel Hourglass() => InferenceFusionTests.Hourglass();

    public static TheoryData<string> Networks => new() { nameof(SegNetBasic), nameof(UNet), nameof(Hourglass) };

    private static NetworkModel Network(string name) =>
        name == nameof(UNet) ? UNet() : name == nameof(Hourglass) ? Hourglass() : SegNetBasic();

    [Fact]
    public void A_pooled_convolution_holds_no_gradient_of_its_own_output()
    {
        var model = Hourglass();
        var plan = GradientPlan.For(model);
        int Index(string name) => model.Layers.ToList().FindIndex(l => l.Name == name);
        Assert.Equal(new[] { Index("pool1") }, TakenPools(model));
        Assert.Superset(new HashSet<int> { Index("conv1"), Index("relu1") }, plan.Unheld);
        Assert.DoesNotContain(Index("pool1"), plan.Unheld);
        Assert.DoesNotContain(Index("conv2"), plan.Unheld);
        Assert.DoesNotContain(Index("relu2"), plan.Unheld);
    }

    [Theory]
    [MemberData(nameof(Networks))]
    public void Every_backward_reads_dy_from_one_chain_and_writes_dx_to_the_other_except_a_Skip_adding_in_place(string name)
    {
        var model = Network(name);
        var plan = GradientPlan.For(model);
        var folded = TrainingFusion.For(model).Where(f => f.FoldsBackward).Select(f => f.ReLU).ToHashSet();
        folded.UnionWith(TrainingFusion.GatedByConsumer(model));
        folded.UnionWith(GatheredUnpools(model));
        folded.UnionWith(TakenPools(model));

        Assert.Equal(0, plan.ChainOf(model.Layers.Count - 1));
        for (int i = 0; i < model.Layers.Count; i++)
        {
            int dy = plan.ChainOf(i), dx = i == 0 ? plan.ChainOfInput : plan.ChainOf(i - 1);
            // A ReLU folded into its batch norm's backward, or applied by the next layer's, runs none: the batch norm reads the
            // ReLU's dy where it lies, or the next layer writes the ReLU's dx there. Nor does an unpool its deconvolution
            // reads: the deconvolution writes the unpool's dx.
            if (model.Layers[i].Kind == LayerKind.Skip || folded.Contains(i)) Assert.Equal(dy, dx);
            else Assert.NotEqual(dy, dx);
        }
    }

    [Theory]
    [MemberData(nameof(Networks))]
    public void Each_chain_is_sized_for_the_largest_gradient_it_holds(string name)
    {
        var model = Network(name);
        var plan = GradientPlan.For(model);

        for (int chain = 0; chain < GradientPlan.Chains; chain++)
        {
            // An unpool's output gradient is never held where its deconvolution gathers through it, nor a pooled convolution's
            // (or its ReLU's) where its backward reads the pool's.
            var held = Enumerable.Range(0, model.Layers.Count).Where(i => plan.ChainOf(i) == chain && !plan.Unheld.Contains(i))
                .Select(i => model.Layers[i].Output.Size);
            if (plan.ChainOfInput == chain) held = held.Append(model.Input.Size);
            Assert.Equal(held.Max(), plan.ChainSize(chain));
        }
    }

    [Fact]
    public void SegNet_basic_needs_two_full_resolution_gradients_instead_of_one_per_activation()
    {
        var model = SegNetBasic();
        var plan = GradientPlan.For(model);
        int fullResolution = 64 * 360 * 480;

        Assert.Equal((fullResolution, fullResolution), (plan.ChainSize(0), plan.ChainSize(1)));
        Assert.Empty(plan.ConcatenatedSkips);
        Assert.Equal(2L * fullResolution, plan.FloatsPerSample);
        long onePerActivation = model.Input.Size + model.Layers.Sum(l => (long)l.Output.Size);
        Assert.True(4 * plan.FloatsPerSample < onePerActivation, $"{plan.FloatsPerSample} floats planned, {onePerActivation} before");
    }

    [Fact]
    public void Every_concatenated_Skip_gets_a_buffer_of_its_output_size()
    {
        var model = UNet();
        var plan = GradientPlan.For(model);
        var skips = model.Layers.Where(l => l.Kind == LayerKind.Skip).Select(l => l.Index).ToArray();

        Assert.Equal(skips, plan.ConcatenatedSkips);
        Assert.Equal(plan.ChainSize(0) + plan.ChainSize(1) + skips.Sum(s => (long)model.Layers[s].Output.Size), plan.FloatsPerSample);
    }

    [Fact]
    public void The_plan_depends_only_on_the_model()
    {
        var first = GradientPlan.For(UNet());
        var second = GradientPlan.For(UNet());
        var model = UNet();

        Assert.Equal(
            Enumerable.Range(0, model.Layers.Count).Select(first.ChainOf),
            Enumerable.Range(0, model.Layers.Count).Select(second.ChainOf));
        Assert.Equal((first.ChainOfInput, first.FloatsPerSample), (second.ChainOfInput, second.FloatsPerSample));
    }

    private static NetworkModel Valid(NetworkSpec spec)
    {
        var result = NetworkValidator.Validate(spec);
        Assert.Empty(result.Diagnostics);
        return Assert.IsType<NetworkModel>(result.Model);
    }
}

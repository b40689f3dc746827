// The reference interpreter: whole-network gradients against finite differences in float64, agreement with the ops
// composed by hand (so LayerInfo geometry is respected), gradient accumulation, loading float parameters, and validation.
using NetGen.Model;
using NetGen.Reference;

namespace NetGen.Runtime.Tests.Reference;

public class ReferenceNetworkTests
{
    private const int Batch = 2;

    // 2×9×9 → conv → bn → relu → skip → pool (9→4) → conv → deconv → unpool (4→9) → concat → 3×3 classifier.
    private static NetworkInfo UNet() => new TestNetworkBuilder(new Shape(2, 9, 9))
        .Conv2d(4, 3, padding: 1).BatchNorm2d().ReLU().Skip("s")
        .MaxPool2d(2, 2)
        .Conv2d(4, 3, padding: 1)
        .ConvTranspose2d(4, 3, padding: 1)
        .MaxUnpool2d()
        .Concat("s")
        .Classifier(3, kernel: 3)
        .Build();

    private static ReferenceNetwork<double> WithRandomParameters(NetworkInfo info, int seed)
    {
        var network = new ReferenceNetwork<double>(info, Batch);
        foreach (var p in info.Parameters)
        {
            var values = Tensors.Random(p.Size, seed++);
            if (p.Name.EndsWith("running_var", StringComparison.Ordinal))
                for (int i = 0; i < values.Length; i++) values[i] = 0.5 + Math.Abs(values[i]);
            values.CopyTo(network.GetParameter(p.Name), 0);
        }
        return network;
    }

    private static void AssertGradientsMatchFiniteDifferences(NetworkInfo info, int seed)
    {
        var network = WithRandomParameters(info, seed);
        network.RequiresInputGrad = true;
        var x = Tensors.Random(Batch * info.Input.Size, seed + 100);
        var r = Tensors.Random(Batch * info.Classes * info.Input.H * info.Input.W, seed + 101);
        double Loss() => Tensors.Dot(network.Forward(x, Batch, training: true), r);

        Loss();
        network.Backward(r, Batch);
        double[] inputGrad = network.InputGrad.ToArray();

        foreach (var p in info.Parameters.Where(p => p.Trainable))
            GradientCheck.AssertMatches(p.Name, network.GetParameter(p.Name), network.GetGradient(p.Name), Loss);
        GradientCheck.AssertMatches("input", x, inputGrad, Loss);
    }

    [Fact]
    public void UNet_gradients_match_finite_differences()
    {
        var info = UNet();
        Assert.Equal(new Shape(4, 4, 4), info.Layers[4].Output);
        Assert.Equal(new Shape(8, 9, 9), info.Layers[8].Output);

        AssertGradientsMatchFiniteDifferences(info, 200);
    }

    private static NetworkInfo StridedPair(int size, int outputPadding) => new TestNetworkBuilder(new Shape(1, size, size))
        .Conv2d(3, 3, stride: 2, padding: 1).ReLU()
        .ConvTranspose2d(2, 3, stride: 2, padding: 1, outputPadding: outputPadding)
        .Classifier(2)
        .Build();

    // conv k3 s2 p1 takes 9 and 10 both to 5; the deconv gets 5 back to 9 with output padding 0 and to 10 with 1.
    [Theory]
    [InlineData(9, 0)]
    [InlineData(10, 1)]
    public void Strided_pair_restores_the_input_size_and_matches_the_ops_composed_by_hand(int size, int outputPadding)
    {
        var info = StridedPair(size, outputPadding);
        var network = WithRandomParameters(info, 300);
        var x = Tensors.Random(Batch * size * size, 301);

        double[] logits = network.Forward(x, Batch, training: false).ToArray();

        var conv = new ConvGeometry(1, size, size, 3, 5, 5, 3, 2, 1);
        var deconv = new ConvGeometry(3, 5, 5, 2, size, size, 3, 2, 1);
        var classifier = new ConvGeometry(2, size, size, 2, size, size, 1, 1, 0);
        var a = new double[Batch * conv.OutSize];
        var b = new double[Batch * deconv.OutSize];
        var expected = new double[Batch * classifier.OutSize];
        Conv2dRef.Forward<double>(x, network.GetParameter("conv1.weight"), network.GetParameter("conv1.bias"), a, Batch, conv);
        ReLURef.Forward<double>(a, a);
        ConvTranspose2dRef.Forward<double>(a, network.GetParameter("deconv1.weight"), network.GetParameter("deconv1.bias"), b, Batch, deconv);
        Conv2dRef.Forward<double>(b, network.GetParameter("classifier.weight"), network.GetParameter("classifier.bias"), expected, Batch, classifier);
        Assert.Equal(expected, logits);
    }

    [Theory]
    [InlineData(9, 0)]
    [InlineData(10, 1)]
    public void Strided_pair_gradients_match_finite_differences(int size, int outputPadding) =>
        AssertGradientsMatchFiniteDifferences(StridedPair(size, outputPadding), 400);

    [Fact]
    public void Backward_adds_into_gradients_until_ZeroGrad()
    {
        var info = UNet();
        var network = WithRandomParameters(info, 500);
        var x = Tensors.Random(Batch * info.Input.Size, 501);
        var r = Tensors.Random(Batch * info.Classes * 81, 502);

        network.Forward(x, Batch, training: true);
        network.Backward(r, Batch);
        double[] once = network.GetGradient("conv1.weight").ToArray();
        network.Backward(r, Batch);
        double[] twice = network.GetGradient("conv1.weight").ToArray();
        network.ZeroGrad();

        Assert.Contains(once, v => v != 0);
        for (int i = 0; i < once.Length; i++) Assert.Equal(2 * once[i], twice[i], 1e-12 * Math.Max(1, Math.Abs(once[i])));
        Assert.All(info.Parameters.Where(p => p.Trainable), p => Assert.All(network.GetGradient(p.Name), v => Assert.Equal(0.0, v)));
        Assert.Empty(network.GetGradient("bn1.running_mean"));
    }

    [Fact]
    public void Training_forward_updates_running_statistics_and_inference_uses_them()
    {
        var info = UNet();
        var network = WithRandomParameters(info, 600);
        var x = Tensors.Random(Batch * info.Input.Size, 601);
        double[] before = network.GetParameter("bn1.running_mean").ToArray();

        double[] inference = network.Forward(x, Batch, training: false).ToArray();
        Assert.Equal(before, network.GetParameter("bn1.running_mean"));
        double[] training = network.Forward(x, Batch, training: true).ToArray();

        Assert.NotEqual(before, network.GetParameter("bn1.running_mean"));
        Assert.NotEqual(inference, training);
    }

    [Fact]
    public void LoadFrom_converts_every_float_parameter()
    {
        var info = UNet();
        var parameters = new ParameterSet(info.Parameters);
        parameters.Initialize(info, seed: 7);
        parameters["bn1.running_mean"].Value[1] = 0.25f;
        var network = new ReferenceNetwork<double>(info, 1);

        network.LoadFrom(parameters);

        foreach (var p in parameters.All)
            Assert.Equal(p.Value.Select(v => (double)v), network.GetParameter(p.Name));
        Assert.Equal(0.25, network.GetParameter("bn1.running_mean")[1]);
    }

    [Fact]
    public void Backward_without_a_training_forward_is_refused()
    {
        var info = UNet();
        var network = WithRandomParameters(info, 700);
        var x = Tensors.Random(Batch * info.Input.Size, 701);
        network.Forward(x, Batch, training: false);

        Assert.Throws<InvalidOperationException>(() => network.Backward(new double[Batch * info.Classes * 81], Batch));
    }

    [Fact]
    public void A_deconv_whose_output_padding_reaches_the_stride_is_rejected()
    {
        var info = StridedPair(9, outputPadding: 2);

        var error = Assert.Throws<ArgumentException>(() => new ReferenceNetwork<double>(info, 1));
        Assert.Contains("deconv1", error.Message);
    }
}

// Inference-mode fusion as a pure function of the model, and what it decides for training and storage: which neighbours a
// convolution takes into its call (batch norm, ReLU, the pool after a stride-1 Conv2d, the unpool before and the 1×1
// classifier after a stride-1 ConvTranspose2d), which of those runs training shares, which outputs lose their array or
// move to the training buffers, and that inference never reads an array only training writes.
using NetGen.Generator.Emit;
using NetGen.Generator.Model;
using NetGen.Generator.Validation;

namespace NetGen.Generator.Tests.Emit;

public sealed class InferenceFusionTests
{
    /// <summary>conv → ReLU → pool, conv → BN → ReLU → pool, conv → ReLU, deconv → ReLU → unpool, unpool → deconv → BN → ReLU
    /// → unpool, unpool → deconv → ReLU → 1×1 classifier.</summary>
    /// <summary>A tiny hourglass with a batch norm on its middle levels (also GradientPlanTests').</summary>
    internal static NetworkModel Hourglass() => Valid(new SpecBuilder(1, 16, 16, 2)
        .Conv2d(4, 3, padding: 1).ReLU().MaxPool2d(2)
        .Conv2d(8, 3, padding: 1).BatchNorm2d().ReLU().MaxPool2d(2)
        .Conv2d(8, 3, padding: 1).ReLU()
        .ConvTranspose2d(8, 3, padding: 1).ReLU().MaxUnpool2d()
        .ConvTranspose2d(4, 3, padding: 1).BatchNorm2d().ReLU().MaxUnpool2d()
        .ConvTranspose2d(4, 3, padding: 1).ReLU().Classifier().Build());

    /// <summary>Neighbours the bands cannot take: overlapping pool windows, a stride-2 deconvolution before the classifier, a
    /// 3×3 classifier elsewhere, stride-2 convolutions without pools.</summary>
    private static NetworkModel Unfusable() => Valid(new SpecBuilder(2, 17, 17, 3)
        .Conv2d(4, 3, padding: 1).ReLU().MaxPool2d(3, stride: 2)
        .Conv2d(8, 3, stride: 2, padding: 1).ReLU()
        .ConvTranspose2d(4, 3, stride: 2, padding: 1).ReLU().MaxUnpool2d()
        .ConvTranspose2d(4, 3, padding: 1).ReLU().Classifier(kernel: 3).Build());

    [Fact]
    public void Each_convolution_takes_the_neighbours_its_call_can_run()
    {
        var model = Hourglass();
        var runs = InferenceFusion.For(model).Select(f => Names(model, f)).ToArray();

        Assert.Equal(new[]
        {
            "conv1 relu1 pool1", "conv2 bn1 relu2 pool2", "conv3 relu3", "deconv3 relu4",
            "unpool2 deconv2 bn2 relu5", "unpool1 deconv1 relu6 classifier",
        }, runs);
    }

    [Fact]
    public void Pools_with_overlapping_windows_strided_layers_and_wide_classifiers_stay_apart()
    {
        var model = Unfusable();
        var fusions = InferenceFusion.For(model);

        Assert.All(fusions, f => Assert.Equal(-1, f.Pool));
        Assert.All(fusions, f => Assert.Equal(-1, f.Classifier));
        // The unpool of overlapping windows runs apart too: the bands unpool densely only cells that do not overlap.
        Assert.All(fusions, f => Assert.Equal(-1, f.Unpool));
        Assert.Equal(4, fusions.Count);
    }

    [Fact]
    public void Training_shares_the_pooled_call_only_without_a_batch_norm()
    {
        var model = Hourglass();
        var plan = new EmitPlan(model);
        int conv1 = Index(model, "conv1"), conv2 = Index(model, "conv2");

        Assert.NotNull(plan.SharedFusionContaining(conv1));
        Assert.Null(plan.TrainingFusionContaining(conv1));
        Assert.Equal("Conv1Relu1Pool1FusedForward", plan.FusedMethod(plan.FusionContaining(conv1)!));
        // With a batch norm, training runs conv2 alone and bn1 + relu2 as a pair; inference's call is its own.
        Assert.Null(plan.SharedFusionContaining(conv2));
        Assert.Equal("Conv2Bn1Relu2Pool2InferenceForward", plan.FusedMethod(plan.FusionContaining(conv2)!));
        Assert.NotNull(plan.TrainingFusionContaining(Index(model, "bn1")));
        // Each unpool is read by its deconvolution in both modes, though both calls are inference's (a batch norm; the
        // classifier, whose weight gradient in training reads relu6's output).
        Assert.Equal("Unpool2Deconv2Bn2Relu5InferenceForward", plan.FusedMethod(plan.FusionContaining(Index(model, "unpool2"))!));
        Assert.All(new[] { "unpool2", "unpool1" }, name =>
        {
            Assert.True(plan.IsReadByConvolution(Index(model, name)), name);
            Assert.False(plan.RunsOwnForward(Index(model, name)), name);
        });
        // Without a batch norm, training runs the classifier's run as a call of its own, which keeps relu6's output.
        var classified = plan.FusionContaining(Index(model, "classifier"))!;
        Assert.True(EmitPlan.IsInferenceOnly(classified));
        Assert.Same(classified, plan.ClassifiedTrainingFusionContaining(Index(model, "deconv1")));
        Assert.Equal("Unpool1Deconv1Relu6ClassifierTrainingForward", plan.ClassifiedTrainingMethod(classified));
        Assert.Null(plan.TrainingFusionContaining(Index(model, "deconv1")));
        Assert.All(new[] { "deconv1", "relu6", "classifier" }, name => Assert.False(plan.RunsOwnForward(Index(model, name)), name));
        Assert.False(plan.IsNeverWritten(Index(model, "relu6")));
        Assert.True(plan.IsNeverWritten(Index(model, "deconv1")));
        // A run without the classifier is no such call.
        Assert.Null(plan.ClassifiedTrainingFusionContaining(Index(model, "deconv2")));
    }

    [Fact]
    public void Outputs_no_call_writes_have_no_array_and_those_only_training_writes_wait_for_it()
    {
        var model = Hourglass();
        var plan = new EmitPlan(model);

        // Fused away in both modes: conv1 and relu1 (before pool1 in one call), bn1 and bn2 (a pair with their ReLU in
        // training, folded in inference), the convolutions before a ReLU in both modes, and the unpools (read by their
        // deconvolutions as pooled values and argmax).
        Assert.Equal(new[] { "conv1", "relu1", "bn1", "conv3", "deconv3", "unpool2", "bn2", "unpool1", "deconv1" },
            model.Layers.Where(l => plan.IsNeverWritten(l.Index)).Select(l => l.Name));
        // Written by training alone: a convolution before a batch norm, the ReLU before an inference-fused pool or
        // classifier.
        Assert.Equal(new[] { "conv2", "relu2", "deconv2", "relu6" }, plan.TrainingOnlyActivations.Select(t => t.Owner));
        Assert.All(new[] { "pool1", "pool2", "relu3", "relu4", "relu5", "classifier" },
            name => Assert.True(plan.InferenceWrites(Index(model, name)), name));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    public void Inference_reads_no_array_that_only_training_writes(int which)
    {
        var model = which switch { 0 => Hourglass(), 1 => Unfusable(), _ => UNet() };
        var plan = new EmitPlan(model);

        for (int i = 0; i < model.Layers.Count; i++)
        {
            var layer = model.Layers[i];
            var fusion = plan.FusionContaining(i);
            bool readsInput = layer.Kind != LayerKind.Skip && (fusion is null || fusion.First == i);
            if (readsInput) Assert.False(plan.IsTrainingOnly(plan.InputOf(i)), $"{layer.Name} reads {plan.InputOf(i).Field}");
            if (layer.Kind == LayerKind.Concat)
                Assert.False(plan.IsTrainingOnly(plan.OutputOf(layer.SkipSource)), $"{layer.Name} reads a training-only skip");
            if (fusion is { Unpool: >= 0 } && fusion.Unpool == i)
                Assert.False(plan.IsTrainingOnly(plan.InputOf(i)), $"{layer.Name}'s pooled input");
        }
        Assert.False(plan.IsTrainingOnly(plan.Logits));
    }

    // A U-Net whose last deconvolution reads a Concat and feeds the classifier.
    private static NetworkModel UNet() => Valid(new SpecBuilder(3, 12, 12, 4)
        .Conv2d(4, 3, padding: 1).BatchNorm2d().ReLU().Skip("e1").MaxPool2d(2)
        .Conv2d(8, 3, padding: 1).ReLU()
        .ConvTranspose2d(4, 3, padding: 1).ReLU().MaxUnpool2d().Concat("e1")
        .ConvTranspose2d(4, 3, padding: 1).ReLU().Classifier().Build());

    private static string Names(NetworkModel model, InferenceFusion f)
    {
        var members = new[] { f.Unpool, f.Conv, f.BatchNorm, f.ReLU, f.Pool, f.Classifier }.Where(i => i >= 0);
        return string.Join(" ", members.Select(i => model.Layers[i].Name));
    }

    private static int Index(NetworkModel model, string name) => model.Layers.Single(l => l.Name == name).Index;

    private static NetworkModel Valid(NetworkSpec spec)
    {
        var result = NetworkValidator.Validate(spec);
        Assert.Empty(result.Diagnostics);
        return Assert.IsType<NetworkModel>(result.Model);
    }
}

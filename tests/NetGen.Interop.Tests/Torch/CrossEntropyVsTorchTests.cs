// Per-pixel softmax cross-entropy (the reference and the float training version) against libtorch's cross_entropy:
// loss and ∂loss/∂logits, with mean and sum reduction, class weights and an ignored label.
using NetGen.Losses;
using NetGen.Model;
using static NetGen.Interop.Tests.Support.TorchData;
using static NetGen.Interop.Tests.Support.Tolerance;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace NetGen.Interop.Tests.Torch;

public sealed class CrossEntropyVsTorchTests
{
    [Theory]
    [InlineData(LossReduction.Mean, false, false)]
    [InlineData(LossReduction.Sum, false, false)]
    [InlineData(LossReduction.Mean, true, false)]
    [InlineData(LossReduction.Mean, true, true)]
    [InlineData(LossReduction.Sum, true, true)]
    public void SoftmaxCrossEntropy_MatchesTorch(LossReduction reduction, bool weighted, bool ignore)
    {
        using var scope = NewDisposeScope();
        const int batch = 2, ignoreLabel = 3;
        var shape = new Shape(4, 5, 3);
        float[] logits = Random(51, batch * shape.Size, 3f);
        var rng = new Random(52);
        // With an ignore label, one class index in four is skipped; without, every label is a real class.
        int[] labels = Enumerable.Range(0, batch * shape.H * shape.W).Select(_ => rng.Next(shape.C)).ToArray();
        float[]? weights = weighted ? [0.5f, 2f, 1f, 1.5f] : null;
        int? ignored = ignore ? ignoreLabel : null;

        var dlogitsRef = new float[logits.Length];
        float lossRef = SoftmaxCrossEntropyRef.Forward<float>(logits, labels, dlogitsRef, batch, shape, reduction, weights, ignored);
        var dlogits = new float[logits.Length];
        var options = new SoftmaxCrossEntropyOptions { Reduction = reduction, ClassWeights = weights, IgnoreLabel = ignored };
        float loss = new SoftmaxCrossEntropy(shape, options).Forward(logits, labels, dlogits, batch);

        var tLogits = ToTorch(logits, [batch, shape.C, shape.H, shape.W], requiresGrad: true);
        var tLabels = tensor(Array.ConvertAll(labels, l => (long)l), [batch, shape.H, shape.W]);
        var tLoss = F.cross_entropy(tLogits, tLabels, weights is null ? null : ToTorch(weights, [shape.C]),
            ignore_index: ignored ?? -100, reduction: reduction == LossReduction.Sum ? nn.Reduction.Sum : nn.Reduction.Mean);
        tLoss.backward();
        float torchLoss = tLoss.item<float>();

        AssertClose([torchLoss], [lossRef], Float32, "reference loss");
        AssertClose([torchLoss], [loss], Float32, "loss");
        AssertClose(Grad(tLogits), dlogitsRef, Float32, "reference dlogits");
        AssertClose(Grad(tLogits), dlogits, Float32, "dlogits");
    }
}

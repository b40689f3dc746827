// Which layers a training-mode Forward runs as one call: a Conv2d, ConvTranspose2d or BatchNorm2d directly followed by a
// ReLU stores max(y, 0) straight into the ReLU's output. Nothing Backward needs is lost: the ReLU's backward masks with its
// own output (y > 0), and a convolution's or batch norm's backward reads its input (and saved statistics), never its output.
// After a batch norm the ReLU's backward is folded in too: the batch norm's backward reads dy·(y > 0) on the fly.
// Any other ReLU followed by a convolution, classifier, pool or unpool has its backward applied by that layer's backward,
// which stores its dx only where the ReLU's output (its own x, or for a pool its pooled y) is positive. A convolution + ReLU
// with a pool after it that inference fuses (InferenceFusion, not inference-only) runs as that call instead of as a pair.
using System.Collections.Generic;
using NetGen.Generator.Model;

namespace NetGen.Generator.Emit;

/// <summary>One training-mode fused pair: <see cref="Producer"/> (a convolution or batch norm) writes <see cref="ReLU"/>'s
/// output; <see cref="FoldsBackward"/> when the producer's backward also applies the ReLU's (a batch norm).</summary>
internal sealed record TrainingFusion(int Producer, int ReLU, bool FoldsBackward)
{
    /// <summary>The fused pairs of a network, in layer order. A Skip is a layer of its own, so one between the producer and the
    /// ReLU leaves them apart: the Skip's Concat reads the producer's output.</summary>
    public static IReadOnlyList<TrainingFusion> For(NetworkModel model)
    {
        var fusions = new List<TrainingFusion>();
        var layers = model.Layers;
        for (int i = 1; i < layers.Count; i++)
        {
            if (layers[i].Kind != LayerKind.ReLU) continue;
            var producer = layers[i - 1].Kind;
            if (producer == LayerKind.Conv2d || producer == LayerKind.ConvTranspose2d)
                fusions.Add(new TrainingFusion(i - 1, i, FoldsBackward: false));
            else if (producer == LayerKind.BatchNorm2d)
                fusions.Add(new TrainingFusion(i - 1, i, FoldsBackward: true));
        }
        return fusions;
    }

    /// <summary>The ReLUs whose backward the next layer's backward applies as it stores its dx: those not folded into a batch
    /// norm's, read by a Conv2d, ConvTranspose2d, Classifier, MaxPool2d or MaxUnpool2d. A Skip after the ReLU keeps it apart,
    /// since the Skip adds its Concat's gradient to the ReLU's dy first.</summary>
    public static IReadOnlyList<int> GatedByConsumer(NetworkModel model)
    {
        var gated = new List<int>();
        var layers = model.Layers;
        for (int i = 0; i + 1 < layers.Count; i++)
        {
            if (layers[i].Kind != LayerKind.ReLU || i > 0 && layers[i - 1].Kind == LayerKind.BatchNorm2d) continue;
            switch (layers[i + 1].Kind)
            {
                case LayerKind.Conv2d:
                case LayerKind.ConvTranspose2d:
                case LayerKind.Classifier:
                case LayerKind.MaxPool2d:
                case LayerKind.MaxUnpool2d:
                    gated.Add(i);
                    break;
            }
        }
        return gated;
    }
}

// Which layers a training-mode Forward runs as one call: a Conv2d, ConvTranspose2d or BatchNorm2d directly followed by a
// ReLU stores max(y, 0) straight into the ReLU's output. Nothing Backward needs is lost: the ReLU's backward masks with its
// own output (y > 0), and a convolution's or batch norm's backward reads its input (and saved statistics), never its output.
// After a batch norm the ReLU's backward is folded in too: the batch norm's backward reads dy·(y > 0) on the fly.
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
}

// Which layers an inference-mode Forward runs as one convolution call: a Conv2d or ConvTranspose2d directly followed by
// a BatchNorm2d (folded into its weights and bias) and/or a ReLU (clamped in its output store). Training keeps them apart:
// batch norm then uses batch statistics, and Backward needs every intermediate output.
using System.Collections.Generic;
using NetGen.Generator.Model;

namespace NetGen.Generator.Emit;

/// <summary>One fused run of layers: <see cref="Conv"/>, then <see cref="BatchNorm"/> and <see cref="ReLU"/> (-1 when absent).
/// The fused call writes <see cref="Last"/>'s output buffer, so the layers after it read what they always read.</summary>
internal sealed record InferenceFusion(int Conv, int BatchNorm, int ReLU)
{
    public int Last => ReLU >= 0 ? ReLU : BatchNorm;

    public bool Contains(int layer) => layer >= Conv && layer <= Last;

    /// <summary>The fused runs of a network, in layer order. A Skip is a layer of its own, so one between the convolution
    /// and its batch norm or ReLU ends the run there: the Skip's Concat needs that intermediate output.</summary>
    public static IReadOnlyList<InferenceFusion> For(NetworkModel model)
    {
        var fusions = new List<InferenceFusion>();
        var layers = model.Layers;
        for (int i = 0; i < layers.Count; i++)
        {
            if (layers[i].Kind != LayerKind.Conv2d && layers[i].Kind != LayerKind.ConvTranspose2d) continue;
            int next = i + 1, batchNorm = -1, relu = -1;
            if (next < layers.Count && layers[next].Kind == LayerKind.BatchNorm2d) batchNorm = next++;
            if (next < layers.Count && layers[next].Kind == LayerKind.ReLU) relu = next;
            if (batchNorm < 0 && relu < 0) continue;
            var fusion = new InferenceFusion(i, batchNorm, relu);
            fusions.Add(fusion);
            i = fusion.Last;
        }
        return fusions;
    }
}

// Which layers an inference-mode Forward runs as one convolution call: a Conv2d or ConvTranspose2d directly followed by
// a BatchNorm2d (folded into its weights and bias) and/or a ReLU (clamped in its output store), and a stride-1
// ConvTranspose2d directly after a MaxUnpool2d, which unpools each band of input rows as it packs them
// (ConvTranspose2dKernel.ForwardFromUnpool), so the unpool's output is never written, and a stride-1 Conv2d (with its
// batch norm and ReLU) directly before a MaxPool2d whose windows are its stride, which pools each band of output rows
// from its thread's buffer (Conv2dKernel.ForwardPooled), so only the pool's output is written, and a stride-1
// ConvTranspose2d (with its batch norm and ReLU) directly before a 1×1 classifier, which classifies each band of output rows
// from its thread's buffer (ConvTranspose2dKernel.ForwardClassified), so only the logits are written. Training runs a run
// with a batch norm, an unpool or a classifier apart (batch norm then uses batch statistics, and a weight gradient reads
// the unpooled input or the classifier's input), but a convolution (+ ReLU) + pool as the same call: Backward reads neither
// output it skips.
using System.Collections.Generic;
using NetGen.Generator.Model;

namespace NetGen.Generator.Emit;

/// <summary>One fused run of layers: <see cref="Unpool"/>, <see cref="Conv"/>, then <see cref="BatchNorm"/>, <see cref="ReLU"/>
/// and <see cref="Pool"/> or <see cref="Classifier"/> (-1 when absent). The fused call writes <see cref="Last"/>'s output
/// buffer (and a pool's argmax), so the layers after it read what they always read.</summary>
internal sealed record InferenceFusion(int Conv, int BatchNorm, int ReLU, int Unpool = -1, int Pool = -1, int Classifier = -1)
{
    public int First => Unpool >= 0 ? Unpool : Conv;

    public int Last => Classifier >= 0 ? Classifier : Pool >= 0 ? Pool : ReLU >= 0 ? ReLU : BatchNorm >= 0 ? BatchNorm : Conv;

    public bool Contains(int layer) => layer >= First && layer <= Last;

    /// <summary>The fused runs of a network, in layer order. A Skip is a layer of its own, so one between the convolution
    /// and its batch norm or ReLU ends the run there: the Skip's Concat needs that intermediate output.</summary>
    public static IReadOnlyList<InferenceFusion> For(NetworkModel model)
    {
        var fusions = new List<InferenceFusion>();
        var layers = model.Layers;
        for (int i = 0; i < layers.Count; i++)
        {
            if (layers[i].Kind != LayerKind.Conv2d && layers[i].Kind != LayerKind.ConvTranspose2d) continue;
            int next = i + 1, batchNorm = -1, relu = -1, pool = -1, classifier = -1, unpool = ReadsUnpool(layers, i) ? i - 1 : -1;
            if (next < layers.Count && layers[next].Kind == LayerKind.BatchNorm2d) batchNorm = next++;
            if (next < layers.Count && layers[next].Kind == LayerKind.ReLU) relu = next++;
            if (next < layers.Count && PoolsOutput(layers, i, next)) pool = next;
            if (next < layers.Count && ClassifiesOutput(layers, i, next)) classifier = next;
            if (batchNorm < 0 && relu < 0 && unpool < 0 && pool < 0 && classifier < 0) continue;
            var fusion = new InferenceFusion(i, batchNorm, relu, unpool, pool, classifier);
            fusions.Add(fusion);
            i = fusion.Last;
        }
        return fusions;
    }

    /// <summary>Whether the MaxPool2d at <paramref name="pool"/> runs in the call of the Conv2d at <paramref name="conv"/> (with
    /// only its batch norm and ReLU between): stride 1, a kernel over 1×1, pool windows as tall and wide as their stride (the
    /// band engine pools whole bands). A Skip between them would keep the pool's input alive, and stands between.</summary>
    private static bool PoolsOutput(EquatableArray<LayerModel> layers, int conv, int pool)
    {
        var layer = layers[conv];
        return layers[pool].Kind == LayerKind.MaxPool2d && layer.Kind == LayerKind.Conv2d && layer.Stride == 1 && layer.Kernel > 1 &&
               layers[pool].Kernel == layers[pool].Stride;
    }

    /// <summary>Whether the convolution at <paramref name="conv"/> takes the MaxUnpool2d right before it as one call: a
    /// ConvTranspose2d at stride 1 with a kernel over 1×1 and padding below it (the band engine's case), after an unpool whose
    /// pool's windows do not overlap (each argmax in its own cell: the rows unpool densely). Only this layer reads the unpool's
    /// output, since a Skip after the unpool would stand between them.</summary>
    /// <summary>Whether the Classifier at <paramref name="classifier"/> runs in the call of the ConvTranspose2d at
    /// <paramref name="conv"/> (with only its batch norm and ReLU between): a 1×1 classifier without padding after a stride-1
    /// deconvolution the band engine runs (kernel over 1×1, padding below it). A Skip between would keep the classifier's
    /// input alive, and stands between.</summary>
    private static bool ClassifiesOutput(EquatableArray<LayerModel> layers, int conv, int classifier)
    {
        var layer = layers[conv];
        return layers[classifier].Kind == LayerKind.Classifier && layers[classifier].Kernel == 1 && layers[classifier].Padding == 0 &&
               layer.Kind == LayerKind.ConvTranspose2d && layer.Stride == 1 && layer.Kernel > 1 && layer.Padding <= layer.Kernel - 1;
    }

    private static bool ReadsUnpool(EquatableArray<LayerModel> layers, int conv)
    {
        var layer = layers[conv];
        if (conv == 0 || layers[conv - 1].Kind != LayerKind.MaxUnpool2d || layer.Kind != LayerKind.ConvTranspose2d) return false;
        var pool = layers[layers[conv - 1].Partner];
        return layer.Stride == 1 && layer.Kernel > 1 && layer.Padding <= layer.Kernel - 1 && pool.Kernel <= pool.Stride;
    }
}

// The generator's fusion rules, restated from a network's layer table, for the tests that check what a generated network
// allocates and what its profile records as fused.
using NetGen.Model;

namespace NetGen.EndToEnd.Tests;

internal static class FusionRules
{
    /// <summary>Whether both modes run the MaxPool2d at <paramref name="pool"/> in the call of the stride-1 Conv2d (kernel over
    /// 1×1) before it, with at most a ReLU between: its windows must be as tall and wide as their stride, and a batch norm
    /// between (training uses batch statistics) or a Skip (its Concat reads the pool's input) keeps them apart.</summary>
    public static bool PoolsInConvolution(NetworkInfo info, int pool)
    {
        var layers = info.Layers;
        if (pool <= 0 || layers[pool].Kind != LayerKind.MaxPool2d || layers[pool].Pool is not { } g || g.Kernel != g.Stride) return false;
        int conv = layers[pool - 1].Kind == LayerKind.ReLU ? pool - 2 : pool - 1;
        return conv >= 0 && layers[conv].Kind == LayerKind.Conv2d && layers[conv].Conv is { Stride: 1, Kernel: > 1 };
    }

    /// <summary>Whether training runs the 1×1 classifier at <paramref name="classifier"/> in the call of the stride-1
    /// deconvolution before it (kernel over 1×1, padding below it), with at most a ReLU between, as inference does: a batch
    /// norm between (batch statistics in training) keeps them apart.</summary>
    public static bool ClassifiesInTraining(NetworkInfo info, int classifier)
    {
        var layers = info.Layers;
        if (classifier <= 0 || layers[classifier].Kind != LayerKind.Classifier || layers[classifier].Conv is not { Kernel: 1, Padding: 0 }) return false;
        int conv = layers[classifier - 1].Kind == LayerKind.ReLU ? classifier - 2 : classifier - 1;
        return conv >= 0 && layers[conv].Kind == LayerKind.ConvTranspose2d && layers[conv].Conv is { Stride: 1, Kernel: > 1 } d && d.Padding <= d.Kernel - 1;
    }

    /// <summary>Whether an inference-mode Forward writes the layer's output: every layer but those that inference runs in a
    /// fused call and not last. A run is a Conv2d or ConvTranspose2d with, where present, the MaxUnpool2d right before a
    /// stride-1 deconvolution (kernel over 1×1, padding below it, pool windows that do not overlap), then a BatchNorm2d, a
    /// ReLU, and a pool as in <see cref="PoolsInConvolution"/> or a 1×1 classifier after such a deconvolution.</summary>
    public static bool InferenceWrites(NetworkInfo info, int layer)
    {
        var layers = info.Layers;
        for (int conv = 0; conv < layers.Count; conv++)
        {
            if (layers[conv].Kind is not (LayerKind.Conv2d or LayerKind.ConvTranspose2d)) continue;
            var members = new List<int>();
            if (ReadsUnpool(info, conv)) members.Add(conv - 1);
            members.Add(conv);
            int next = conv + 1;
            if (next < layers.Count && layers[next].Kind == LayerKind.BatchNorm2d) members.Add(next++);
            if (next < layers.Count && layers[next].Kind == LayerKind.ReLU) members.Add(next++);
            if (next < layers.Count && layers[next].Kind == LayerKind.MaxPool2d && layers[conv].Kind == LayerKind.Conv2d &&
                layers[conv].Conv is { Stride: 1, Kernel: > 1 } && layers[next].Pool is { } g && g.Kernel == g.Stride)
                members.Add(next);
            if (next < layers.Count && layers[next].Kind == LayerKind.Classifier && layers[next].Conv is { Kernel: 1, Padding: 0 } &&
                layers[conv].Kind == LayerKind.ConvTranspose2d && layers[conv].Conv is { Stride: 1, Kernel: > 1 } d && d.Padding <= d.Kernel - 1)
                members.Add(next);
            if (members.Count > 1 && members.IndexOf(layer) is >= 0 and var at && at < members.Count - 1) return false;
        }
        return true;
    }

    /// <summary>Whether the MaxUnpool2d at <paramref name="unpool"/> is read by the stride-1 deconvolution after it as pooled
    /// values and argmax in both modes (forward and backward), so it runs no pass and has no array.</summary>
    public static bool IsReadByConvolution(NetworkInfo info, int unpool) =>
        unpool + 1 < info.Layers.Count && ReadsUnpool(info, unpool + 1);

    private static bool ReadsUnpool(NetworkInfo info, int conv)
    {
        var layers = info.Layers;
        return conv > 0 && layers[conv - 1].Kind == LayerKind.MaxUnpool2d && layers[conv].Kind == LayerKind.ConvTranspose2d &&
               layers[conv].Conv is { Stride: 1, Kernel: > 1 } c && c.Padding <= c.Kernel - 1 &&
               layers[conv - 1].Pool is { } pool && pool.Kernel <= pool.Stride;
    }
}

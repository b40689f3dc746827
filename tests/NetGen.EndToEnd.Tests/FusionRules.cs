// The generator's rule for a pool fused into the convolution before it, restated from a network's layer table, for the
// tests that check what a generated network allocates and what its profile records as fused.
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
}

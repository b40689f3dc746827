// Arithmetic per sample of each layer, counted from the layer table exactly as the generator counts it (the sum over the
// layers is NetworkInfo.ForwardFlopsPerSample), plus the estimate for the backward pass that profiles report against.
using NetGen.Model;

namespace NetGen.Diagnostics;

public static class LayerFlops
{
    /// <summary>Forward FLOPs per sample: 2 (multiply and add) per weight per output pixel of a convolution (per input
    /// pixel of a transposed one), one per output element of pools, unpools and Concat, one per input element of
    /// batch norm and ReLU, none for a Skip.</summary>
    public static long Forward(LayerInfo layer)
    {
        Shape x = layer.Input, y = layer.Output;
        return layer.Kind switch
        {
            LayerKind.Conv2d or LayerKind.Classifier => Convolution(layer) * y.H * y.W,
            LayerKind.ConvTranspose2d => Convolution(layer) * x.H * x.W,
            LayerKind.MaxPool2d or LayerKind.MaxUnpool2d or LayerKind.Concat => y.Size,
            LayerKind.Skip => 0,
            _ => x.Size,
        };
    }

    /// <summary>Backward FLOPs per sample, an estimate: a convolution computes dx and dw, each as much work as its forward,
    /// except one reading the network input, which computes only dw (its dx is the input gradient, skipped unless the
    /// network's RequiresInputGrad is set; this estimate leaves it out); a Skip read by a Concat adds that gradient (one
    /// per element); other layers about match their forward.</summary>
    public static long Backward(NetworkInfo network, LayerInfo layer) => layer.Kind switch
    {
        LayerKind.Conv2d or LayerKind.ConvTranspose2d or LayerKind.Classifier => (ReadsNetworkInput(network, layer.Index) ? 1 : 2) * Forward(layer),
        LayerKind.Skip => IsConcatenated(network, layer.Index) ? layer.Output.Size : 0,
        _ => Forward(layer),
    };

    // 2·Cin·Cout·K² per pixel the weights are applied at.
    private static long Convolution(LayerInfo layer)
    {
        int k = layer.Conv?.Kernel ?? throw new ArgumentException($"layer {layer.Name} ({layer.Kind}) has no convolution geometry.", nameof(layer));
        return 2L * layer.Input.C * layer.Output.C * k * k;
    }

    // Only Skips (which pass their input on) come before it.
    private static bool ReadsNetworkInput(NetworkInfo network, int layer)
    {
        for (int i = 0; i < layer; i++)
            if (network.Layers[i].Kind != LayerKind.Skip) return false;
        return true;
    }

    private static bool IsConcatenated(NetworkInfo network, int skip)
    {
        foreach (var layer in network.Layers)
            if (layer.Kind == LayerKind.Concat && layer.SkipSource == skip) return true;
        return false;
    }
}

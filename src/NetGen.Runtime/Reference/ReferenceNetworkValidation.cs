// Checks a layer table for consistency before the reference interpreter runs it, so a malformed NetworkInfo (for example
// from a generator bug) fails with a message that names the layer, rather than with an index error deep inside an op.
using NetGen.Model;

namespace NetGen.Reference;

internal static class ReferenceNetworkValidation
{
    public static void Validate(NetworkInfo info)
    {
        if (info.Layers.Count == 0) throw Invalid(info, "has no layers");
        var previous = info.Input;
        for (int i = 0; i < info.Layers.Count; i++)
        {
            var layer = info.Layers[i];
            if (layer.Input != previous)
                throw Invalid(layer, $"takes {layer.Input} but the previous layer produces {previous}");
            ValidateLayer(info, i, layer);
            previous = layer.Output;
        }
        if (previous.C != info.Classes || previous.H != info.Input.H || previous.W != info.Input.W)
            throw Invalid(info, $"ends with {previous}, expected {info.Classes}×{info.Input.H}×{info.Input.W} logits");
    }

    private static void ValidateLayer(NetworkInfo info, int i, LayerInfo layer)
    {
        switch (layer.Kind)
        {
            case LayerKind.Conv2d:
            case LayerKind.Classifier:
                {
                    var g = ConvOf(layer);
                    if (g.OutH != ConvGeometry.ConvOut(g.InH, g.Kernel, g.Stride, g.Padding) || g.OutW != ConvGeometry.ConvOut(g.InW, g.Kernel, g.Stride, g.Padding))
                        throw Invalid(layer, $"geometry {g} does not follow floor((n + 2p − k)/s) + 1");
                    RequireParameter(info, i, "weight", g.WeightSize);
                    RequireParameter(info, i, "bias", g.OutC);
                    break;
                }
            case LayerKind.ConvTranspose2d:
                {
                    var g = ConvOf(layer);
                    // Output padding, the only freedom left, must stay below the stride as in torch.
                    int baseH = (g.InH - 1) * g.Stride - 2 * g.Padding + g.Kernel, baseW = (g.InW - 1) * g.Stride - 2 * g.Padding + g.Kernel;
                    if (g.OutH < baseH || g.OutH - baseH >= Math.Max(1, g.Stride) || g.OutW < baseW || g.OutW - baseW >= Math.Max(1, g.Stride))
                        throw Invalid(layer, $"geometry {g} needs an output padding outside 0..stride−1");
                    RequireParameter(info, i, "weight", g.WeightSize);
                    RequireParameter(info, i, "bias", g.OutC);
                    break;
                }
            case LayerKind.MaxPool2d:
                {
                    var g = PoolOf(layer);
                    RequireShape(layer, layer.Input, new Shape(g.C, g.InH, g.InW), "input");
                    RequireShape(layer, layer.Output, new Shape(g.C, g.OutH, g.OutW), "output");
                    if (g.OutH != ConvGeometry.ConvOut(g.InH, g.Kernel, g.Stride, 0) || g.OutW != ConvGeometry.ConvOut(g.InW, g.Kernel, g.Stride, 0))
                        throw Invalid(layer, $"geometry {g} is not floor-mode pooling");
                    break;
                }
            case LayerKind.MaxUnpool2d:
                {
                    var g = PoolOf(layer);
                    if (layer.Partner < 0 || layer.Partner >= i || info.Layers[layer.Partner].Kind != LayerKind.MaxPool2d)
                        throw Invalid(layer, $"partner {layer.Partner} is not an earlier MaxPool2d");
                    if (info.Layers[layer.Partner].Pool != g)
                        throw Invalid(layer, "geometry differs from its partner pool's");
                    RequireShape(layer, layer.Input, new Shape(g.C, g.OutH, g.OutW), "input");
                    RequireShape(layer, layer.Output, new Shape(g.C, g.InH, g.InW), "output");
                    break;
                }
            case LayerKind.BatchNorm2d:
                RequireShape(layer, layer.Output, layer.Input, "output");
                RequireParameter(info, i, "weight", layer.Input.C);
                RequireParameter(info, i, "bias", layer.Input.C);
                RequireParameter(info, i, "running_mean", layer.Input.C);
                RequireParameter(info, i, "running_var", layer.Input.C);
                break;
            case LayerKind.ReLU:
            case LayerKind.Skip:
                RequireShape(layer, layer.Output, layer.Input, "output");
                break;
            case LayerKind.Concat:
                {
                    if (layer.SkipSource < 0 || layer.SkipSource >= i || info.Layers[layer.SkipSource].Kind != LayerKind.Skip)
                        throw Invalid(layer, $"skip source {layer.SkipSource} is not an earlier Skip layer");
                    var skip = info.Layers[layer.SkipSource].Output;
                    RequireShape(layer, layer.Output, new Shape(layer.Input.C + skip.C, skip.H, skip.W), "output");
                    RequireShape(layer, layer.Input, layer.Input with { H = skip.H, W = skip.W }, "input");
                    break;
                }
            default:
                throw Invalid(layer, $"has unsupported kind {layer.Kind}");
        }
    }

    private static ConvGeometry ConvOf(LayerInfo layer)
    {
        var g = layer.Conv ?? throw Invalid(layer, "has no convolution geometry");
        RequireShape(layer, layer.Input, new Shape(g.InC, g.InH, g.InW), "input");
        RequireShape(layer, layer.Output, new Shape(g.OutC, g.OutH, g.OutW), "output");
        return g;
    }

    private static PoolGeometry PoolOf(LayerInfo layer) => layer.Pool ?? throw Invalid(layer, "has no pooling geometry");

    private static void RequireShape(LayerInfo layer, Shape actual, Shape expected, string what)
    {
        if (actual != expected) throw Invalid(layer, $"{what} is {actual}, its geometry implies {expected}");
    }

    private static void RequireParameter(NetworkInfo info, int layer, string suffix, int size)
    {
        foreach (var p in info.Parameters)
        {
            if (p.Layer != layer || !p.Name.EndsWith("." + suffix, StringComparison.Ordinal)) continue;
            if (p.Size != size) throw Invalid(info.Layers[layer], $"parameter '{p.Name}' has {p.Size} values, expected {size}");
            return;
        }
        throw Invalid(info.Layers[layer], $"has no '{suffix}' parameter");
    }

    private static ArgumentException Invalid(LayerInfo layer, string problem) =>
        new($"layer {layer.Index} '{layer.Name}' ({layer.Kind}) {problem}", "info");

    private static ArgumentException Invalid(NetworkInfo info, string problem) => new($"network '{info.Name}' {problem}", "info");
}

// Builds a NetworkInfo by hand, top to bottom, with the same pairing and naming rules as the generator (the k-th deconv from
// the end mirrors the k-th conv, likewise unpool/pool; conv1, bn2, deconv1, unpool3, skip_e1, classifier). Shared by the
// interop tests and the benchmarks, so the torch, ONNX and NetGen sides all run the network it describes.
using NetGen.Model;

namespace NetGen.Interop;

public sealed class NetworkBuilder(string name, Shape input, int classes)
{
    private readonly List<LayerInfo> _layers = [];
    private readonly List<ParameterInfo> _parameters = [];
    private readonly Dictionary<LayerKind, int> _counts = [];
    private readonly Stack<(int Number, int Layer)> _openConvs = new();
    private readonly Stack<(int Number, int Layer)> _openPools = new();
    private readonly Dictionary<string, int> _skips = new(StringComparer.Ordinal);
    private long _flops;

    private Shape Current => _layers.Count == 0 ? input : _layers[^1].Output;

    public NetworkBuilder Conv2d(int outChannels, int kernel, int stride = 1, int padding = 0)
    {
        var x = Current;
        var g = new ConvGeometry(x.C, x.H, x.W, outChannels,
            ConvGeometry.ConvOut(x.H, kernel, stride, padding), ConvGeometry.ConvOut(x.W, kernel, stride, padding), kernel, stride, padding);
        int number = Next(LayerKind.Conv2d);
        _openConvs.Push((number, _layers.Count));
        return AddConv($"conv{number}", LayerKind.Conv2d, g, [g.OutC, g.InC, kernel, kernel]);
    }

    /// <summary>Mirrors the most recent unpaired Conv2d: same kernel, stride and padding, restoring that conv's input size.</summary>
    public NetworkBuilder ConvTranspose2d(int outChannels)
    {
        var (number, partner) = _openConvs.Pop();
        var conv = _layers[partner].Conv!.Value;
        var x = Current;
        var g = new ConvGeometry(x.C, x.H, x.W, outChannels, conv.InH, conv.InW, conv.Kernel, conv.Stride, conv.Padding);
        _layers[partner] = _layers[partner] with { Partner = _layers.Count };
        return AddConv($"deconv{number}", LayerKind.ConvTranspose2d, g, [g.InC, g.OutC, g.Kernel, g.Kernel], partner);
    }

    public NetworkBuilder MaxPool2d(int kernel, int stride = 0)
    {
        var x = Current;
        stride = stride == 0 ? kernel : stride;
        var g = new PoolGeometry(x.C, x.H, x.W, ConvGeometry.ConvOut(x.H, kernel, stride, 0), ConvGeometry.ConvOut(x.W, kernel, stride, 0), kernel, stride);
        int number = Next(LayerKind.MaxPool2d);
        _openPools.Push((number, _layers.Count));
        return Add(new LayerInfo(_layers.Count, $"pool{number}", LayerKind.MaxPool2d, x, new Shape(g.C, g.OutH, g.OutW), Pool: g));
    }

    /// <summary>Mirrors the most recent unpaired MaxPool2d, restoring its input size exactly (45 → 22 → 45).</summary>
    public NetworkBuilder MaxUnpool2d()
    {
        var (number, pool) = _openPools.Pop();
        var g = _layers[pool].Pool!.Value;
        _layers[pool] = _layers[pool] with { Partner = _layers.Count };
        return Add(new LayerInfo(_layers.Count, $"unpool{number}", LayerKind.MaxUnpool2d, Current, new Shape(g.C, g.InH, g.InW),
            Pool: g, Partner: pool));
    }

    public NetworkBuilder ReLU()
    {
        int number = Next(LayerKind.ReLU);
        return Add(new LayerInfo(_layers.Count, $"relu{number}", LayerKind.ReLU, Current, Current));
    }

    public NetworkBuilder BatchNorm2d(double epsilon = 1e-5, double momentum = 0.1)
    {
        string layer = $"bn{Next(LayerKind.BatchNorm2d)}";
        int c = Current.C;
        _parameters.Add(new ParameterInfo($"{layer}.weight", [c], _layers.Count, Trainable: true));
        _parameters.Add(new ParameterInfo($"{layer}.bias", [c], _layers.Count, Trainable: true));
        _parameters.Add(new ParameterInfo($"{layer}.running_mean", [c], _layers.Count, Trainable: false));
        _parameters.Add(new ParameterInfo($"{layer}.running_var", [c], _layers.Count, Trainable: false));
        return Add(new LayerInfo(_layers.Count, layer, LayerKind.BatchNorm2d, Current, Current, Epsilon: epsilon, Momentum: momentum));
    }

    public NetworkBuilder Skip(string skipName)
    {
        _skips.Add(skipName, _layers.Count);
        return Add(new LayerInfo(_layers.Count, $"skip_{skipName}", LayerKind.Skip, Current, Current, SkipName: skipName));
    }

    public NetworkBuilder Concat(string skipName)
    {
        int source = _skips[skipName];
        var x = Current;
        var output = new Shape(x.C + _layers[source].Output.C, x.H, x.W);
        return Add(new LayerInfo(_layers.Count, $"concat_{skipName}", LayerKind.Concat, x, output, SkipName: skipName) { SkipSource = source });
    }

    /// <summary>The final convolution to the class count; padding k/2 keeps the size.</summary>
    public NetworkInfo Classifier(int kernel = 1)
    {
        var x = Current;
        var g = new ConvGeometry(x.C, x.H, x.W, classes, x.H, x.W, kernel, 1, kernel / 2);
        AddConv("classifier", LayerKind.Classifier, g, [classes, x.C, kernel, kernel]);
        return new NetworkInfo(name, input, classes, [.. _layers], [.. _parameters], _flops);
    }

    private NetworkBuilder AddConv(string layer, LayerKind kind, ConvGeometry g, int[] weightShape, int partner = -1)
    {
        _parameters.Add(new ParameterInfo($"{layer}.weight", weightShape, _layers.Count, Trainable: true));
        _parameters.Add(new ParameterInfo($"{layer}.bias", [g.OutC], _layers.Count, Trainable: true));
        // A multiply-add is two FLOPs; a deconv does its work per input pixel, a conv per output pixel.
        _flops += 2L * g.InC * g.OutC * g.Kernel * g.Kernel * (kind == LayerKind.ConvTranspose2d ? g.InPlane : g.OutPlane);
        return Add(new LayerInfo(_layers.Count, layer, kind, new Shape(g.InC, g.InH, g.InW), new Shape(g.OutC, g.OutH, g.OutW), Conv: g, Partner: partner));
    }

    private NetworkBuilder Add(LayerInfo layer)
    {
        _layers.Add(layer);
        return this;
    }

    private int Next(LayerKind kind)
    {
        _counts.TryGetValue(kind, out int n);
        return _counts[kind] = n + 1;
    }
}

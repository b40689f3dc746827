// Builds small NetworkInfo layer tables by hand for the reference-interpreter tests, with the same parameter names and
// geometry conventions a generated network exposes (pools pair with the latest open pool, concats with a named skip).
using NetGen.Model;

namespace NetGen.Runtime.Tests.Reference;

internal sealed class TestNetworkBuilder(Shape input)
{
    private readonly Shape _input = input;
    private readonly List<LayerInfo> _layers = [];
    private readonly List<ParameterInfo> _parameters = [];
    private readonly Stack<int> _openPools = new();
    private readonly Dictionary<string, int> _skips = new(StringComparer.Ordinal);
    private Shape _current = input;
    private int _convs, _deconvs, _norms;

    public TestNetworkBuilder Conv2d(int outC, int kernel, int stride = 1, int padding = 0)
    {
        var g = new ConvGeometry(_current.C, _current.H, _current.W, outC,
            ConvGeometry.ConvOut(_current.H, kernel, stride, padding), ConvGeometry.ConvOut(_current.W, kernel, stride, padding),
            kernel, stride, padding);
        return AddConv(LayerKind.Conv2d, $"conv{++_convs}", g, [outC, g.InC, kernel, kernel]);
    }

    public TestNetworkBuilder ConvTranspose2d(int outC, int kernel, int stride = 1, int padding = 0, int outputPadding = 0)
    {
        var g = new ConvGeometry(_current.C, _current.H, _current.W, outC,
            (_current.H - 1) * stride - 2 * padding + kernel + outputPadding, (_current.W - 1) * stride - 2 * padding + kernel + outputPadding,
            kernel, stride, padding);
        return AddConv(LayerKind.ConvTranspose2d, $"deconv{++_deconvs}", g, [g.InC, outC, kernel, kernel]);
    }

    public TestNetworkBuilder Classifier(int classes, int kernel = 1)
    {
        var g = new ConvGeometry(_current.C, _current.H, _current.W, classes, _current.H, _current.W, kernel, 1, (kernel - 1) / 2);
        return AddConv(LayerKind.Classifier, "classifier", g, [classes, g.InC, kernel, kernel]);
    }

    public TestNetworkBuilder BatchNorm2d(double epsilon = 1e-5, double momentum = 0.1)
    {
        string name = $"bn{++_norms}";
        int c = _current.C;
        _parameters.Add(new ParameterInfo($"{name}.weight", [c], _layers.Count, true));
        _parameters.Add(new ParameterInfo($"{name}.bias", [c], _layers.Count, true));
        _parameters.Add(new ParameterInfo($"{name}.running_mean", [c], _layers.Count, false));
        _parameters.Add(new ParameterInfo($"{name}.running_var", [c], _layers.Count, false));
        return Add(new LayerInfo(_layers.Count, name, LayerKind.BatchNorm2d, _current, _current, Epsilon: epsilon, Momentum: momentum));
    }

    public TestNetworkBuilder ReLU() => Add(new LayerInfo(_layers.Count, $"relu{_layers.Count}", LayerKind.ReLU, _current, _current));

    public TestNetworkBuilder Skip(string name)
    {
        _skips.Add(name, _layers.Count);
        return Add(new LayerInfo(_layers.Count, $"skip_{name}", LayerKind.Skip, _current, _current, SkipName: name));
    }

    public TestNetworkBuilder Concat(string name)
    {
        int source = _skips[name];
        var output = _current with { C = _current.C + _layers[source].Output.C };
        return Add(new LayerInfo(_layers.Count, $"concat_{name}", LayerKind.Concat, _current, output, SkipName: name) { SkipSource = source });
    }

    public TestNetworkBuilder MaxPool2d(int kernel, int stride)
    {
        var g = new PoolGeometry(_current.C, _current.H, _current.W,
            ConvGeometry.ConvOut(_current.H, kernel, stride, 0), ConvGeometry.ConvOut(_current.W, kernel, stride, 0), kernel, stride);
        _openPools.Push(_layers.Count);
        return Add(new LayerInfo(_layers.Count, $"pool{_openPools.Count}", LayerKind.MaxPool2d, _current, new Shape(g.C, g.OutH, g.OutW), Pool: g));
    }

    public TestNetworkBuilder MaxUnpool2d()
    {
        int pool = _openPools.Pop();
        var g = _layers[pool].Pool!.Value;
        _layers[pool] = _layers[pool] with { Partner = _layers.Count };
        return Add(new LayerInfo(_layers.Count, $"unpool{_openPools.Count + 1}", LayerKind.MaxUnpool2d, _current, new Shape(g.C, g.InH, g.InW),
            Pool: g, Partner: pool));
    }

    public NetworkInfo Build() => new("test", _input, _current.C, _layers.ToArray(), _parameters.ToArray(), 0);

    private TestNetworkBuilder AddConv(LayerKind kind, string name, ConvGeometry g, int[] weightShape)
    {
        _parameters.Add(new ParameterInfo($"{name}.weight", weightShape, _layers.Count, true));
        _parameters.Add(new ParameterInfo($"{name}.bias", [g.OutC], _layers.Count, true));
        return Add(new LayerInfo(_layers.Count, name, kind, _current, new Shape(g.OutC, g.OutH, g.OutW), Conv: g));
    }

    private TestNetworkBuilder Add(LayerInfo layer)
    {
        _layers.Add(layer);
        _current = layer.Output;
        return this;
    }
}

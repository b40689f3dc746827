// Translates a layer table into ONNX nodes, one layer at a time, tracking which tensor name holds each layer's output.
// Skip layers produce no node: the Concat that reads them refers to the tensor the Skip saw.
using NetGen.Model;

namespace NetGen.Onnx;

internal sealed class OnnxGraphBuilder
{
    private const string Batch = "N";
    private readonly NetworkInfo _network;
    private readonly ParameterSet _parameters;
    private readonly List<ProtoWriter> _nodes = [];
    private readonly List<ProtoWriter> _initializers = [];
    private readonly string[] _outputs;
    // For each MaxPool2d layer: the tensor it pooled (its shape is the unpool's output shape) and its argmax tensor.
    private readonly Dictionary<int, (string Input, string Indices)> _pools = [];

    public OnnxGraphBuilder(NetworkInfo network, ParameterSet parameters)
    {
        _network = network;
        _parameters = parameters;
        _outputs = new string[network.Layers.Count];
    }

    public ProtoWriter Build()
    {
        if (_network.Layers.Count == 0) throw new ArgumentException($"network '{_network.Name}' has no layers", "network");
        CheckParameters();
        int last = LastNodeLayer();
        string current = OnnxExporter.InputName;
        for (int i = 0; i < _network.Layers.Count; i++)
        {
            var layer = _network.Layers[i];
            string output = i == last ? OnnxExporter.OutputName : $"{layer.Name}.y";
            _outputs[i] = AddLayer(layer, current, output);
            current = _outputs[i];
        }

        var input = OnnxProto.FloatImage(OnnxExporter.InputName, Batch, _network.Input.C, _network.Input.H, _network.Input.W);
        var logits = _network.Layers[^1].Output;
        var outputInfo = OnnxProto.FloatImage(OnnxExporter.OutputName, Batch, logits.C, logits.H, logits.W);
        return OnnxProto.Graph(_network.Name, _nodes, _initializers, input, outputInfo);
    }

    /// <summary>Adds the nodes of one layer reading <paramref name="x"/>; returns the name of the tensor holding its output.</summary>
    private string AddLayer(LayerInfo layer, string x, string y)
    {
        switch (layer.Kind)
        {
            case LayerKind.Conv2d:
            case LayerKind.Classifier:
                {
                    var g = Geometry(layer);
                    AddNode("Conv", layer, [x, .. WeightAndBias(layer)], [y],
                        OnnxProto.Ints("kernel_shape", g.Kernel, g.Kernel),
                        OnnxProto.Ints("strides", g.Stride, g.Stride),
                        OnnxProto.Ints("pads", g.Padding, g.Padding, g.Padding, g.Padding));
                    return y;
                }
            case LayerKind.ConvTranspose2d:
                {
                    var g = Geometry(layer);
                    // ONNX's output size is s·(in − 1) + output_padding + k − 2p; output padding makes up what restores the paired conv's input.
                    long padH = g.OutH - ((g.InH - 1) * g.Stride + g.Kernel - 2 * g.Padding);
                    long padW = g.OutW - ((g.InW - 1) * g.Stride + g.Kernel - 2 * g.Padding);
                    if (padH < 0 || padW < 0)
                        throw new ArgumentException($"layer '{layer.Name}': output {g.OutH}×{g.OutW} is smaller than a transposed convolution yields", "network");
                    AddNode("ConvTranspose", layer, [x, .. WeightAndBias(layer)], [y],
                        OnnxProto.Ints("kernel_shape", g.Kernel, g.Kernel),
                        OnnxProto.Ints("strides", g.Stride, g.Stride),
                        OnnxProto.Ints("pads", g.Padding, g.Padding, g.Padding, g.Padding),
                        OnnxProto.Ints("output_padding", padH, padW));
                    return y;
                }
            case LayerKind.MaxPool2d:
                {
                    var g = layer.Pool ?? throw Missing(layer, "pooling geometry");
                    string indices = $"{layer.Name}.indices";
                    AddNode("MaxPool", layer, [x], [y, indices],
                        OnnxProto.Ints("kernel_shape", g.Kernel, g.Kernel),
                        OnnxProto.Ints("strides", g.Stride, g.Stride));
                    _pools[layer.Index] = (x, indices);
                    return y;
                }
            case LayerKind.MaxUnpool2d:
                {
                    var g = layer.Pool ?? throw Missing(layer, "pooling geometry");
                    if (!_pools.TryGetValue(layer.Partner, out var pool))
                        throw new ArgumentException($"layer '{layer.Name}': partner {layer.Partner} is not an earlier MaxPool2d", "network");
                    // Without an explicit output shape ONNX assumes in = (out − 1)·s + k, which loses the odd row of 45 → 22 → 45.
                    // Taking it from the pooled tensor at run time keeps the batch dimension free.
                    string shape = $"{layer.Name}.output_shape";
                    _nodes.Add(OnnxProto.Node("Shape", $"{layer.Name}.shape", [pool.Input], [shape]));
                    AddNode("MaxUnpool", layer, [x, pool.Indices, shape], [y],
                        OnnxProto.Ints("kernel_shape", g.Kernel, g.Kernel),
                        OnnxProto.Ints("strides", g.Stride, g.Stride));
                    return y;
                }
            case LayerKind.BatchNorm2d:
                AddNode("BatchNormalization", layer,
                    [x, Initializer(layer, "weight"), Initializer(layer, "bias"), Initializer(layer, "running_mean"), Initializer(layer, "running_var")],
                    [y],
                    OnnxProto.Float("epsilon", (float)layer.Epsilon),
                    // ONNX's momentum weighs the old running value, torch's the new batch statistic.
                    OnnxProto.Float("momentum", (float)(1 - layer.Momentum)));
                return y;
            case LayerKind.ReLU:
                AddNode("Relu", layer, [x], [y]);
                return y;
            case LayerKind.Skip:
                return x;
            case LayerKind.Concat:
                if (layer.SkipSource < 0 || layer.SkipSource >= layer.Index)
                    throw new ArgumentException($"layer '{layer.Name}': skip source {layer.SkipSource} is not an earlier layer", "network");
                AddNode("Concat", layer, [x, _outputs[layer.SkipSource]], [y], OnnxProto.Int("axis", 1));
                return y;
            default:
                throw new NotSupportedException($"layer '{layer.Name}': {layer.Kind} has no ONNX export");
        }
    }

    private void AddNode(string opType, LayerInfo layer, string[] inputs, string[] outputs, params ProtoWriter[] attributes) =>
        _nodes.Add(OnnxProto.Node(opType, layer.Name, inputs, outputs, attributes));

    private static ConvGeometry Geometry(LayerInfo layer) => layer.Conv ?? throw Missing(layer, "convolution geometry");

    // The bias is optional in ONNX: a convolution without one simply has two inputs.
    private IEnumerable<string> WeightAndBias(LayerInfo layer)
    {
        yield return Initializer(layer, "weight");
        if (FindParameter(layer, "bias") is not null) yield return Initializer(layer, "bias");
    }

    /// <summary>Adds the layer's parameter with this suffix as an initializer (named as the parameter) and returns its name.</summary>
    private string Initializer(LayerInfo layer, string suffix)
    {
        var info = FindParameter(layer, suffix) ?? throw Missing(layer, $"'{suffix}' parameter");
        _initializers.Add(OnnxProto.FloatTensor(info.Name, info.Shape, _parameters[info.Name].Value));
        return info.Name;
    }

    // Parameters are found by owning layer and suffix, as the reference interpreter does, not by guessing names from layer names.
    private ParameterInfo? FindParameter(LayerInfo layer, string suffix)
    {
        foreach (var p in _network.Parameters)
            if (p.Layer == layer.Index && p.Name.EndsWith("." + suffix, StringComparison.Ordinal))
                return p;
        return null;
    }

    private void CheckParameters()
    {
        foreach (var info in _network.Parameters)
        {
            if (!_parameters.TryGet(info.Name, out var p))
                throw new ArgumentException($"the parameter set has no '{info.Name}'", "parameters");
            if (p.Value.Length != info.Size)
                throw new ArgumentException($"parameter '{info.Name}' has {p.Value.Length} values, the network expects {info.Size}", "parameters");
        }
    }

    // The last layer that emits a node writes the graph output directly; a trailing Skip would emit none.
    private int LastNodeLayer()
    {
        int last = _network.Layers.Count - 1;
        if (_network.Layers[last].Kind == LayerKind.Skip)
            throw new ArgumentException($"network '{_network.Name}' ends with a Skip layer, which produces no output of its own", "network");
        return last;
    }

    private static ArgumentException Missing(LayerInfo layer, string what) =>
        new($"layer '{layer.Name}' ({layer.Kind}) has no {what}", "network");
}

// The ONNX messages NetGen writes (ModelProto, GraphProto, NodeProto, AttributeProto, TensorProto, ValueInfoProto), with the
// field numbers of onnx.proto. Only what an exported segmentation network uses is here.
namespace NetGen.Onnx;

internal static class OnnxProto
{
    /// <summary>IR version 8 is the one that goes with opset 17.</summary>
    public const long IrVersion = 8;

    public const int ElementFloat = 1;

    private const int AttributeFloat = 1, AttributeInt = 2, AttributeInts = 7;

    // ModelProto: ir_version = 1, producer_name = 2, producer_version = 3, graph = 7, opset_import = 8.
    // OperatorSetIdProto: domain = 1, version = 2 (the default domain "" is ai.onnx).
    public static ProtoWriter Model(ProtoWriter graph, int opset, string producer, string producerVersion)
    {
        var opsetImport = new ProtoWriter().String(1, "").Int64(2, opset);
        return new ProtoWriter()
            .Int64(1, IrVersion)
            .String(2, producer)
            .String(3, producerVersion)
            .Message(7, graph)
            .Message(8, opsetImport);
    }

    // GraphProto: node = 1, name = 2, initializer = 5, input = 11, output = 12.
    public static ProtoWriter Graph(string name, IEnumerable<ProtoWriter> nodes, IEnumerable<ProtoWriter> initializers,
        ProtoWriter input, ProtoWriter output)
    {
        var graph = new ProtoWriter();
        foreach (var node in nodes) graph.Message(1, node);
        graph.String(2, name);
        foreach (var tensor in initializers) graph.Message(5, tensor);
        return graph.Message(11, input).Message(12, output);
    }

    // NodeProto: input = 1, output = 2, name = 3, op_type = 4, attribute = 5.
    public static ProtoWriter Node(string opType, string name, IEnumerable<string> inputs, IEnumerable<string> outputs,
        params ProtoWriter[] attributes)
    {
        var node = new ProtoWriter();
        foreach (string input in inputs) node.String(1, input);
        foreach (string output in outputs) node.String(2, output);
        node.String(3, name).String(4, opType);
        foreach (var attribute in attributes) node.Message(5, attribute);
        return node;
    }

    // AttributeProto: name = 1, f = 2, i = 3, ints = 8, type = 20.
    public static ProtoWriter Int(string name, long value) =>
        new ProtoWriter().String(1, name).Int64(3, value).Int64(20, AttributeInt);

    public static ProtoWriter Float(string name, float value) =>
        new ProtoWriter().String(1, name).Float(2, value).Int64(20, AttributeFloat);

    public static ProtoWriter Ints(string name, params long[] values) =>
        new ProtoWriter().String(1, name).PackedInt64(8, values).Int64(20, AttributeInts);

    // TensorProto: dims = 1, data_type = 2, name = 8, raw_data = 9 (little-endian).
    public static ProtoWriter FloatTensor(string name, IReadOnlyList<int> dims, ReadOnlySpan<float> values)
    {
        long[] shape = new long[dims.Count];
        for (int i = 0; i < shape.Length; i++) shape[i] = dims[i];
        return new ProtoWriter()
            .PackedInt64(1, shape)
            .Int64(2, ElementFloat)
            .String(8, name)
            .FloatsAsBytes(9, values);
    }

    // ValueInfoProto: name = 1, type = 2. TypeProto: tensor_type = 1. TypeProto.Tensor: elem_type = 1, shape = 2.
    // TensorShapeProto: dim = 1. Dimension: dim_value = 1, dim_param = 2.
    /// <summary>A float NCHW graph input or output whose batch dimension is the symbol <paramref name="batch"/>.</summary>
    public static ProtoWriter FloatImage(string name, string batch, int channels, int height, int width)
    {
        var shape = new ProtoWriter().Message(1, new ProtoWriter().String(2, batch));
        foreach (int d in new[] { channels, height, width }) shape.Message(1, new ProtoWriter().Int64(1, d));
        var tensor = new ProtoWriter().Int64(1, ElementFloat).Message(2, shape);
        return new ProtoWriter().String(1, name).Message(2, new ProtoWriter().Message(1, tensor));
    }
}

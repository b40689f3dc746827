// Writes a network's layer table and weights as an ONNX model (opset 17, inference mode), so that ONNX Runtime or any other
// ONNX engine can run it: to check NetGen's results against an independent engine, and to deploy a trained network elsewhere.
using NetGen.Model;

namespace NetGen.Onnx;

/// <summary>Exports a <see cref="NetworkInfo"/> with its <see cref="ParameterSet"/> to ONNX. The graph has one input
/// <c>input</c> [N, C, H, W] and one output <c>logits</c> [N, Classes, H, W]; N is symbolic, so any batch size runs.
/// Batch norm is exported with its running statistics (inference), as <see cref="ISegmentationNetwork.Forward"/> does
/// with training off.</summary>
public static class OnnxExporter
{
    public const int Opset = 17;
    public const string InputName = "input";
    public const string OutputName = "logits";

    /// <summary>Writes the model to <paramref name="path"/>. The file is written beside the target and then moved over it,
    /// so a failure never leaves a truncated model where a good one was.</summary>
    public static void Export(NetworkInfo network, ParameterSet parameters, string path)
    {
        byte[] model = Export(network, parameters);
        string full = Path.GetFullPath(path);
        string temp = Path.Combine(Path.GetDirectoryName(full)!, $".{Path.GetFileName(full)}.{Guid.NewGuid():N}.tmp");
        try
        {
            File.WriteAllBytes(temp, model);
            File.Move(temp, full, overwrite: true);
        }
        finally
        {
            if (File.Exists(temp)) File.Delete(temp);
        }
    }

    /// <summary>The serialized ModelProto.</summary>
    public static byte[] Export(NetworkInfo network, ParameterSet parameters)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(parameters);
        var graph = new OnnxGraphBuilder(network, parameters).Build();
        string version = typeof(OnnxExporter).Assembly.GetName().Version?.ToString() ?? "0";
        return OnnxProto.Model(graph, Opset, "NetGen", version).WrittenSpan.ToArray();
    }
}

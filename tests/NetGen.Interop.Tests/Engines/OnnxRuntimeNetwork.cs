// The same network exported with NetGen's OnnxExporter and run by ONNX Runtime (CPU): the second independent engine for
// inference, in the tests and in the benchmarks. Input and output buffers are allocated once and bound as OrtValues, so a
// run allocates nothing on the managed side.
using Microsoft.ML.OnnxRuntime;
using NetGen.Model;
using NetGen.Onnx;

namespace NetGen.Interop;

/// <summary>An ONNX Runtime session over the exported network for a fixed batch size. Write <see cref="Input"/>,
/// call <see cref="Run"/>, read <see cref="Output"/>.</summary>
public sealed class OnnxRuntimeNetwork : IDisposable
{
    private readonly InferenceSession _session;
    private readonly RunOptions _runOptions = new();
    private readonly OrtValue _input, _output;
    private readonly string[] _inputNames = [OnnxExporter.InputName], _outputNames = [OnnxExporter.OutputName];
    private readonly OrtValue[] _inputs, _outputs;

    public OnnxRuntimeNetwork(NetworkInfo info, ParameterSet parameters, int batch, int intraOpThreads = 2)
        : this(OnnxExporter.Export(info, parameters), info, batch, intraOpThreads)
    {
    }

    public OnnxRuntimeNetwork(byte[] model, NetworkInfo info, int batch, int intraOpThreads = 2)
    {
        using var options = new SessionOptions
        {
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
            IntraOpNumThreads = intraOpThreads,
            InterOpNumThreads = 1,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
        };
        _session = new InferenceSession(model, options);
        var logits = info.Layers[^1].Output;
        Input = new float[batch * info.Input.Size];
        Output = new float[batch * logits.Size];
        _input = OrtValue.CreateTensorValueFromMemory(Input, [batch, info.Input.C, info.Input.H, info.Input.W]);
        _output = OrtValue.CreateTensorValueFromMemory(Output, [batch, logits.C, logits.H, logits.W]);
        _inputs = [_input];
        _outputs = [_output];
    }

    /// <summary>The input tensor [N, C, H, W], bound to the session.</summary>
    public float[] Input { get; }

    /// <summary>The logits [N, Classes, H, W] written by the last <see cref="Run"/>.</summary>
    public float[] Output { get; }

    public void Run() => _session.Run(_runOptions, _inputNames, _inputs, _outputNames, _outputs);

    public void Dispose()
    {
        _input.Dispose();
        _output.Dispose();
        _runOptions.Dispose();
        _session.Dispose();
    }
}

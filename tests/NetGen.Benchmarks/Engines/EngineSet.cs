// The three engines for one workload, built once and checked once: BenchmarkDotNet calls GlobalSetup for every method of
// every parameter value, and SegNet-Basic's engines take seconds to build and gigabytes to hold, so only the current
// workload's set is kept alive.
using NetGen.Interop;

namespace NetGen.Benchmarks;

public sealed class EngineSet : IDisposable
{
    private static EngineSet? current;
    private static readonly HashSet<(Workload, string)> Checked = [];
    private OnnxRuntimeNetwork? _onnxRuntime;

    private EngineSet(Workload workload)
    {
        Workload = workload;
        NetGen = new NetGenRunner(workload);
        LibTorch = new LibTorchRunner(workload);
    }

    public Workload Workload { get; }
    public NetGenRunner NetGen { get; }
    public LibTorchRunner LibTorch { get; }

    /// <summary>Built on first use: training benchmarks never need it.</summary>
    public OnnxRuntimeNetwork OnnxRuntime
    {
        get
        {
            if (_onnxRuntime is null)
            {
                var info = Workload.Info;
                _onnxRuntime = new OnnxRuntimeNetwork(info, BenchmarkNetworks.Parameters(info), Workload.Batch, intraOpThreads: 2);
                BenchmarkNetworks.Input(info, Workload.Batch).CopyTo(_onnxRuntime.Input, 0);
            }
            return _onnxRuntime;
        }
    }

    /// <summary>The engines for <paramref name="workload"/>, with inference checked (and gradients too if
    /// <paramref name="training"/>) before they are first returned for that purpose.</summary>
    public static EngineSet For(Workload workload, bool training)
    {
        if (current?.Workload != workload)
        {
            current?.Dispose();
            current = null;
            // Frees the previous workload's gigabytes before the next one allocates its own.
            GC.Collect();
            GC.WaitForPendingFinalizers();
            current = new EngineSet(workload);
        }
        if (Checked.Add((workload, "inference"))) EngineCheck.Inference(current);
        if (training && Checked.Add((workload, "training"))) EngineCheck.Gradients(current);
        return current;
    }

    public void Dispose()
    {
        _onnxRuntime?.Dispose();
        LibTorch.Dispose();
    }
}

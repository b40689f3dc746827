// ONNX Runtime 1.31 (CPU provider, ORT_ENABLE_ALL, 2 intra-op threads) on the benchmark networks as NetGen exports them:
// inference with input and output bound once as OrtValues.
using BenchmarkDotNet.Attributes;
using NetGen.Interop;

namespace NetGen.Benchmarks;

[MemoryDiagnoser(displayGenColumns: false)]
public class OnnxRuntimeBenchmarks
{
    private OnnxRuntimeNetwork _network = null!;

    [ParamsSource(nameof(Networks))]
    public string Network { get; set; } = "";

    public static IEnumerable<string> Networks => BenchmarkNetworks.Names;

    [GlobalSetup]
    public void Setup()
    {
        var info = BenchmarkNetworks.Get(Network);
        _network = new OnnxRuntimeNetwork(info, BenchmarkNetworks.Parameters(info), batch: 1, intraOpThreads: 2);
        BenchmarkNetworks.Input(info).CopyTo(_network.Input, 0);
    }

    [GlobalCleanup]
    public void Cleanup() => _network.Dispose();

    [Benchmark]
    public void Inference() => _network.Run();
}

// Inference (logits for a batch) by ONNX Runtime, libtorch and NetGen side by side, on the same network, weights and input.
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Running;

namespace NetGen.Benchmarks;

[Config(typeof(BenchmarkConfig))]
public class InferenceBenchmarks : IFlopCount
{
    private EngineSet _engines = null!;

    [ParamsSource(nameof(Workloads))]
    public Workload Workload { get; set; } = null!;

    public static IEnumerable<Workload> Workloads => Workload.Standard();

    [GlobalSetup]
    public void Setup() => _engines = EngineSet.For(Workload, training: false);

    [Benchmark(Baseline = true)]
    public void OnnxRuntime() => _engines.OnnxRuntime.Run();

    [Benchmark]
    public void LibTorch() => _engines.LibTorch.Inference();

    [Benchmark]
    public void NetGen() => _engines.NetGen.Inference();

    public double Flops(BenchmarkCase benchmarkCase)
    {
        var workload = (Workload)benchmarkCase.Parameters[nameof(Workload)]!;
        return (double)workload.Info.ForwardFlopsPerSample * workload.Batch;
    }
}

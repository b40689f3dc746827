// One training step (forward, softmax cross-entropy, backward, SGD update) by libtorch and NetGen side by side.
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Running;

namespace NetGen.Benchmarks;

[Config(typeof(BenchmarkConfig))]
public class TrainStepBenchmarks : IFlopCount
{
    private EngineSet _engines = null!;

    [ParamsSource(nameof(Workloads))]
    public Workload Workload { get; set; } = null!;

    public static IEnumerable<Workload> Workloads => Workload.Standard();

    [GlobalSetup]
    public void Setup() => _engines = EngineSet.For(Workload, training: true);

    [Benchmark(Baseline = true)]
    public void LibTorch() => _engines.LibTorch.TrainStep();

    [Benchmark]
    public void NetGen() => _engines.NetGen.TrainStep();

    /// <summary>Forward plus backward counted as 3× the forward (dx and dw each cost about a forward), as the generator's
    /// header comment and the profile count them.</summary>
    public double Flops(BenchmarkCase benchmarkCase)
    {
        var workload = (Workload)benchmarkCase.Parameters[nameof(Workload)]!;
        return 3.0 * workload.Info.ForwardFlopsPerSample * workload.Batch;
    }
}

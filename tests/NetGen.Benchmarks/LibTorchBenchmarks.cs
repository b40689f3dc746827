// libtorch (TorchSharp 0.107, libtorch 2.10 CPU, 2 threads) on the benchmark networks: inference and one SGD training step.
using BenchmarkDotNet.Attributes;

namespace NetGen.Benchmarks;

[MemoryDiagnoser(displayGenColumns: false)]
public class LibTorchBenchmarks
{
    private LibTorchRunner _runner = null!;

    [ParamsSource(nameof(Networks))]
    public string Network { get; set; } = "";

    public static IEnumerable<string> Networks => BenchmarkNetworks.Names;

    [GlobalSetup]
    public void Setup() => _runner = new LibTorchRunner(BenchmarkNetworks.Get(Network));

    [GlobalCleanup]
    public void Cleanup() => _runner.Dispose();

    [Benchmark]
    public void Inference() => _runner.Inference();

    [Benchmark]
    public void TrainStep() => _runner.TrainStep();
}

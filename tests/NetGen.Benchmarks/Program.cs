// Benchmark entry point: BenchmarkDotNet's switcher (classes and jobs on the command line, e.g. `--filter *OnnxRuntime* --job short`;
// NETGEN_BENCH_NETWORKS=Tiny64,SegNet180x240 narrows the networks), or `--sanity [iterations]` for a quick Stopwatch timing.
using System.Globalization;
using BenchmarkDotNet.Running;
using NetGen.Benchmarks;

if (args.Length > 0 && args[0] == "--sanity")
{
    SanityTiming.Run(args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 5);
    return;
}
BenchmarkSwitcher.FromAssembly(typeof(LibTorchBenchmarks).Assembly).Run(args);

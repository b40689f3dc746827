// Benchmark entry point. Without a mode: BenchmarkDotNet's switcher (e.g. `--filter *` for the whole suite, or
// `--filter *TrainStep*`; NETGEN_BENCH_NETWORKS=Tiny64,SegNet180x240 narrows the networks). Modes:
//   --check                      the NetGen-vs-libtorch/ORT checks for every workload, nothing timed
//   --sanity [iterations]        a quick Stopwatch timing of every engine on every workload
//   --profile NET [it] [N] [train]  per-layer profile of one NetGen network (NET: SegNet360x480, SegNet180x240, Tiny64, Tiny256,
//                                or Wide128, a 64-128-256-channel hourglass on 128×128 run by this mode only)
//   --peak [threads]             the machine's AVX-512 FMA peak
using System.Globalization;
using BenchmarkDotNet.Running;
using NetGen.Benchmarks;
using NetGen.Benchmarks.Modes;

// Every engine gets 2 threads: NetGen's worker pool reads this once, on first use; torch and ORT are set where they are built.
if (Environment.GetEnvironmentVariable("NETGEN_THREADS") is not { Length: > 0 })
    Environment.SetEnvironmentVariable("NETGEN_THREADS", "2");

int Arg(int index, int fallback) => args.Length > index ? int.Parse(args[index], CultureInfo.InvariantCulture) : fallback;

try
{
    Run();
    return 0;
}
catch (Exception e) when (e is ArgumentException or FormatException)
{
    // A mistyped network name or number: one line, not a stack trace.
    Console.Error.WriteLine($"error: {e.Message}");
    return 2;
}

void Run()
{
    switch (args.FirstOrDefault())
    {
        case "--check":
            SanityTiming.Run(0, checkOnly: true);
            Console.WriteLine("all checks passed");
            break;
        case "--sanity":
            SanityTiming.Run(Arg(1, 5), checkOnly: false);
            break;
        case "--profile":
            var numbers = args.Skip(2).Where(a => a.All(char.IsAsciiDigit)).Select(a => int.Parse(a, CultureInfo.InvariantCulture)).ToArray();
            ProfileMode.Run(args.Length > 1 ? args[1] : "SegNet360x480", numbers.Length > 0 ? numbers[0] : 5, numbers.Length > 1 ? numbers[1] : 1,
                args.Contains("train"));
            break;
        case "--peak":
            FmaPeak.Run(Arg(1, 2));
            break;
        default:
            // The peak the %-of-peak column divides by, measured before any engine's threads exist.
            Console.WriteLine($"peak for the % peak column: {FmaPeak.Gflops} GFLOP/s ({FmaPeak.Source})");
            BenchmarkSwitcher.FromAssembly(typeof(InferenceBenchmarks).Assembly).Run(args);
            break;
    }
}

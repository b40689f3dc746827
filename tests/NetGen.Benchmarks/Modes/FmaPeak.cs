// Measures the machine's floating-point peak the way the kernels could at best reach it: every thread runs independent
// AVX-512 fused multiply-adds on registers for about a second. 2 FLOPs per lane per FMA.
using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace NetGen.Benchmarks.Modes;

public static class FmaPeak
{
    private const long Iterations = 200_000_000;
    private const int Chains = 12; // enough independent accumulators to cover the FMA latency × the pipes

    private static readonly Lazy<(double Gflops, string Source)> TwoThreads = new(MeasureTwoThreads);

    /// <summary>The 2-thread peak the `% peak` columns divide by: NETGEN_PEAK_GFLOPS where set, else measured once per
    /// process (the best of 4 rounds of ~0.5 s after a warm-up, ~2.5 s in all: rounds of 0.1 s read 325–330 where `--peak 2`
    /// read 345; on a busy host it moves by a few %, so every table states the value it used), else (no AVX-512) the
    /// development machine's LayerProfile.DefaultPeakGflops.</summary>
    public static double Gflops => TwoThreads.Value.Gflops;

    /// <summary>Where Gflops comes from, for the tables' legends.</summary>
    public static string Source => TwoThreads.Value.Source;

    private static (double, string) MeasureTwoThreads()
    {
        if (double.TryParse(Environment.GetEnvironmentVariable("NETGEN_PEAK_GFLOPS"), System.Globalization.NumberStyles.Float,
                System.Globalization.CultureInfo.InvariantCulture, out double set) && set > 0)
            return (set, "NETGEN_PEAK_GFLOPS");
        if (!Avx512F.IsSupported) return (NetGen.Diagnostics.LayerProfile.DefaultPeakGflops, "the development machine's, no AVX-512 here");
        Measure(2, Iterations / 8);
        double best = 0;
        for (int round = 0; round < 4; round++) best = Math.Max(best, Measure(2, Iterations / 4));
        return (Math.Round(best), "measured at start, Vector512 FMA on 2 threads");
    }

    public static void Run(int threads)
    {
        if (!Avx512F.IsSupported) throw new PlatformNotSupportedException("AVX-512F is needed for the peak measurement");
        Measure(threads, Iterations); // warm-up: JIT, clocks
        double best = 0;
        for (int round = 0; round < 3; round++) best = Math.Max(best, Measure(threads, Iterations));
        Console.WriteLine($"FMA peak on {threads} thread(s): {best:0.0} GFLOP/s ({best / threads:0.0} per thread); Vector512 FMA, {Chains} chains");
    }

    private static double Measure(int threads, long iterations)
    {
        // Each thread's result is stored, so the loop's work is observable and cannot be dropped.
        var sinks = new float[threads];
        var watch = Stopwatch.StartNew();
        var workers = Enumerable.Range(0, threads).Select(t => new Thread(() => sinks[t] = Loop(iterations / 4))).ToArray();
        foreach (var w in workers) w.Start();
        foreach (var w in workers) w.Join();
        double seconds = watch.Elapsed.TotalSeconds;
        double flops = (double)threads * (iterations / 4) * Chains * Vector512<float>.Count * 2;
        return flops / seconds / 1e9;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static float Loop(long iterations)
    {
        var a = Vector512.Create(0.999999f);
        var b = Vector512.Create(1e-7f);
        Vector512<float> c0 = Vector512.Create(1f), c1 = c0, c2 = c0, c3 = c0, c4 = c0, c5 = c0, c6 = c0, c7 = c0, c8 = c0, c9 = c0, c10 = c0, c11 = c0;
        for (long i = 0; i < iterations; i++)
        {
            c0 = Avx512F.FusedMultiplyAdd(c0, a, b);
            c1 = Avx512F.FusedMultiplyAdd(c1, a, b);
            c2 = Avx512F.FusedMultiplyAdd(c2, a, b);
            c3 = Avx512F.FusedMultiplyAdd(c3, a, b);
            c4 = Avx512F.FusedMultiplyAdd(c4, a, b);
            c5 = Avx512F.FusedMultiplyAdd(c5, a, b);
            c6 = Avx512F.FusedMultiplyAdd(c6, a, b);
            c7 = Avx512F.FusedMultiplyAdd(c7, a, b);
            c8 = Avx512F.FusedMultiplyAdd(c8, a, b);
            c9 = Avx512F.FusedMultiplyAdd(c9, a, b);
            c10 = Avx512F.FusedMultiplyAdd(c10, a, b);
            c11 = Avx512F.FusedMultiplyAdd(c11, a, b);
        }
        var sum = c0 + c1 + c2 + c3 + c4 + c5 + c6 + c7 + c8 + c9 + c10 + c11;
        return Vector512.Sum(sum);
    }
}

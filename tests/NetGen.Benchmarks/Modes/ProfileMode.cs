// `--profile NETWORK [iterations] [batch] [train]`: runs one NetGen network with the per-layer profile attached and prints
// where the time goes, per layer and per layer kind, as GFLOP/s and % of the 2-thread peak.
using System.Diagnostics;
using NetGen.Diagnostics;

namespace NetGen.Benchmarks.Modes;

public static class ProfileMode
{
    public static void Run(string network, int iterations, int batch, bool training)
    {
        // The peak the percentages divide by, measured before the network's worker threads exist.
        double peak = ThroughputColumn.PeakGflops;
        var runner = new NetGenRunner(new Workload(network, batch));
        Action step = training ? runner.TrainStep : () => runner.Inference();
        // Enough calls for tiered compilation to reach its optimized code (30 calls, then a background recompile after a
        // 100 ms delay), or 3 s; at least 1 s: 60 steps of a small network took 20 ms, and its first timed steps still ran
        // the unoptimized code (Tiny64 inference "unprofiled" 0.42–0.55 ms against 0.33–0.35 for the same code warmed up).
        var warmUp = Stopwatch.StartNew();
        for (int i = 0; warmUp.Elapsed.TotalSeconds < 1 || (i < 60 && warmUp.Elapsed.TotalSeconds < 3); i++) step();

        var info = runner.Network.Info;
        double flops = (training ? 3.0 : 1.0) * info.ForwardFlopsPerSample * batch;
        long start = Stopwatch.GetTimestamp();
        for (int i = 0; i < iterations; i++) step();
        double ms = Stopwatch.GetElapsedTime(start).TotalMilliseconds / iterations;
        Console.WriteLine($"{network} ×{batch} {(training ? "train step" : "inference")}, unprofiled: {ms:0.00} ms per step, " +
                          $"{flops / ms / 1e6:0.0} GFLOP/s, {flops / ms / 1e6 / peak:P1} of {peak} GFLOP/s " +
                          $"({FmaPeak.Source})");

        if (training)
        {
            var parts = new double[5];
            for (int i = 0; i < iterations; i++) runner.TimedTrainStep(parts);
            Console.WriteLine($"  its parts, unprofiled: zero gradients {parts[0] / iterations:0.000} ms, forward {parts[1] / iterations:0.000}, " +
                              $"loss {parts[2] / iterations:0.000}, backward {parts[3] / iterations:0.000}, SGD {parts[4] / iterations:0.000}");
        }

        if (runner.Network is not IProfiledNetwork profiled)
        {
            Console.WriteLine($"{info.Name} does not implement {nameof(IProfiledNetwork)}: no per-layer profile (the generator emits it).");
            return;
        }
        var profile = new LayerProfile(info);
        profiled.Profile = profile;
        step();
        profile.Reset();
        for (int i = 0; i < iterations; i++) step();
        profiled.Profile = null;
        Console.WriteLine();
        Console.Write(profile.Report(peak));
    }
}

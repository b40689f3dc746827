// A quick Stopwatch timing of every engine on every workload (a warm-up, then at least the given number of iterations and
// at least a second's worth), after the same correctness checks as the benchmarks: numbers in seconds rather than the
// minutes a BenchmarkDotNet run takes. `--check` runs only the checks.
using System.Diagnostics;
using System.Globalization;

namespace NetGen.Benchmarks.Modes;

public static class SanityTiming
{
    public static void Run(int iterations, bool checkOnly)
    {
        if (!checkOnly) Console.WriteLine($"{"workload",-18} {"engine",-12} {"step",-10} {"median ms",10} {"min ms",10} {"runs",6}");
        foreach (var workload in Workload.Standard())
        {
            var engines = EngineSet.For(workload, training: true);
            if (checkOnly) continue;
            Report(workload, "onnxruntime", "inference", iterations, engines.OnnxRuntime.Run);
            Report(workload, "libtorch", "inference", iterations, engines.LibTorch.Inference);
            Report(workload, "netgen", "inference", iterations, () => engines.NetGen.Inference());
            Report(workload, "libtorch", "train", iterations, engines.LibTorch.TrainStep);
            Report(workload, "netgen", "train", iterations, engines.NetGen.TrainStep);
        }
    }

    private static void Report(Workload workload, string engine, string step, int iterations, Action action)
    {
        action();
        var times = new List<double>();
        long begin = Stopwatch.GetTimestamp();
        while (times.Count < iterations || (Stopwatch.GetElapsedTime(begin).TotalSeconds < 1 && times.Count < 1000))
        {
            long start = Stopwatch.GetTimestamp();
            action();
            times.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
        }
        times.Sort();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{workload,-18} {engine,-12} {step,-10} {times[times.Count / 2],10:F2} {times[0],10:F2} {times.Count,6}"));
    }
}

// A quick Stopwatch timing of every engine on every benchmark network (a warm-up, then at least the given number of
// iterations and at least a second's worth), to see the numbers in seconds rather than the minutes a BenchmarkDotNet run
// takes. Run: dotnet run -c Release -- --sanity [iterations]
using System.Diagnostics;
using System.Globalization;
using NetGen.Interop;

namespace NetGen.Benchmarks;

public static class SanityTiming
{
    public static void Run(int iterations)
    {
        Console.WriteLine($"{"network",-15} {"engine",-14} {"step",-10} {"median ms",10} {"min ms",10} {"runs",6}");
        foreach (string name in BenchmarkNetworks.Names)
        {
            var info = BenchmarkNetworks.Get(name);
            using (var torchRunner = new LibTorchRunner(info))
            {
                Report(name, "libtorch", "inference", iterations, torchRunner.Inference);
                Report(name, "libtorch", "train", iterations, torchRunner.TrainStep);
            }
            using var ort = new OnnxRuntimeNetwork(info, BenchmarkNetworks.Parameters(info), batch: 1, intraOpThreads: 2);
            BenchmarkNetworks.Input(info).CopyTo(ort.Input, 0);
            Report(name, "onnxruntime", "inference", iterations, ort.Run);
        }
    }

    private static void Report(string network, string engine, string step, int iterations, Action action)
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
            $"{network,-15} {engine,-14} {step,-10} {times[times.Count / 2],10:F2} {times[0],10:F2} {times.Count,6}"));
    }
}

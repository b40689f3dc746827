// GFLOP/s of each benchmark row and its percentage of the machine's 2-thread FMA peak, from the arithmetic the benchmark
// does (IFlopCount) and BenchmarkDotNet's mean time.
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;

namespace NetGen.Benchmarks;

/// <summary>Implemented by benchmark classes: the floating-point operations one invocation of a case performs.</summary>
public interface IFlopCount
{
    double Flops(BenchmarkCase benchmarkCase);
}

public sealed class ThroughputColumn(bool percentOfPeak) : IColumn
{
    /// <summary>The 2-thread FMA peak the percentages are against: measured once per process (see FmaPeak.Gflops).</summary>
    public static double PeakGflops => Modes.FmaPeak.Gflops;

    public string Id => percentOfPeak ? "PercentOfPeak" : "Gflops";
    public string ColumnName => percentOfPeak ? "% peak" : "GFLOP/s";
    public bool AlwaysShow => true;
    public ColumnCategory Category => ColumnCategory.Custom;
    public int PriorityInCategory => percentOfPeak ? 1 : 0;
    public bool IsNumeric => true;
    public UnitType UnitType => UnitType.Dimensionless;
    public string Legend => percentOfPeak ? $"GFLOP/s as a percentage of {PeakGflops} GFLOP/s ({Modes.FmaPeak.Source})" : "Arithmetic rate: FLOPs of one invocation / mean time";

    public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;
    public bool IsAvailable(Summary summary) => true;

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, SummaryStyle.Default);

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
    {
        var statistics = summary[benchmarkCase]?.ResultStatistics;
        if (statistics is null || Activator.CreateInstance(benchmarkCase.Descriptor.Type) is not IFlopCount counter) return "-";
        double gflops = counter.Flops(benchmarkCase) / statistics.Mean; // FLOPs per nanosecond = GFLOP/s
        return percentOfPeak ? $"{100 * gflops / PeakGflops:0.0}%" : $"{gflops:0.0}";
    }

    public override string ToString() => ColumnName;
}

// The one job every benchmark class runs under: in-process (no rebuild of the 550 MB of native libraries per class), a
// short run (2 warm-up and 7 measured iterations) so the whole suite fits in about 15 minutes on 2 cores, plus the
// GFLOP/s and %-of-peak columns.
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Order;
using BenchmarkDotNet.Toolchains.InProcess.Emit;

namespace NetGen.Benchmarks;

public sealed class BenchmarkConfig : ManualConfig
{
    public BenchmarkConfig()
    {
        AddJob(Job.Default
            .WithToolchain(InProcessEmitToolchain.Instance)
            .WithLaunchCount(1)
            .WithWarmupCount(2)
            .WithIterationCount(7)
            .WithId("InProcess-2T"));
        AddColumn(new ThroughputColumn(percentOfPeak: false), new ThroughputColumn(percentOfPeak: true));
        AddColumn(StatisticColumn.Min);
        WithOrderer(new DefaultOrderer(SummaryOrderPolicy.Declared, MethodOrderPolicy.Declared));
        // Group the engines of one workload together, so each group's ratio column compares them to its baseline.
        AddLogicalGroupRules(BenchmarkLogicalGroupRule.ByParams);
    }
}

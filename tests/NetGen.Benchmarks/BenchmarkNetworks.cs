// The benchmarked networks by name: the layer table the reference engines run, the NetGen class generated for it, and the
// deterministic weights, inputs and labels every engine is given.
using NetGen.Benchmarks.Networks;
using NetGen.Interop;
using NetGen.Model;

namespace NetGen.Benchmarks;

public static class BenchmarkNetworks
{
    /// <summary>2024, or NETGEN_BENCH_SEED (a diagnostic: the accuracy checks on other weights and inputs).</summary>
    public static readonly int Seed = int.TryParse(Environment.GetEnvironmentVariable("NETGEN_BENCH_SEED"), out int seed) ? seed : 2024;

    public static IReadOnlyList<string> All => ["SegNet360x480", "SegNet180x240", "Tiny64", "Tiny256"];

    /// <summary>Networks only the quick modes run by name (`--profile Wide128`): no reference engine builds them.</summary>
    public static IReadOnlyList<string> ProfileOnly => ["Wide128"];

    /// <summary>The names the benchmarks and the quick modes iterate over: all of them, or the comma-separated subset in
    /// NETGEN_BENCH_NETWORKS (BenchmarkDotNet's --filter selects methods, not parameter values).</summary>
    public static IEnumerable<string> Names =>
        Environment.GetEnvironmentVariable("NETGEN_BENCH_NETWORKS") is { Length: > 0 } subset
            ? subset.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
            : All;

    public static NetworkInfo Get(string name) => name switch
    {
        "SegNet360x480" => StandardNetworks.SegNetBasic(360, 480),
        "SegNet180x240" => StandardNetworks.SegNetBasic(180, 240),
        "Tiny64" => StandardNetworks.TinyHourglass(64),
        "Tiny256" => StandardNetworks.TinyHourglass(256),
        "Wide128" => new WideHourglass128(1).Info,
        _ => throw new ArgumentException($"unknown network '{name}'; known: {string.Join(", ", All.Concat(ProfileOnly))}", nameof(name)),
    };

    /// <summary>The generated NetGen network for <paramref name="name"/>, with buffers for <paramref name="maxBatch"/> samples.</summary>
    public static ISegmentationNetwork CreateNetGen(string name, int maxBatch) => name switch
    {
        "SegNet360x480" => new SegNetBasic360(maxBatch),
        "SegNet180x240" => new SegNetBasic180(maxBatch),
        "Tiny64" => new TinyHourglass64(maxBatch),
        "Tiny256" => new TinyHourglass256(maxBatch),
        "Wide128" => new WideHourglass128(maxBatch),
        _ => throw new ArgumentException($"unknown network '{name}'; known: {string.Join(", ", All.Concat(ProfileOnly))}", nameof(name)),
    };

    public static ParameterSet Parameters(NetworkInfo network) => StandardNetworks.Parameters(network, Seed);

    /// <summary><paramref name="batch"/> input images [N, C, H, W], uniform in [−1, 1).</summary>
    public static float[] Input(NetworkInfo network, int batch = 1)
    {
        var rng = new Random(Seed + 1);
        var x = new float[batch * network.Input.Size];
        for (int i = 0; i < x.Length; i++) x[i] = (float)(rng.NextDouble() * 2 - 1);
        return x;
    }

    /// <summary><paramref name="batch"/> label maps [N, H, W] of uniformly drawn classes.</summary>
    public static int[] Labels(NetworkInfo network, int batch = 1)
    {
        var rng = new Random(Seed + 2);
        var labels = new int[batch * network.Input.H * network.Input.W];
        for (int i = 0; i < labels.Length; i++) labels[i] = rng.Next(network.Classes);
        return labels;
    }
}

/// <summary>One benchmarked network at one batch size: a single [ParamsSource] value, so that combinations too slow for the
/// time budget (SegNet-Basic 360×480 at batch 8) are simply not listed.</summary>
public sealed record Workload(string Network, int Batch)
{
    public NetworkInfo Info => BenchmarkNetworks.Get(Network);

    public override string ToString() => $"{Network} ×{Batch}";

    /// <summary>The workloads of the benchmark tables: every network at batch 1, and at batch 8 all but SegNet-Basic 360×480
    /// (whose batch-8 inference alone would take about 7 s a call on 2 cores, a third of the suite's time budget).</summary>
    public static IEnumerable<Workload> Standard() =>
        BenchmarkNetworks.Names.SelectMany(n => n == "SegNet360x480" ? [new Workload(n, 1)] : new[] { new Workload(n, 1), new Workload(n, 8) });
}

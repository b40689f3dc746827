// The benchmarked networks by name, with their deterministic weights, inputs and labels, shared by every engine's benchmark.
using NetGen.Interop;
using NetGen.Model;

namespace NetGen.Benchmarks;

public static class BenchmarkNetworks
{
    public const int Seed = 2024;

    public static IReadOnlyList<string> All => ["SegNet360x480", "SegNet180x240", "Tiny64", "Tiny256"];

    /// <summary>The names BenchmarkDotNet's [ParamsSource] and the sanity timing iterate over: all of them, or the
    /// comma-separated subset in NETGEN_BENCH_NETWORKS (BenchmarkDotNet's --filter selects methods, not parameter values).</summary>
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
        _ => throw new ArgumentException($"unknown network '{name}'; known: {string.Join(", ", All)}", nameof(name)),
    };

    public static ParameterSet Parameters(NetworkInfo network) => StandardNetworks.Parameters(network, Seed);

    /// <summary>One input image [1, C, H, W], uniform in [−1, 1).</summary>
    public static float[] Input(NetworkInfo network)
    {
        var rng = new Random(Seed + 1);
        var x = new float[network.Input.Size];
        for (int i = 0; i < x.Length; i++) x[i] = (float)(rng.NextDouble() * 2 - 1);
        return x;
    }

    /// <summary>One label map [1, H, W] of uniformly drawn classes.</summary>
    public static int[] Labels(NetworkInfo network)
    {
        var rng = new Random(Seed + 2);
        var labels = new int[network.Input.H * network.Input.W];
        for (int i = 0; i < labels.Length; i++) labels[i] = rng.Next(network.Classes);
        return labels;
    }
}

// The text of LayerProfile.Report: one row per layer, then one per layer kind, then the total, in aligned columns.
// Times are per call (per pass), so the rows of one pass add up to its total.
using System.Globalization;
using System.Text;
using NetGen.Model;

namespace NetGen.Diagnostics;

internal static class ProfileReport
{
    private static readonly string[] Header =
        ["layer", "kind", "output", "fwd ms", "fwd GF/s", "%peak", "bwd ms", "bwd GF/s", "%peak", "share"];

    // Text columns are left-aligned, numbers right-aligned.
    private static readonly bool[] RightAligned = [false, false, false, true, true, true, true, true, true, true];

    public static string Write(LayerProfile profile, double peakGflops)
    {
        if (!(peakGflops > 0)) throw new ArgumentOutOfRangeException(nameof(peakGflops), peakGflops, "the peak must be a positive GFLOP/s figure");
        var layers = profile.Layers;
        double totalSeconds = 0;
        long passes = 0, backwardPasses = 0;
        foreach (var t in layers)
        {
            totalSeconds += t.ForwardSeconds + t.BackwardSeconds;
            passes = Math.Max(passes, t.ForwardCalls);
            backwardPasses = Math.Max(backwardPasses, t.BackwardCalls);
        }

        var rows = new List<string[]> { Header };
        foreach (var t in layers)
            rows.Add(Row(t.Name, t.Kind.ToString(), t.Layer.Output.ToString(), [t], peakGflops, totalSeconds));
        rows.Add(Separator());
        foreach (var group in layers.GroupBy(t => t.Kind))
        {
            int count = group.Count();
            string label = count == 1 ? "1 layer" : $"{count} layers";
            rows.Add(Row(group.Key.ToString(), label, "", group.ToList(), peakGflops, totalSeconds));
        }
        rows.Add(Separator());
        rows.Add(Row("total", $"{layers.Count} layers", "", layers, peakGflops, totalSeconds));

        var text = new StringBuilder();
        text.Append(Invariant($"{profile.Network.Name}: mean of {passes} forward and {backwardPasses} backward passes; "))
            .Append(Invariant($"%peak of {peakGflops:0.#} GFLOP/s; backward FLOPs estimated as dx + dw for convolutions (dw only for the one reading the input).\n"))
            .Append("FLOPs are a direct convolution's: layers that run Winograd's algorithms do 1/4 to 9/14 of those multiply-adds, and\n")
            .Append("deconvolutions after an unpool (on AVX-512) only those of the unpooled input's nonzeros (about 1/8 after a ReLU): both can show more than 100 %.\n");
        foreach (string line in Columns(rows)) text.Append(line).Append('\n');
        return text.ToString();
    }

    // Per-call times add across layers; rates divide all the FLOPs by all the time.
    private static string[] Row(string name, string kind, string output, IReadOnlyList<LayerTiming> timings, double peak, double totalSeconds)
    {
        double forwardMs = 0, backwardMs = 0, forwardFlops = 0, backwardFlops = 0, forwardSeconds = 0, backwardSeconds = 0;
        foreach (var t in timings)
        {
            forwardMs += t.ForwardMsPerCall;
            backwardMs += t.BackwardMsPerCall;
            forwardFlops += (double)t.ForwardFlopsPerSample * t.ForwardSamples;
            backwardFlops += (double)t.BackwardFlopsPerSample * t.BackwardSamples;
            forwardSeconds += t.ForwardSeconds;
            backwardSeconds += t.BackwardSeconds;
        }
        double forwardRate = LayerTiming.Rate(forwardFlops, forwardSeconds), backwardRate = LayerTiming.Rate(backwardFlops, backwardSeconds);
        double share = totalSeconds > 0 ? (forwardSeconds + backwardSeconds) / totalSeconds : double.NaN;
        // A pass that only ever ran inside another layer's call has ~0 time of its own: a rate would be noise.
        bool forwardFused = timings.All(t => t.ForwardFused), backwardFused = timings.All(t => t.BackwardFused);
        return
        [
            name, kind, output,
            Invariant($"{forwardMs:F3}"), forwardFused ? "fused" : Rate(forwardRate), forwardFused ? "" : Percent(forwardRate / peak),
            Invariant($"{backwardMs:F3}"), backwardFused ? "fused" : Rate(backwardRate), backwardFused ? "" : Percent(backwardRate / peak),
            Percent(share),
        ];
    }

    private static string Rate(double gflops) => double.IsNaN(gflops) ? "" : Invariant($"{gflops:F1}");

    private static string Percent(double fraction) => double.IsNaN(fraction) ? "" : Invariant($"{100 * fraction:F1}%");

    private static string[] Separator() => new string[Header.Length];

    private static IEnumerable<string> Columns(List<string[]> rows)
    {
        var widths = new int[Header.Length];
        foreach (var row in rows)
            for (int c = 0; c < row.Length; c++)
                widths[c] = Math.Max(widths[c], row[c]?.Length ?? 0);

        foreach (var row in rows)
        {
            if (row[0] is null)
            {
                yield return new string('-', widths.Sum() + 2 * (widths.Length - 1));
                continue;
            }
            var cells = new string[row.Length];
            for (int c = 0; c < row.Length; c++)
                cells[c] = RightAligned[c] ? row[c].PadLeft(widths[c]) : row[c].PadRight(widths[c]);
            yield return string.Join("  ", cells).TrimEnd();
        }
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}

// The check every benchmark runs before timing: NetGen against ONNX Runtime and libtorch on the same weights and input
// (inference logits), and against libtorch's autograd for one training step's gradients. Prints the differences and throws
// if NetGen is out of tolerance, so a fast but wrong engine can never produce a table.
using System.Globalization;
using NetGen.Model;

namespace NetGen.Benchmarks;

/// <summary>
/// Pass rule, per tensor: NetGen is within <see cref="Tolerance"/> of each float32 reference engine, or, failing that, NetGen
/// is no further from libtorch's float64 result than <see cref="Slack"/> × the float32 references' own distance from it
/// (and never than <see cref="Tolerance"/>, <see cref="GradientTolerance"/> for gradients).
/// The second arm exists because deep float32 networks legitimately differ by more than 1e-3: a weight gradient sums
/// ~10⁵–10⁶ products with heavy cancellation, and a max pool whose window holds two values closer than float32 rounding picks
/// an engine-dependent argmax, which the paired unpool then moves to another pixel. Both show up as libtorch float32 itself
/// being that far from float64. For logits a third arm accepts a near-tie that float32 rounding broke the other way than
/// float64 did (seen: a ReLU output of 2e-7 in NetGen, 0 in libtorch, making the argmax of an all-but-zero window): at most
/// <see cref="LocalFraction"/> of the logits may then be beyond tolerance, since such a flip only moves one value to a
/// neighbouring pixel and the convolutions after it spread that over a small patch.
/// </summary>
public static class EngineCheck
{
    /// <summary>Largest allowed |NetGen − reference|, relative to the reference tensor's largest magnitude.</summary>
    public const double Tolerance = 1e-3;

    /// <summary>How much further from float64 than the float32 references NetGen may be, when beyond <see cref="Tolerance"/>.</summary>
    public const double Slack = 2;

    /// <summary>For gradients beyond <see cref="Tolerance"/>: the distance from float64 always allowed, however close libtorch's
    /// float32 happens to be. A pooling near-tie in the training forward moves one activation that an unpool feeds to a
    /// deconvolution, which shifts that deconvolution's weight gradient (a sum over every pixel) by up to ~2e-2 of its largest
    /// element (measured on SegNet-Basic 360×480; the kernel alone, on random data, is within 5e-7 of float64); a real error
    /// (a wrong tap, a lost term) is O(1).</summary>
    public const double GradientTolerance = 5e-2;

    /// <summary>Largest fraction of logits allowed beyond <see cref="Tolerance"/> when a pooling near-tie explains it.</summary>
    public const double LocalFraction = 0.02;

    public static void Inference(EngineSet engines)
    {
        float[] ours = engines.NetGen.Inference().ToArray();
        var ort = engines.OnnxRuntime;
        ort.Run();
        float[] torch = engines.LibTorch.InferenceLogits();
        var vsOrt = Measure(ort.Output, ours);
        var vsTorch = Measure(torch, ours);
        Print(engines.Workload, "NetGen inference logits vs ONNX Runtime", vsOrt);
        Print(engines.Workload, "NetGen inference logits vs libtorch", vsTorch);
        if (vsOrt.Relative <= Tolerance && vsTorch.Relative <= Tolerance) return;

        using var exact = new LibTorchRunner(engines.Workload, type: TorchSharp.torch.ScalarType.Float64);
        float[] truth = exact.InferenceLogits();
        Difference vsOrtTruth = Measure(truth, ort.Output), vsTorchTruth = Measure(truth, torch);
        var references = vsOrtTruth.Relative >= vsTorchTruth.Relative ? vsOrtTruth : vsTorchTruth;
        var local = Math.Max(Measure(torch, ours, 0, Tolerance).FractionBeyond, Measure(ort.Output, ours, 0, Tolerance).FractionBeyond);
        Verdict(engines.Workload, "inference logits", Measure(truth, ours), references, Tolerance, local, LocalFraction);
    }

    public static void Gradients(EngineSet engines)
    {
        var info = engines.Workload.Info;
        float loss = engines.NetGen.ComputeGradients();
        var (torchLoss, torchGradients) = engines.LibTorch.ComputeGradients();
        Print(engines.Workload, "NetGen training loss vs libtorch", Measure([torchLoss], [loss]));
        // The bias of a convolution followed by batch norm has a true gradient of zero (batch norm subtracts the mean again):
        // both engines return rounding noise there, which is measured against the network's largest gradient instead.
        double networkScale = torchGradients.Values.Max(g => g.Max(MathF.Abs));
        var trainable = info.Parameters.Where(p => p.Trainable).ToArray();
        var direct = trainable.ToDictionary(p => p.Name,
            p => Measure(torchGradients[p.Name], engines.NetGen.Network.Parameters[p.Name].Grad, Floor(info, p, networkScale)));
        var worst = trainable.MaxBy(p => direct[p.Name].Relative)!;
        Print(engines.Workload, $"NetGen gradients vs libtorch, {trainable.Length} tensors, worst {worst.Name}", direct[worst.Name]);
        // NETGEN_CHECK_EXACT=1 prints every gradient's distance from libtorch float64, NetGen's and libtorch float32's (a
        // diagnostic of the arithmetic's accuracy; the pool routing may differ from float64's, see Routed).
        if (Environment.GetEnvironmentVariable("NETGEN_CHECK_EXACT") == "1") PrintAgainstFloat64(engines, trainable, torchGradients);
        if (direct.Values.All(d => d.Relative <= Tolerance)) return;

        using var exact = new LibTorchRunner(engines.Workload, type: TorchSharp.torch.ScalarType.Float64);
        var (_, truth) = exact.ComputeGradients();
        double truthScale = truth.Values.Max(g => g.Max(MathF.Abs));
        var failed = new List<string>();
        var beyond = new List<string>();
        foreach (var p in trainable)
        {
            if (direct[p.Name].Relative <= Tolerance) continue;
            beyond.Add(p.Name);
            double floor = Floor(info, p, truthScale);
            if (!Verdict(engines.Workload, $"gradient of {p.Name}", Measure(truth[p.Name], engines.NetGen.Network.Parameters[p.Name].Grad, floor),
                    Measure(truth[p.Name], torchGradients[p.Name], floor), GradientTolerance, 0, 0, throwIfFailed: false))
                failed.Add(p.Name);
        }
        // NETGEN_CHECK_ROUTED=1 judges every gradient beyond 1e-3 on matched routing too (a diagnostic: which distances are the
        // routing's and which the arithmetic's).
        if (Environment.GetEnvironmentVariable("NETGEN_CHECK_ROUTED") == "1") Routed(engines, beyond);
        else if (failed.Count > 0) Routed(engines, failed);
    }

    private static void PrintAgainstFloat64(EngineSet engines, ParameterInfo[] trainable, IReadOnlyDictionary<string, float[]> torchGradients)
    {
        using var exact = new LibTorchRunner(engines.Workload, type: TorchSharp.torch.ScalarType.Float64);
        var (_, truth) = exact.ComputeGradients();
        double truthScale = truth.Values.Max(g => g.Max(MathF.Abs));
        // float64 routed through NetGen's own pool argmax as well: what is left there is the arithmetic and the ReLU decisions.
        using var routed = new LibTorchRunner(engines.Workload, type: TorchSharp.torch.ScalarType.Float64, argmax: engines.NetGen.PoolArgmax());
        var (_, routedTruth) = routed.ComputeGradients();
        foreach (var p in trainable)
        {
            double floor = Floor(engines.Workload.Info, p, truthScale);
            var ours = Measure(truth[p.Name], engines.NetGen.Network.Parameters[p.Name].Grad, floor);
            var oursRouted = Measure(routedTruth[p.Name], engines.NetGen.Network.Parameters[p.Name].Grad, floor);
            var theirs = Measure(truth[p.Name], torchGradients[p.Name], floor);
            Console.WriteLine(Invariant($"// check {engines.Workload}: gradient of {p.Name} against libtorch float64: NetGen {ours.Relative:E2} ({oursRouted.Relative:E2} on its own pool argmax), libtorch float32 {theirs.Relative:E2}"));
        }
    }

    /// <summary>Gradients beyond the verdict against float64 get a second one against a float64 pass routed through NetGen's own
    /// pool argmax: it separates the arithmetic (NetGen against float64 on the same routing, within
    /// <see cref="RoutedGradientTolerance"/> or 2× libtorch float32's distance from float64 routed through libtorch's own
    /// argmax) from the routing, where every entry that differs from float64's own argmax must be a near-tie (the forced position's value
    /// within <see cref="NearTie"/> of the window's maximum, relative to the layer's largest input). A near-tie that float32
    /// rounding broke the other way moves an activation to a neighbouring pixel, and a network whose batch-statistics
    /// gradients are small residuals of large cancelling terms (SegNet-Basic at initialisation) turns each such move into a
    /// change of about 1 % of whole weight gradients; a wrong sum is not near float64 on any routing, and a wrong argmax is
    /// not a near-tie.</summary>
    private static void Routed(EngineSet engines, List<string> failed)
    {
        var info = engines.Workload.Info;
        using var routed = new LibTorchRunner(engines.Workload, type: TorchSharp.torch.ScalarType.Float64, argmax: engines.NetGen.PoolArgmax());
        var (_, truth) = routed.ComputeGradients();
        string pools = string.Join(", ", routed.ArgmaxReport.Select(r => Invariant($"{info.Layers[r.Layer].Name} {r.Differing} (gap {r.WorstGap:E1})")));
        bool nearTies = routed.ArgmaxReport.All(r => r.WorstGap <= NearTie);
        Console.WriteLine(Invariant($"// check {engines.Workload}: NetGen's pool argmax entries differing from float64's own: {pools}; ") +
                          (nearTies ? Invariant($"all near-ties (within {NearTie:E0}) OK") : "NOT all near-ties"));
        if (!nearTies)
            throw new InvalidOperationException(Invariant($"CHECK FAILED: {engines.Workload}: an argmax differing from float64's is not a near-tie (allowed {NearTie:E0}): {pools}"));
        double truthScale = truth.Values.Max(g => g.Max(MathF.Abs));
        // libtorch float32 judged the same way, against float64 routed through its own argmax: the references' arithmetic alone.
        // A runner of its own records that argmax (the timed one does not copy it each call); same weights, input and threads.
        using var torch32 = new LibTorchRunner(engines.Workload, recordArgmax: true);
        var (_, torchGradients) = torch32.ComputeGradients();
        using var torchRouted = new LibTorchRunner(engines.Workload, type: TorchSharp.torch.ScalarType.Float64,
            argmax: torch32.LastArgmax.ToDictionary(e => e.Key, e => e.Value));
        var (_, torchTruth) = torchRouted.ComputeGradients();
        foreach (var name in failed)
        {
            var p = info.Parameters.First(q => q.Name == name);
            double floor = Floor(info, p, truthScale);
            Verdict(engines.Workload, $"gradient of {name}, each engine against float64 routed through its own argmax",
                Measure(truth[name], engines.NetGen.Network.Parameters[name].Grad, floor), Measure(torchTruth[name], torchGradients[name], floor),
                RoutedGradientTolerance, 0, 0);
        }
    }

    /// <summary>For gradients on matched routing (see Routed): the distance from float64 always allowed. SegNet-Basic 180×240 at
    /// batch 8 measured NetGen at 1.4–3.3e-3 and libtorch float32 at 1.7e-3–2.8e-2 (mostly 3–4e-3), each on its own routing.</summary>
    public const double RoutedGradientTolerance = 1e-2;

    /// <summary>Largest gap, relative to the pool input's largest magnitude, between a window's float64 maximum and the value
    /// at NetGen's argmax for that argmax to count as a near-tie.</summary>
    public const double NearTie = 1e-5;

    /// <summary>The largest difference, relative to the reference's scale, and the flat index where it occurs.</summary>
    public readonly record struct Difference(double MaxAbs, double Relative, int Where = -1)
    {
        /// <summary>Elements beyond the tolerance, as a fraction of all (0 when not counted).</summary>
        public double FractionBeyond { get; init; }

        /// <summary>‖got − want‖₂ / ‖want‖₂: the error over the whole tensor, where Relative is its worst element's (a pooling
        /// near-tie moves a few elements far; an engine that rounds worse moves all of them a little more).</summary>
        public double RelativeL2 { get; init; }
    }

    /// <summary>Max |got − want| and that divided by max(max |want|, <paramref name="floor"/>); with a
    /// <paramref name="tolerance"/>, also the fraction of elements further than tolerance × scale.</summary>
    public static Difference Measure(ReadOnlySpan<float> want, ReadOnlySpan<float> got, double floor = 0, double tolerance = 0)
    {
        if (want.Length != got.Length) throw new InvalidOperationException($"{got.Length} values, expected {want.Length}");
        double maxAbs = 0, scale = floor;
        int where = -1;
        for (int i = 0; i < want.Length; i++)
        {
            double error = Math.Abs((double)got[i] - want[i]);
            // NaN fails every comparison instead of vanishing in a maximum.
            if (double.IsNaN(error)) return new Difference(double.NaN, double.NaN, i);
            if (error > maxAbs) (maxAbs, where) = (error, i);
            scale = Math.Max(scale, Math.Abs(want[i]));
        }
        double squares = 0, errorSquares = 0;
        for (int i = 0; i < want.Length; i++)
        {
            double error = (double)got[i] - want[i];
            squares += (double)want[i] * want[i];
            errorSquares += error * error;
        }
        long beyond = 0;
        if (tolerance > 0)
            for (int i = 0; i < want.Length; i++)
                if (Math.Abs((double)got[i] - want[i]) > tolerance * scale) beyond++;
        return new Difference(maxAbs, scale > 0 ? maxAbs / scale : maxAbs, where)
        {
            FractionBeyond = want.Length == 0 ? 0 : beyond / (double)want.Length,
            RelativeL2 = squares > 0 ? Math.Sqrt(errorSquares / squares) : Math.Sqrt(errorSquares),
        };
    }

    private static bool Verdict(Workload workload, string what, Difference netGen, Difference references, double tolerance, double fractionBeyond,
        double allowedFraction, bool throwIfFailed = true)
    {
        double allowed = Math.Max(tolerance, Slack * references.Relative);
        string line = Invariant($"// check {workload}: {what} beyond {Tolerance:E0} of float32 libtorch/ORT; against libtorch float64: NetGen {netGen.Relative:E2}, ") +
                      Invariant($"float32 references {references.Relative:E2} (allowed {allowed:E2}); whole-tensor L2: NetGen {netGen.RelativeL2:E2}, references {references.RelativeL2:E2}");
        if (allowedFraction > 0)
            line += Invariant($"; {fractionBeyond:P2} of elements beyond {Tolerance:E0} of the float32 references (allowed {allowedFraction:P0} for a pooling near-tie)");
        if (!(netGen.Relative <= allowed) && !(allowedFraction > 0 && fractionBeyond <= allowedFraction))
        {
            if (throwIfFailed) throw new InvalidOperationException("CHECK FAILED: " + line[9..] + Invariant($" (worst at flat index {netGen.Where})"));
            Console.WriteLine(line + Invariant($" beyond (worst at flat index {netGen.Where}): see the routed verdict"));
            return false;
        }
        Console.WriteLine(line + " OK");
        return true;
    }

    private static void Print(Workload workload, string what, Difference d) =>
        Console.WriteLine(Invariant($"// check {workload}: {what}: max abs diff {d.MaxAbs:E2}, max rel diff {d.Relative:E2}") +
                          (d.Relative <= Tolerance ? " OK" : Invariant($" (beyond {Tolerance:E0}: see the float64 verdict)")));

    private static double Floor(NetworkInfo info, ParameterInfo p, double networkScale) =>
        p.Name.EndsWith(".bias", StringComparison.Ordinal) && info.Layers[p.Layer].Conv is not null
        && p.Layer + 1 < info.Layers.Count && info.Layers[p.Layer + 1].Kind == LayerKind.BatchNorm2d ? networkScale : 0;

    private static string Invariant(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}

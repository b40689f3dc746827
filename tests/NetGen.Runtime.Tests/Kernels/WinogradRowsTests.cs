// Winograd's F(2, k) along rows in the band engine (Vector512, 5×5 and 7×7 kernels with "same" padding, rows of an even
// number of outputs, at least 16, at least 8 channels in and out) and its transpose F(k, 2) for the weight gradient: the
// matrices in float64, and the engines against the reference on every path (forward, fused ReLU, input gradient,
// transposed forward, both weight gradients), against the direct engines on the same shapes (they must really run and
// stay close to the direct engines' accuracy against float64 sums), and independent of the thread count.
using System.Runtime.Intrinsics.X86;
using NetGen.Kernels;
using NetGen.Model;
using NetGen.Reference;
using static NetGen.Runtime.Tests.Kernels.KernelCheck;

namespace NetGen.Runtime.Tests.Kernels;

public class WinogradRowsTests
{
    private const double Tolerance = 1e-4;

    /// <summary>inC, outC, kernel, inH, inW, batch of a stride-1 Conv2d with "same" padding that F(2, k) runs.</summary>
    public static TheoryData<int, int, int, int, int, int> Shapes => new()
    {
        // SegNet-Basic's 64→64 7×7 (at 6×32: 16 tiles per row).
        { 64, 64, 7, 6, 32, 1 },
        // Rows of 48 (24 tiles: 16 at a time straddle rows), odd height, batch 2.
        { 16, 8, 7, 9, 48, 2 },
        // 10 output channels (a partial block of 4), 9 input channels, rows of 16 (8 tiles), batch 3.
        { 9, 10, 7, 13, 16, 3 },
        // A tall plane: several bands per sample, the last shorter.
        { 16, 16, 7, 70, 32, 1 },
        // 17 input channels: 119 terms, summed in two blocks of 60 and 59.
        { 17, 12, 7, 6, 32, 1 },
        // A wide row (SegNet's 240 columns: 120 tiles, a chunk's last vector half full).
        { 12, 16, 7, 3, 240, 1 },
        // SegNet-Basic's 120- and 60-column rows (60 and 30 tiles: 8 at a time straddle rows), 45 rows.
        { 16, 16, 7, 9, 120, 1 },
        { 16, 20, 7, 45, 60, 2 },
        // 18 columns (9 tiles), odd height; SegNet-Basic's 30 columns (15 tiles): pairs, 30 is no multiple of 4.
        { 8, 16, 7, 7, 18, 2 },
        { 16, 12, 7, 11, 30, 2 },
        // An RGB first layer (3 input channels: tiles of 4 only).
        { 3, 16, 7, 10, 48, 2 },
        // 5×5.
        { 8, 12, 5, 11, 32, 1 },
        { 24, 8, 5, 20, 80, 2 },
    };

    [Theory]
    [InlineData(5)]
    [InlineData(7)]
    public void The_matrices_give_the_correlation_exactly_in_float64(int k)
    {
        var m = WinogradRows.For(k);
        Assert.Equal(k + 1, m.Alpha);
        var random = new Random(k);
        for (int trial = 0; trial < 20; trial++)
        {
            var g = new double[k];
            var d = new double[k + 3];
            for (int i = 0; i < k; i++) g[i] = random.NextDouble() * 2 - 1;
            for (int i = 0; i < d.Length; i++) d[i] = random.NextDouble() * 2 - 1;
            var product = new double[m.Alpha];
            for (int xi = 0; xi < m.Alpha; xi++)
            {
                double gg = 0, dd = 0;
                for (int u = 0; u < k; u++) gg += m.G[xi * k + u] * g[u];
                for (int j = 0; j < m.Alpha; j++) dd += m.BT[xi * m.Alpha + j] * d[j];
                product[xi] = gg * dd;
            }
            // F(2, k): two outputs from a k-tap kernel row.
            for (int y = 0; y < 2; y++)
            {
                double winograd = 0, direct = 0;
                for (int xi = 0; xi < m.Alpha; xi++) winograd += m.AT[y * m.Alpha + xi] * product[xi];
                for (int u = 0; u < k; u++) direct += g[u] * d[y + u];
                Assert.True(Math.Abs(winograd - direct) < 1e-12, $"k {k}, output {y}: {winograd} against {direct}");
            }
            // Its transpose F(k, 2): k sums of a 2-position tile h against d, with h0 + p·h1 (h1 for ∞) as G·h.
            double h0 = g[0], h1 = g[1];
            for (int v = 0; v < k; v++)
            {
                double winograd = 0;
                for (int xi = 0; xi < m.Alpha; xi++)
                {
                    double gh = xi < m.Alpha - 1 ? h0 + m.Points[xi] * h1 : h1, dd = 0;
                    for (int j = 0; j < m.Alpha; j++) dd += m.BT[xi * m.Alpha + j] * d[j];
                    winograd += m.WeightGradientAT[v * m.Alpha + xi] * gh * dd;
                }
                double direct = h0 * d[v] + h1 * d[v + 1];
                Assert.True(Math.Abs(winograd - direct) < 1e-6, $"F({k}, 2), sum {v}: {winograd} against {direct}");
            }
            // The forward's planes (7×7: F(2, 4) beside F(2, 3); tiles of 4: F(4, 4) beside F(4, 3)) and the whole row's.
            foreach (var set in new[] { WinogradRows.Forward(k), WinogradRows.Wide(k), WinogradRows.Whole(k) })
            {
                for (int y = 0; y < set.Outputs; y++)
                {
                    double winograd = 0, direct = 0;
                    for (int xi = 0; xi < set.Count; xi++)
                    {
                        double gg = 0, dd = 0;
                        for (int u = 0; u < k; u++) gg += set.Weight[xi * k + u] * g[u];
                        for (int j = 0; j < set.Span; j++) dd += set.Input[xi * set.Span + j] * d[j];
                        winograd += set.Output[y * set.Count + xi] * gg * dd;
                    }
                    for (int u = 0; u < k; u++) direct += g[u] * d[y + u];
                    Assert.True(Math.Abs(winograd - direct) < 1e-12, $"k {k}, {set.Count} planes, output {y}: {winograd} against {direct}");
                }
                // Transposed, F(k, m) per segment: k sums of a tile h of m positions against d, Σ_t p^t·h_t (h_{m−1} for ∞) as G·h.
                var h = g.AsSpan(0, set.Outputs).ToArray();
                for (int v = 0; v < k; v++)
                {
                    double winograd = 0, direct = 0;
                    for (int xi = 0; xi < set.Count; xi++)
                    {
                        double p = set.Point[xi], gh = 0, dd = 0;
                        for (int t = set.Outputs - 1; t >= 0; t--) gh = double.IsInfinity(p) ? h[set.Outputs - 1] : gh * p + h[t];
                        for (int j = 0; j < set.Span; j++) dd += set.Input[xi * set.Span + j] * d[j];
                        winograd += set.TransposedOutput[v * set.Count + xi] * gh * dd;
                    }
                    for (int t = 0; t < set.Outputs; t++) direct += h[t] * d[v + t];
                    Assert.True(Math.Abs(winograd - direct) < 1e-5, $"F({k}, {set.Outputs}) by {set.Count} planes, sum {v}: {winograd} against {direct}");
                }
            }
        }
        Assert.Equal(k == 7 ? 9 : 7, WinogradRows.Forward(k).Count);
        Assert.Equal(k == 7 ? 13 : 11, WinogradRows.Wide(k).Count);
    }

    /// <summary>The forward's unrolled input transforms give the planes their coefficient tables give (a fresh set of the
    /// same segments runs through the tables), to a few units in the last place (the sums run in another order).</summary>
    [Theory]
    [InlineData(7, 2)]
    [InlineData(5, 2)]
    [InlineData(7, 4)]
    public unsafe void Unrolled_input_transforms_match_the_tables(int k, int outputs)
    {
        if (!Avx512F.IsSupported) return;
        var unrolled = outputs == 4 ? WinogradRows.Wide(k) : WinogradRows.Forward(k);
        var tables = k == 7 ? WinogradRows.PlaneSet.Of(outputs, 7, (0, 4), (4, 3)) : WinogradRows.PlaneSet.Of(outputs, 5, (0, 3), (3, 2));
        int channels = 3, tw = 24, height = 4, cols = outputs * tw + k - 1;
        long channelStride = (long)height * cols, stride = height * tw + 16, planeStride = channels * stride;
        var packed = Random((int)(channels * channelStride + 96), 7);
        var a = new float[unrolled.Count * planeStride];
        var b = new float[unrolled.Count * planeStride];
        fixed (float* p = packed, pa = a, pb = b)
        {
            WinogradRows.TransformInput(unrolled, p, channels, channelStride, cols, height, tw, pa, stride, planeStride);
            WinogradRows.TransformInput(tables, p, channels, channelStride, cols, height, tw, pb, stride, planeStride);
        }
        for (int i = 0; i < a.Length; i++)
            Assert.True(Math.Abs(a[i] - b[i]) <= 1e-6 * (1 + Math.Abs(b[i])), $"k {k}, element {i}: {a[i]} against {b[i]}");
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Conv2d_matches_reference(int inC, int outC, int k, int inH, int inW, int batch)
    {
        var g = ConvCase.Conv(inC, outC, k, 1, k / 2, inH, inW);
        Assert.True(WinogradRows.Applies(VectorPath.Vector512, inC, inH, inW, outC, inH, inW, k, k / 2) || !Winograd.Enabled);
        Conv2dMatchesReference(g, batch, seed: 171, Tolerance);
        using (KernelOptions.PairsOnly()) Conv2dMatchesReference(g, batch, seed: 172, Tolerance);
        using var direct = KernelOptions.DirectOnly();
        Conv2dMatchesReference(g, batch, seed: 171, Tolerance);
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void ConvTranspose2d_matches_reference(int inC, int outC, int k, int inH, int inW, int batch)
    {
        var g = ConvCase.Mirror(ConvCase.Conv(inC, outC, k, 1, k / 2, inH, inW));
        ConvTranspose2dMatchesReference(g, batch, seed: 181, Tolerance);
        using (KernelOptions.PairsOnly()) ConvTranspose2dMatchesReference(g, batch, seed: 182, Tolerance);
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Conv2d_dw_matches_reference(int inC, int outC, int k, int inH, int inW, int batch)
    {
        var g = ConvCase.Conv(inC, outC, k, 1, k / 2, inH, inW);
        // dw sums A = dy (outC channels, its vector lanes) against B = x.
        Assert.True(WinogradRowsWeightGradient.Applies(VectorPath.Vector512, outC, inH, inW, inC, inH, inW, k, 1, k / 2)
            || outC < 16 || inC < 8 || !Winograd.Enabled);
        Conv2dDwMatchesReference(g, batch, seed: 175, Tolerance);
        using (KernelOptions.PairsOnly()) Conv2dDwMatchesReference(g, batch, seed: 176, Tolerance);
        using var direct = KernelOptions.DirectOnly();
        Conv2dDwMatchesReference(g, batch, seed: 175, Tolerance);
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void ConvTranspose2d_dw_matches_reference(int inC, int outC, int k, int inH, int inW, int batch)
    {
        var g = ConvCase.Mirror(ConvCase.Conv(inC, outC, k, 1, k / 2, inH, inW));
        ConvTranspose2dDwMatchesReference(g, batch, seed: 185, Tolerance);
        using (KernelOptions.PairsOnly()) ConvTranspose2dDwMatchesReference(g, batch, seed: 186, Tolerance);
    }

    /// <summary>Where all segments' sums would pass their memory cap, segments loop over several chunks of rows; here forced
    /// on small planes by lowering the cap on this thread.</summary>
    [Fact]
    public void Dw_in_segments_of_several_chunks_matches_reference()
    {
        WinogradRowsWeightGradient.ProductBytesCap = 64 << 10;
        try
        {
            Conv2dDwMatchesReference(ConvCase.Conv(16, 16, 7, 1, 3, 40, 32), 1, seed: 195, Tolerance);
            Conv2dDwMatchesReference(ConvCase.Conv(12, 32, 5, 1, 2, 30, 16), 3, seed: 196, Tolerance);
            DwIsRepeatable(512, ConvCase.Conv(16, 16, 7, 1, 3, 40, 32), 2);
        }
        finally
        {
            WinogradRowsWeightGradient.ProductBytesCap = 0;
        }
    }

    [Fact]
    public void Dw_does_not_depend_on_the_thread_count_or_the_run()
    {
        DwIsRepeatable(512, ConvCase.Conv(16, 32, 7, 1, 3, 20, 32), 1);
        DwIsRepeatable(512, ConvCase.Conv(9, 16, 7, 1, 3, 37, 48), 2);
        DwIsRepeatable(512, ConvCase.Conv(8, 24, 5, 1, 2, 10, 16), 3);
    }

    /// <summary>The weight gradient's max error against float64 sums is at most 3× the direct engine's (measured in pairs: 7×7
    /// 1.3–2.2×, 5×5 1.3×; in tiles of 4: 7×7 1.2–1.8×, 5×5 2.4×: its Aᵀ combines the planes' sums over every tile, coefficients up to 4/3, where the direct
    /// engine adds each tap's products alone; whole-row F(7, 2) had been 2.5–4.7×). Both stay within the kernel tests' 1e-4.</summary>
    [Theory]
    [InlineData(16, 64, 7, 12, 32, 1)]
    [InlineData(64, 64, 7, 6, 48, 2)]
    [InlineData(8, 16, 5, 20, 32, 1)]
    public void Dw_is_close_to_the_direct_engines_accuracy(int inC, int outC, int k, int inH, int inW, int batch)
    {
        if (!Avx512F.IsSupported || !Winograd.Enabled) return;
        var (winogradError, directError) = ErrorsAgainstFloat64(ConvCase.Conv(inC, outC, k, 1, k / 2, inH, inW), batch, 291, dw: true);
        Console.WriteLine($"dw rows, k {k}: {inC}→{outC} {inH}×{inW}: max error {winogradError:G3}, direct {directError:G3}");
        Assert.True(winogradError <= 3 * directError, $"the rows' max error {winogradError:G3} (k {k}), the direct engine's {directError:G3}");
    }

    [Fact]
    public void Applies_only_to_same_size_5x5_and_7x7_correlations_on_whole_vectors()
    {
        var v = VectorPath.Vector512;
        Assert.Equal(Winograd.Enabled, WinogradRows.Applies(v, 16, 32, 32, 32, 32, 32, 7, 3));
        Assert.Equal(Winograd.Enabled, WinogradRows.Applies(v, 16, 32, 32, 32, 32, 32, 5, 2));
        Assert.False(WinogradRows.Applies(VectorPath.Vector256, 16, 32, 32, 32, 32, 32, 7, 3));
        Assert.False(WinogradRows.Applies(v, 16, 32, 32, 32, 32, 32, 3, 1));    // 3×3: F(2×2, 3×3)
        Assert.False(WinogradRows.Applies(v, 16, 32, 32, 32, 26, 26, 7, 0));    // no padding
        Assert.False(WinogradRows.Applies(v, 16, 32, 31, 32, 32, 31, 7, 3));    // rows of an odd width
        Assert.False(WinogradRows.Applies(v, 16, 32, 14, 32, 32, 14, 7, 3));    // rows under 16
        Assert.False(WinogradRows.Applies(v, 2, 32, 32, 32, 32, 32, 7, 3));     // too few input channels
        Assert.Equal(Winograd.Enabled, WinogradRows.Applies(v, 3, 32, 32, 32, 32, 32, 7, 3));   // RGB in tiles of 4
        Assert.False(WinogradRows.Applies(v, 3, 30, 30, 32, 30, 30, 7, 3));     // RGB in pairs
        Assert.False(WinogradRowsWeightGradient.Applies(v, 32, 16, 16, 3, 16, 16, 7, 1, 3));    // RGB: the direct engine
        Assert.False(WinogradRows.Applies(v, 16, 4, 32, 32, 32, 32, 7, 3));     // too few output channels
        Assert.Equal(Winograd.Enabled, WinogradRowsWeightGradient.Applies(v, 32, 16, 16, 16, 16, 16, 7, 1, 3));
        Assert.False(WinogradRowsWeightGradient.Applies(v, 8, 16, 16, 16, 16, 16, 7, 1, 3));   // A too narrow for its lanes
        Assert.False(WinogradRowsWeightGradient.Applies(v, 32, 16, 16, 16, 16, 16, 7, 2, 3));  // stride 2
        using var direct = KernelOptions.DirectOnly();
        Assert.False(WinogradRows.Applies(v, 16, 32, 32, 32, 32, 32, 7, 3));
        Assert.False(WinogradRowsWeightGradient.Applies(v, 32, 16, 16, 16, 16, 16, 7, 1, 3));
    }

    /// <summary>On Vector512 the result differs from the direct tiles' in rounding (so it really ran), and its max error
    /// against float64 sums is at most 1.25× theirs in tiles of 2, at most 2× in tiles of 4 (rows of a multiple of 4).
    /// Measured: pairs, 7×7 (F(2, 4) beside F(2, 3)) 0.56–0.98× theirs, 5×5 (F(2, 3) beside F(2, 2)) 0.43–0.50×; tiles of 4
    /// (F(4, 4) with the point ½ beside F(4, 3); 5×5 F(4, 3) beside F(4, 2)) 1.07–1.67×. Whole-row F(2, 7) and F(2, 5), with
    /// points up to ±2 and ±½, had been 1.1–1.8×.</summary>
    [Theory]
    [MemberData(nameof(Shapes))]
    public void Runs_and_is_close_to_the_direct_tiles_accuracy(int inC, int outC, int k, int inH, int inW, int batch)
    {
        if (!Avx512F.IsSupported || !Winograd.Enabled) return;
        var g = ConvCase.Conv(inC, outC, k, 1, k / 2, inH, inW);
        var (winogradError, tilesError) = ErrorsAgainstFloat64(g, batch, 191, dw: false);
        // (An RGB layer runs no pairs: there the direct tiles stand in.)
        double pairsError = tilesError;
        if (inC >= 8)
            using (KernelOptions.PairsOnly()) (pairsError, _) = ErrorsAgainstFloat64(g, batch, 191, dw: false);
        bool wide = WinogradRows.ForRows(k, inW).Outputs == 4;
        Console.WriteLine($"rows, k {k}: {inC}→{outC} {inH}×{inW}: max error {winogradError:G3} (tiles of {(wide ? 4 : 2)}), pairs {pairsError:G3}, direct tiles {tilesError:G3}");
        Assert.True(pairsError <= 1.25 * tilesError, $"the rows' max error in pairs {pairsError:G3} (k {k}), the direct tiles' {tilesError:G3}");
        Assert.True(winogradError <= (wide ? 2 : 1.25) * tilesError,
            $"the rows' max error {winogradError:G3} (k {k}, tiles of {(wide ? 4 : 2)}), the direct tiles' {tilesError:G3}");
    }

    /// <summary>Rows of a multiple of 4 take tiles of 4 but in a batch-statistics training forward, where only the last batch
    /// norm's input keeps them; pairs elsewhere; every scope restores what it found.</summary>
    [Fact]
    public void Tiles_of_4_where_the_rounding_is_not_amplified()
    {
        if (Environment.GetEnvironmentVariable("NETGEN_ROW_TILES") == "2") return;
        Assert.Equal(4, WinogradRows.ForRows(7, 480).Outputs);
        Assert.Equal(2, WinogradRows.ForRows(7, 30).Outputs);
        using (KernelModes.BatchStatisticsForward())
        {
            Assert.Equal(2, WinogradRows.ForRows(7, 480).Outputs);
            using (KernelModes.LastBatchNormInput()) Assert.Equal(4, WinogradRows.ForRows(7, 480).Outputs);
            Assert.Equal(2, WinogradRows.ForRows(7, 480).Outputs);
            using (KernelOptions.PairsOnly())
            using (KernelModes.LastBatchNormInput()) Assert.Equal(2, WinogradRows.ForRows(7, 480).Outputs);
        }
        Assert.Equal(4, WinogradRows.ForRows(7, 480).Outputs);
    }

    [Fact]
    public void Results_do_not_depend_on_the_thread_count()
    {
        foreach (var g in new[] { ConvCase.Conv(16, 16, 7, 1, 3, 70, 32), ConvCase.Conv(9, 10, 7, 1, 3, 13, 48),
                     ConvCase.Conv(8, 12, 5, 1, 2, 40, 16) })
            YAndDxDoNotDependOnTheThreads(512, g, batch: 2, relu: true);
    }
}

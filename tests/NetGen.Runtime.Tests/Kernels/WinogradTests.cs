// Winograd's F(2×2, 3×3) in the band engine (Vector512, 3×3 with one padding, rows of whole vectors, even heights, at
// least 8 channels in and out) and its transpose F(3×3, 2×2) for the weight gradient: where they apply, against the
// reference on every path (forward, fused ReLU, input gradient, transposed forward, both weight gradients), against the
// direct tiles on the same shapes (it must really run, and be about as accurate as they are against float64 sums), and
// independent of the thread count. The fused pool, unpool, classifier and ReLU gate are checked on Winograd shapes by their
// own tests (PooledConvolutionTests, UnpoolConvolutionTests, UnpoolBackwardTests, ClassifiedConvolutionTests, ReLUGateTests).
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using NetGen.Kernels;
using NetGen.Model;
using NetGen.Reference;
using static NetGen.Runtime.Tests.Kernels.KernelCheck;

namespace NetGen.Runtime.Tests.Kernels;

public class WinogradTests
{
    private const double Tolerance = 1e-4;

    /// <summary>inC, outC, inH, inW, batch of a 3×3 stride-1 Conv2d with one padding that Winograd runs.</summary>
    public static TheoryData<int, int, int, int, int> Shapes => new()
    {
        // The tiny hourglass's layers: 8 tiles per row (half a vector), 16 and 32 per row.
        { 32, 64, 16, 16, 2 },
        { 16, 32, 32, 32, 1 },
        { 16, 16, 64, 64, 1 },
        // A tall plane: several bands per sample, the last one shorter; 9 input channels.
        { 9, 16, 70, 32, 1 },
        // 10 output channels (a partial block of 4), rows of 48 (24 tiles: a chunk's last vector half full), batch 3.
        { 8, 10, 6, 48, 3 },
        // More input than output channels, 2 rows (one tile row).
        { 64, 12, 2, 16, 2 },
        // 128 input channels on rows of 32: bands of 12 rows (a whole chunk of tiles, more than the transformed-input budget
        // alone allows), the last one 4 rows.
        { 128, 16, 40, 32, 1 },
        // Rows of a multiple of 64 and heights of a multiple of 4 take tiles of 4×4 (Winograd4), 16→16 on 64×64 above too:
        // a tall plane (several bands, the last one shorter) with 9 input and 10 output channels; 2 rows of 2 vectors; one
        // tile row of 4 vectors, batch 3.
        { 9, 10, 132, 64, 2 },
        { 32, 16, 8, 128, 1 },
        { 16, 32, 4, 256, 3 },
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Conv2d_matches_reference(int inC, int outC, int inH, int inW, int batch)
    {
        var g = ConvCase.Conv(inC, outC, 3, 1, 1, inH, inW);
        Assert.True(Winograd.Applies(VectorPath.Vector512, inC, inH, inW, outC, inH, inW, 3, 1) || !Winograd.Enabled);
        Conv2dMatchesReference(g, batch, seed: 71, Tolerance);
        // Tiles of 2×2 where tiles of 4×4 apply.
        using (KernelOptions.PairsOnly()) Conv2dMatchesReference(g, batch, seed: 71, Tolerance);
        // And the direct tiles on the same shapes, which Winograd now takes from them.
        using var direct = KernelOptions.DirectOnly();
        Conv2dMatchesReference(g, batch, seed: 71, Tolerance);
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void ConvTranspose2d_matches_reference(int inC, int outC, int inH, int inW, int batch)
    {
        var g = ConvCase.Mirror(ConvCase.Conv(inC, outC, 3, 1, 1, inH, inW));
        ConvTranspose2dMatchesReference(g, batch, seed: 81, Tolerance);
        using (KernelOptions.PairsOnly()) ConvTranspose2dMatchesReference(g, batch, seed: 81, Tolerance);
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Conv2d_dw_matches_reference(int inC, int outC, int inH, int inW, int batch)
    {
        var g = ConvCase.Conv(inC, outC, 3, 1, 1, inH, inW);
        // dw sums A = dy (outC channels, its vector lanes) against B = x.
        Assert.True(WinogradWeightGradient.Applies(VectorPath.Vector512, outC, inH, inW, inC, inH, inW, 3, 1, 1)
            || outC < 16 || !Winograd.Enabled);
        Conv2dDwMatchesReference(g, batch, seed: 75, Tolerance);
        using var direct = KernelOptions.DirectOnly();
        Conv2dDwMatchesReference(g, batch, seed: 75, Tolerance);
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void ConvTranspose2d_dw_matches_reference(int inC, int outC, int inH, int inW, int batch)
    {
        var g = ConvCase.Mirror(ConvCase.Conv(inC, outC, 3, 1, 1, inH, inW));
        ConvTranspose2dDwMatchesReference(g, batch, seed: 85, Tolerance);
    }

    /// <summary>Where all segments' sums would pass their memory cap (large planes and batches), segments loop over several
    /// chunks of rows; here forced on small planes by lowering the cap on this thread.</summary>
    [Fact]
    public void Dw_in_segments_of_several_chunks_matches_reference()
    {
        WinogradWeightGradient.ProductBytesCap = 32 << 10;
        try
        {
            Conv2dDwMatchesReference(ConvCase.Conv(16, 16, 3, 1, 1, 64, 64), 1, seed: 95, Tolerance);
            Conv2dDwMatchesReference(ConvCase.Conv(24, 32, 3, 1, 1, 40, 32), 3, seed: 96, Tolerance);
            DwIsRepeatable(512, ConvCase.Conv(16, 16, 3, 1, 1, 64, 64), 2);
        }
        finally
        {
            WinogradWeightGradient.ProductBytesCap = 0;
        }
    }

    [Fact]
    public void Dw_does_not_depend_on_the_thread_count_or_the_run()
    {
        DwIsRepeatable(512, ConvCase.Conv(16, 32, 3, 1, 1, 32, 32), 1);
        DwIsRepeatable(512, ConvCase.Conv(16, 16, 3, 1, 1, 66, 64), 2);
        DwIsRepeatable(512, ConvCase.Conv(9, 24, 3, 1, 1, 10, 48), 3);
    }

    [Theory]
    [InlineData(256, 32)]
    [InlineData(128, 32)]
    [InlineData(512, 16)]
    [InlineData(16, 64)]
    public void Bands_hold_a_whole_chunk_of_tiles_however_many_input_channels(int inC, int outW)
    {
        int rows = Winograd.MaxRows(inC, outW);
        Assert.True(rows % 2 == 0, $"{rows} rows: not whole 2×2 tiles");
        Assert.True(rows / 2 * (outW / 2) >= Winograd.ChunkTiles, $"{rows} rows of {outW / 2} tiles: less than a chunk");
        Assert.True(Winograd4.MaxRows(inC, 4 * outW) / 4 * outW >= Winograd.ChunkTiles);
    }

    [Fact]
    public void Applies_only_to_3x3_same_size_correlations_on_whole_vectors()
    {
        var v = VectorPath.Vector512;
        Assert.Equal(Winograd.Enabled, Winograd.Applies(v, 16, 32, 32, 32, 32, 32, 3, 1));
        Assert.False(Winograd.Applies(VectorPath.Vector256, 16, 32, 32, 32, 32, 32, 3, 1));
        Assert.False(Winograd.Applies(v, 16, 32, 32, 32, 32, 32, 5, 2));   // 5×5
        Assert.False(Winograd.Applies(v, 16, 32, 32, 32, 30, 30, 3, 0));   // no padding
        Assert.False(Winograd.Applies(v, 16, 32, 33, 32, 33, 32, 3, 1));   // odd height
        Assert.False(Winograd.Applies(v, 16, 32, 32, 40, 32, 40, 3, 1));   // rows not whole vectors
        Assert.False(Winograd.Applies(v, 4, 32, 32, 32, 32, 32, 3, 1));    // too few input channels
        Assert.False(Winograd.Applies(v, 16, 4, 32, 32, 32, 32, 3, 1));    // too few output channels
        Assert.Equal(Winograd.Enabled, WinogradWeightGradient.Applies(v, 32, 16, 16, 16, 16, 16, 3, 1, 1));
        Assert.False(WinogradWeightGradient.Applies(v, 8, 16, 16, 16, 16, 16, 3, 1, 1));   // A too narrow for its lanes
        Assert.False(WinogradWeightGradient.Applies(v, 32, 16, 16, 16, 16, 16, 3, 2, 1));  // stride 2
        using var direct = KernelOptions.DirectOnly();
        Assert.False(Winograd.Applies(v, 16, 32, 32, 32, 32, 32, 3, 1));
        Assert.False(WinogradWeightGradient.Applies(v, 32, 16, 16, 16, 16, 16, 3, 1, 1));
    }

    /// <summary>On Vector512 the Winograd result differs from the direct tiles' in rounding (so it really ran), and its error
    /// against float64 sums is at most twice theirs in tiles of 2×2 (measured: 0.4–0.8× of theirs: each output sums 16
    /// products per input channel in its own chain where the tiles chain all 9·inC multiply-adds), at most 4× in tiles of
    /// 4×4 (measured 2.6–3.4×; with Lavin & Gray's points 0, ±1, ±2 instead of 0, 1, −1, ½, −2 it had been 7.7× on 16→16 64×64).</summary>
    [Theory]
    [MemberData(nameof(Shapes))]
    public void Runs_and_is_close_to_the_direct_tiles_accuracy(int inC, int outC, int inH, int inW, int batch) =>
        BothTileSizesAgainstFloat64(ConvCase.Conv(inC, outC, 3, 1, 1, inH, inW), batch, 91, dw: false, pairsBound: 2, wideBound: 4);

    /// <summary>The weight gradient's max error against float64 sums, F(3×3, 2×2) and F(3×3, 4×4), is at most 3× the direct
    /// engine's. Measured: 2×2 0.4–1.2× (its planes' sums, over fewer tiles, in shorter chains), 4×4 1.4–2.9× (A's transform
    /// evaluates dy's tiles at −2 and ½, up to 8× the values, and Gᵀ·m·G cancels much of the planes' sums; 2.9× on 16→16
    /// 64×64, where the sums run over 4096 positions).</summary>
    [Theory]
    [InlineData(16, 16, 64, 64, 1)]
    [InlineData(16, 32, 4, 256, 2)]
    [InlineData(32, 16, 8, 128, 1)]
    [InlineData(16, 32, 32, 32, 1)]
    public void Dw_is_close_to_the_direct_engines_accuracy(int inC, int outC, int inH, int inW, int batch) =>
        BothTileSizesAgainstFloat64(ConvCase.Conv(inC, outC, 3, 1, 1, inH, inW), batch, 292, dw: true, pairsBound: 3, wideBound: 3);

    /// <summary>The max error against float64 sums of the tiles Winograd picks and of the 2×2 tiles (PairsOnly), each within
    /// its bound × the direct engine's.</summary>
    private static void BothTileSizesAgainstFloat64(ConvGeometry g, int batch, int seed, bool dw, double pairsBound, double wideBound)
    {
        if (!Avx512F.IsSupported || !Winograd.Enabled) return;
        var (winogradError, directError) = ErrorsAgainstFloat64(g, batch, seed, dw);
        double pairsError;
        using (KernelOptions.PairsOnly()) (pairsError, _) = ErrorsAgainstFloat64(g, batch, seed, dw);
        bool wide = Winograd4.Applies(g.InH, g.InW);
        string what = $"{(dw ? "dw " : "")}3×3 {g.InC}→{g.OutC} {g.InH}×{g.InW}";
        Console.WriteLine($"{what}: max error {winogradError:G3} (tiles of {(wide ? "4×4" : "2×2")}), 2×2 {pairsError:G3}, direct {directError:G3}");
        Assert.True(pairsError <= pairsBound * directError, $"{what}: max error in tiles of 2×2 {pairsError:G3}, the direct engine's {directError:G3}");
        Assert.True(winogradError <= (wide ? wideBound : pairsBound) * directError,
            $"{what}: max error (tiles of {(wide ? "4×4" : "2×2")}) {winogradError:G3}, the direct engine's {directError:G3}");
    }

    /// <summary>F(4, 3)'s tables at points 0, 1, −1, ½, −2, ∞ give the 2-D correlation exactly in float64:
    /// Aᵀ·[(G·g·Gᵀ) ⊙ (Bᵀ·d·B)]·A is a 4×4 tile of d ⋆ g.</summary>
    [Fact]
    public void The_4x4_tables_give_the_correlation_exactly_in_float64()
    {
        var m = Winograd4.Table;
        Assert.Equal((4, 3, 6), (m.M, m.K, m.Alpha));
        var random = new Random(43);
        for (int trial = 0; trial < 20; trial++)
        {
            var d = new double[6, 6];
            var g = new double[3, 3];
            for (int i = 0; i < 6; i++) for (int j = 0; j < 6; j++) d[i, j] = random.NextDouble() * 2 - 1;
            for (int i = 0; i < 3; i++) for (int j = 0; j < 3; j++) g[i, j] = random.NextDouble() * 2 - 1;
            var product = new double[6, 6];
            for (int a = 0; a < 6; a++)
            for (int b = 0; b < 6; b++)
            {
                double u = 0, v = 0;
                for (int i = 0; i < 3; i++) for (int j = 0; j < 3; j++) u += m.G[a * 3 + i] * g[i, j] * m.G[b * 3 + j];
                for (int i = 0; i < 6; i++) for (int j = 0; j < 6; j++) v += m.BT[a * 6 + i] * d[i, j] * m.BT[b * 6 + j];
                product[a, b] = u * v;
            }
            for (int y = 0; y < 4; y++)
            for (int x = 0; x < 4; x++)
            {
                double winograd = 0, direct = 0;
                for (int a = 0; a < 6; a++) for (int b = 0; b < 6; b++) winograd += m.AT[y * 6 + a] * product[a, b] * m.AT[x * 6 + b];
                for (int i = 0; i < 3; i++) for (int j = 0; j < 3; j++) direct += g[i, j] * d[y + i, x + j];
                Assert.True(Math.Abs(winograd - direct) < 1e-12, $"output ({y}, {x}): {winograd} against {direct}");
            }
        }
    }

    /// <summary>The unrolled row transforms (Winograd4.InputRow, OutputRow) give Bᵀ·d and Aᵀ·m of the tables, lane by lane,
    /// to a few units in the last place of the terms' magnitudes (they sum in another order).</summary>
    [Fact]
    public void The_4x4_unrolled_transforms_match_the_tables()
    {
        if (!Avx512F.IsSupported) return;
        var m = Winograd4.Table;
        var random = new Random(44);
        var d = new Vector512<float>[6];
        var lanes = new float[6, 16];
        for (int j = 0; j < 6; j++)
        {
            for (int lane = 0; lane < 16; lane++) lanes[j, lane] = (float)(random.NextDouble() * 2 - 1);
            d[j] = Vector512.Create(Enumerable.Range(0, 16).Select(lane => lanes[j, lane]).ToArray());
        }
        Winograd4.InputRow(d[0], d[1], d[2], d[3], d[4], d[5], out var t0, out var t1, out var t2, out var t3, out var t4, out var t5);
        Check(m.BT, 6, [t0, t1, t2, t3, t4, t5], "Bᵀ·d");
        Winograd4.OutputRow(d[0], d[1], d[2], d[3], d[4], d[5], out var y0, out var y1, out var y2, out var y3);
        Check(m.AT, 4, [y0, y1, y2, y3], "Aᵀ·m");

        void Check(float[] matrix, int rows, Vector512<float>[] got, string what)
        {
            for (int r = 0; r < rows; r++)
            for (int lane = 0; lane < 16; lane++)
            {
                double expected = 0, scale = 0;
                for (int j = 0; j < 6; j++)
                {
                    expected += (double)matrix[r * 6 + j] * lanes[j, lane];
                    scale += Math.Abs((double)matrix[r * 6 + j] * lanes[j, lane]);
                }
                Assert.True(Math.Abs(got[r][lane] - expected) <= 4 * scale * Math.Pow(2, -23),
                    $"{what} row {r}, lane {lane}: {got[r][lane]} against {expected}");
            }
        }
    }

    /// <summary>Winograd4's weight transform, both paths (Vector512 and scalar, the same multiply-adds in the same order: the
    /// same bits), flipped or not, within half a unit in the last place (plus float64 slack) of G·g·Gᵀ summed in float64 from
    /// the table's G, and blocks past outC zero.</summary>
    [Fact]
    public unsafe void The_4x4_weight_transform_is_G_g_Gt_rounded_once()
    {
        var g = Winograd4.Table.G;
        var random = new Random(45);
        const int outC = 6, inC = 5;
        var weights = new float[outC * inC * 9];
        for (int i = 0; i < weights.Length; i++) weights[i] = (float)(random.NextDouble() * 2 - 1);
        var got = new float[8 * inC * Winograd4.Planes];
        var scalar = new float[Winograd4.Planes];
        fixed (float* w = weights)
        fixed (float* u = got)
        fixed (float* s = scalar)
        fixed (double* c = Winograd4.TapProducts)
            foreach (bool flip in new[] { false, true })
            {
                Array.Fill(got, float.NaN);
                var view = new WeightView(w, inC * 9, 9);
                for (int block = 0; block < 2; block++) Winograd4.TransformWeights(view, flip, block, outC, inC, u);
                for (int o = 0; o < 8; o++)
                for (int i = 0; i < inC; i++)
                {
                    float* at = u + (o * inC + i) * Winograd4.Planes;
                    if (o >= outC)
                    {
                        for (int xi = 0; xi < Winograd4.Planes; xi++) Assert.Equal(0f, at[xi]);
                        continue;
                    }
                    float* taps = w + (o * inC + i) * 9;
                    Winograd4.TransformTapsScalar(taps, flip, c, s);
                    for (int a = 0; a < 6; a++)
                    for (int b = 0; b < 6; b++)
                    {
                        double expected = 0;
                        for (int t = 0; t < 3; t++)
                        for (int v = 0; v < 3; v++)
                            expected += g[a * 3 + t] * g[b * 3 + v] * (flip ? taps[(2 - t) * 3 + 2 - v] : taps[t * 3 + v]);
                        float value = at[a * 6 + b];
                        Assert.Equal(value, s[a * 6 + b]);
                        Assert.True(Math.Abs(value - expected) <= Math.Abs(expected) * Math.Pow(2, -24) * (1 + 1e-9) + 1e-30,
                            $"o {o}, i {i}, ξ ({a}, {b}), flip {flip}: {value} against {expected}");
                    }
                }
            }
    }

    /// <summary>Rows of a multiple of 64 and a height of a multiple of 4 take tiles of 4×4, but in a training forward (batch
    /// statistics or not, the last batch norm's input too) unless its decisions are checked (not with batch statistics), and
    /// under PairsOnly; every scope restores what it found.</summary>
    [Fact]
    public void Tiles_of_4x4_on_rows_of_64_where_the_rounding_is_not_amplified()
    {
        if (Environment.GetEnvironmentVariable("NETGEN_ROW_TILES") == "2") return;
        Assert.True(Winograd4.Applies(64, 64));
        Assert.True(Winograd4.Applies(4, 256));
        Assert.False(Winograd4.Applies(64, 32));   // rows of 32: 8 tiles, half a vector
        Assert.False(Winograd4.Applies(66, 64));   // height not a multiple of 4
        using (KernelModes.TrainingForward())
        {
            Assert.False(Winograd4.Applies(64, 64));
            Assert.True(Winograd4.Applies(64, 64, decisionsChecked: true));   // a fused ReLU checked (ReLUCheck)
            using (KernelOptions.PairsOnly()) Assert.False(Winograd4.Applies(64, 64, decisionsChecked: true));
            using (KernelModes.TrainingForward()) Assert.False(Winograd4.Applies(64, 64));
            using (default(KernelModes.ForwardScope)) Assert.False(Winograd4.Applies(64, 64));
            Assert.False(Winograd4.Applies(64, 64));
            using (KernelModes.BatchStatisticsForward())
            {
                Assert.False(Winograd4.Applies(64, 64, decisionsChecked: true));
                using (KernelModes.LastBatchNormInput())
                    Assert.False(Winograd4.Applies(64, 64));
            }
        }
        Assert.True(Winograd4.Applies(64, 64));
        using (KernelModes.BatchStatisticsForward()) Assert.False(Winograd4.Applies(64, 64));
        using (KernelOptions.PairsOnly()) Assert.False(Winograd4.Applies(64, 64));
        Assert.True(Winograd4.Applies(64, 64));
    }

    [Fact]
    public void Results_do_not_depend_on_the_thread_count()
    {
        foreach (var g in new[] { ConvCase.Conv(16, 16, 3, 1, 1, 66, 64), ConvCase.Conv(32, 64, 3, 1, 1, 16, 16),
                     ConvCase.Conv(9, 10, 3, 1, 1, 70, 32), ConvCase.Conv(16, 16, 3, 1, 1, 68, 64), ConvCase.Conv(9, 10, 3, 1, 1, 132, 64) })
            YAndDxDoNotDependOnTheThreads(512, g, batch: 2, relu: true);
    }
}

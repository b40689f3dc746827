// Winograd's F(4×4, 3×3) for the band engine's 3×3 correlations with one padding on rows of a multiple of 64 (the tiny
// hourglass's 64-, 128- and 256-wide planes): each 4×4 block of outputs (a tile) is Aᵀ·[(G·g·Gᵀ) ⊙ (Bᵀ·d·B)]·A, d the
// tile's 6×6 input patch, with F(4, 3) at the points 0, 1, −1, ½, −2 and ∞ (Table; Lavin & Gray's 0, ±1, ±2 rounded 2–3×
// more): per tile, input and output channel 36 multiply-adds instead of 144, 2.25 per output against F(2×2, 3×3)'s 4, and
// the transformed input 2.25 floats per input value against 4 (less to write and read back). The 36 products are 1×1
// correlations over the transformed input, run like F(2×2, 3×3)'s (Winograd) on the 4-channel grid tiles, 16 tiles per
// vector. Bᵀ and Aᵀ hold small integers and halves (exact in float), G's fractions (⅓, 16/15, …) are applied to the weights
// in float64 once per call. It rounds more than F(2×2, 3×3) (2.6–3.4× the direct sums' max error; the tests bound it), so in
// a training forward (KernelModes.TrainingForward), where the rounding moves ReLU and pool decisions, it runs only where the
// call's ReLU is fused and checked (ReLUCheck: outputs near zero, and a fused 2×2 pool's near-ties, summed again in
// float64); other training forwards keep F(2×2, 3×3), as KernelOptions.PairsOnly / NETGEN_ROW_TILES=2 force; the backward
// and inference take 4×4.
// The weight gradient's transpose, F(3×3, 4×4), is WinogradWeightGradient's with these tables.
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace NetGen.Kernels;

internal static unsafe class Winograd4
{
    /// <summary>Products per tile: the 6×6 transformed patch.</summary>
    public const int Planes = 36;

    /// <summary>Floats of a thread's products buffer: 36 products × 4 channels × a chunk of tiles.</summary>
    public const int ProductFloats = Planes * 4 * Winograd.ChunkTiles;

    /// <summary>Floats of a thread's transform scratch: 8 rows of 6 vectors (a patch's rows, the last two reused by the next
    /// tile row) for the input, 24 vectors for the output.</summary>
    public const int ScratchFloats = 8 * 6 * 16;

    // Bytes of a band's transformed input that should stay in L2 while its chunks are read (as Winograd's).
    private const int TransformedBytes = 384 << 10;

    /// <summary>Whether a band engine's F(2×2, 3×3) layer (Winograd.Applies), or the weight gradient's F(3×3, 2×2), takes tiles
    /// of 4×4 instead: rows of a multiple of 64 (16 tiles, a vector, never straddle a row), a height of a multiple of 4, and
    /// not in a training forward (KernelModes.TrainingForward) unless the call's decisions are checked (ReLUCheck), nor in a
    /// batch-statistics one (BatchStatisticsForward), nor with KernelOptions.RowTiles = 2 or NETGEN_ROW_TILES=2 (see
    /// WinogradRows.ForRows).</summary>
    public static bool Applies(int outH, int outW, bool decisionsChecked = false) =>
        outW % 64 == 0 && outH % 4 == 0 && KernelOptions.RowTiles != 2 && (!KernelOptions.TrainingForward || decisionsChecked)
        && !KernelOptions.BatchStatisticsForward && WinogradRows.WideEnabled;

    /// <summary>Most rows of a band (a multiple of 4) whose transformed input, 36 products of every input channel, fits
    /// TransformedBytes, but at least a whole chunk of tiles (6 vectors: fewer leave the products' grid tiles short). 64→32
    /// on 64×64 (kbench, alternated, 9 runs): 0.458 ms with 8-row bands (2 vectors), 0.373 with 24 (the 2×2 tiles: 0.410).</summary>
    public static int MaxRows(int inC, int outW)
    {
        int tw = outW / 4;
        return Math.Max((Winograd.ChunkTiles + tw - 1) / tw * 4, TransformedBytes / (Planes * sizeof(float) * inC * tw) * 4);
    }

    /// <summary>F(4, 3) at points 0, 1, −1, ½, −2 and ∞: Bᵀ 6×6, G 6×3 (float64), Aᵀ 4×6. Against Lavin & Gray's 0, ±1, ±2
    /// these round about 1.5× less (simulated in float32 over 16 input channels: max error 3.3× the direct sums', rms 3.0×,
    /// against 6.7× and 4.6×; Barabasz et al. 2020 found the same set), for 4 more operations per row transform.</summary>
    internal static readonly WinogradRows.Matrices Table = WinogradRows.Make(4, 3, [0, 1, -1, 0.5, -2]);

    /// <summary>u[(o·inC + i)·36 + ξ] = (G·g·Gᵀ)[ξ] for output channels o of block `block` (4 of them; those past outC get
    /// zeros), g(u, v) = W(o, i, u, v), or W(o, i, 2 − u, 2 − v) when `flip`: Σ over the 9 taps of g·(G ⊗ G) in float64
    /// (TapProducts), rounded once. With Vector512 the 36 sums of an input channel are 5 vectors of 8 doubles, 9 multiply-adds
    /// each; the two-stage scalar loop (G·g, then ·Gᵀ) had taken 7 % of the tiny net's train step (perf, 2 threads: a
    /// transform per layer and pass). With <paramref name="tapSums"/>, tapSums[o] = Σ_{i, tap} |W(o, i, tap)| as well
    /// (ReLUCheck's bound).</summary>
    public static void TransformWeights(WeightView w, bool flip, int block, int outC, int inC, float* u, float* tapSums = null)
    {
        bool vector = Vector512.IsHardwareAccelerated;
        fixed (double* products = TapProducts)
            for (int j = 0; j < 4; j++)
            {
                int o = block * 4 + j;
                float* dst = u + (long)o * inC * Planes;
                double magnitude = 0;
                for (int i = 0; i < inC; i++, dst += Planes)
                {
                    if (o >= outC)
                    {
                        for (int xi = 0; xi < Planes; xi++) dst[xi] = 0f;
                        continue;
                    }
                    float* g = w.Data + (long)o * w.OutStride + (long)i * w.InStride;
                    if (vector) TransformTaps(g, flip, products, dst);
                    else TransformTapsScalar(g, flip, products, dst);
                    if (tapSums != null)
                        for (int tap = 0; tap < 9; tap++) magnitude += Math.Abs(g[tap]);
                }
                if (tapSums != null && o < outC) tapSums[o] = (float)magnitude;
            }
    }

    /// <summary>(G ⊗ G) by tap: TapProducts[tap·TapStride + ξ] = G[a][t]·G[b][v] for tap = 3t + v and ξ = 6a + b, in float64;
    /// ξ 36 .. 39 are zeros (5 whole vectors of 8).</summary>
    private const int TapStride = 40;
    internal static readonly double[] TapProducts = MakeTapProducts();

    private static double[] MakeTapProducts()
    {
        var g = Table.G;
        var c = new double[9 * TapStride];
        for (int t = 0; t < 3; t++)
        for (int v = 0; v < 3; v++)
        for (int a = 0; a < 6; a++)
        for (int b = 0; b < 6; b++)
            c[(t * 3 + v) * TapStride + a * 6 + b] = g[a * 3 + t] * g[b * 3 + v];
        return c;
    }

    // Tap `tap` of an input channel's 9 weights, read in reverse when flipped.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static double Tap(float* g, int tap, bool flip) => g[flip ? 8 - tap : tap];

    internal static void TransformTaps(float* g, bool flip, double* c, float* dst)
    {
        var s0 = Vector512<double>.Zero;
        var s1 = Vector512<double>.Zero;
        var s2 = Vector512<double>.Zero;
        var s3 = Vector512<double>.Zero;
        var s4 = Vector512<double>.Zero;
        for (int tap = 0; tap < 9; tap++, c += TapStride)
        {
            var x = Vector512.Create(Tap(g, tap, flip));
            s0 = Vector512.FusedMultiplyAdd(x, Vector512.Load(c), s0);
            s1 = Vector512.FusedMultiplyAdd(x, Vector512.Load(c + 8), s1);
            s2 = Vector512.FusedMultiplyAdd(x, Vector512.Load(c + 16), s2);
            s3 = Vector512.FusedMultiplyAdd(x, Vector512.Load(c + 24), s3);
            s4 = Vector512.FusedMultiplyAdd(x, Vector512.Load(c + 32), s4);
        }
        Avx512F.ConvertToVector256Single(s0).Store(dst);
        Avx512F.ConvertToVector256Single(s1).Store(dst + 8);
        Avx512F.ConvertToVector256Single(s2).Store(dst + 16);
        Avx512F.ConvertToVector256Single(s3).Store(dst + 24);
        Avx512F.ConvertToVector256Single(s4).GetLower().Store(dst + 32);
    }

    internal static void TransformTapsScalar(float* g, bool flip, double* c, float* dst)
    {
        for (int xi = 0; xi < Planes; xi++)
        {
            double sum = 0;
            for (int tap = 0; tap < 9; tap++) sum = Math.FusedMultiplyAdd(Tap(g, tap, flip), c[tap * TapStride + xi], sum);
            dst[xi] = (float)sum;
        }
    }

    /// <summary>Every block's transformed weights (TransformWeights), the blocks shared out among the threads: once per call.</summary>
    public static void TransformAllWeights(WeightView w, bool flip, int outC, int inC, float* u, int blocks, int threads, float* tapSums = null)
    {
        var job = new WeightJob { W = w, Flip = flip, OutC = outC, InC = inC, U = u, TapSums = tapSums };
        WorkerPool.Run(ref job, blocks, threads);
    }

    private struct WeightJob : IParallelJob
    {
        public int OutC, InC;
        public WeightView W;
        public bool Flip;
        public float* U, TapSums;

        public readonly void Execute(int task, int worker) => TransformWeights(W, Flip, task, OutC, InC, U, TapSums);
    }

    /// <summary>v[ξ·xiStride + i·stride + q] = (Bᵀ·d·B)[ξ] of band tile q = r·tw + tx, d = packed[i][4r .. 4r + 5][4tx .. 4tx + 5],
    /// for the band's tileRows tile rows (packed: the band's input rows with one padding row and column around, channels
    /// channelStride apart, rows cols = 4·tw + 2 apart; tw a multiple of 16). Rows go through Bᵀ along the row first (into
    /// scratch, 8 slots of 6 vectors: a patch's last two rows are the next tile row's first two), then down the columns.</summary>
    public static void TransformInput(float* packed, int inC, long channelStride, int cols, int tileRows, int tw, float* v, long stride,
        long xiStride, float* scratch) =>
        TransformInput(packed, channelStride, cols, 0, int.MaxValue, false, inC, tileRows, tw, v, stride, xiStride, scratch);

    /// <summary>TransformInput straight from sample's input planes (one padding, same size out; planeStride apart, inH × inW)
    /// for the band whose first output row is y0: padded row `row` is input row y0 − 1 + row, zeros above and below the
    /// plane, and the padding columns are masked off the loads (the first vector of a row's first 16 tiles, the last of its
    /// last 16), which never touch memory there. Saves packing the band (5 % of the tiny net's train step).</summary>
    public static void TransformInput(float* plane, long planeStride, int inH, int inW, int y0, int inC, int tileRows, float* v, long stride,
        long xiStride, float* scratch) =>
        TransformInput(plane - 1, planeStride, inW, y0 - 1, inH, true, inC, tileRows, inW / 4, v, stride, xiStride, scratch);

    // Padded row `row` of channel i starts at origin + i·channelStride + (firstRow + row)·rowStride, zeros where firstRow + row
    // is not below rowLimit; with clip the first and last columns of the padded rows are zeros, not read.
    private static void TransformInput(float* origin, long channelStride, long rowStride, int firstRow, int rowLimit, bool clip, int inC,
        int tileRows, int tw, float* v, long stride, long xiStride, float* scratch)
    {
        var even = Vector512.Create(0, 4, 8, 12, 16, 20, 24, 28, 1, 5, 9, 13, 17, 21, 25, 29);
        var odd = Vector512.Create(2, 6, 10, 14, 18, 22, 26, 30, 3, 7, 11, 15, 19, 23, 27, 31);
        var lowHalves = Vector512.Create(0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23);
        var highHalves = Vector512.Create(8, 9, 10, 11, 12, 13, 14, 15, 24, 25, 26, 27, 28, 29, 30, 31);
        var next0 = Vector512.Create(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 30);
        var next1 = Vector512.Create(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 31);
        var all = Vector512<float>.AllBitsSet;
        var notFirst = Vector512.GreaterThan(Vector512<int>.Indices, Vector512<int>.Zero).AsSingle();
        var notLast = Vector512.LessThan(Vector512<int>.Indices, Vector512.Create(15)).AsSingle();
        long xi = xiStride;
        for (int i = 0; i < inC; i++)
        {
            float* channel = origin + i * channelStride;
            float* dst = v + i * stride;
            for (int tx = 0; tx < tw; tx += 16)
            {
                var first = clip && tx == 0 ? notFirst : all;
                var last = clip && tx + 16 >= tw ? notLast : all;
                for (int r = 0; r < tileRows; r++)
                {
                    // Rows 4r .. 4r + 5 of 16 tiles' patches (but the two the previous tile row made): columns 4tx .. 4tx + 65,
                    // as d[a][0..5] over the 16 tiles.
                    for (int row = r == 0 ? 0 : 4 * r + 2, end = 4 * r + 6; row < end; row++)
                    {
                        Vector512<float> v0, v1, v2, v3, v4;
                        if ((uint)(firstRow + row) < (uint)rowLimit)
                        {
                            float* p = channel + (firstRow + row) * rowStride + 4 * tx;
                            v0 = Avx512F.MaskLoad(p, first, Vector512<float>.Zero);
                            v1 = Vector512.Load(p + 16);
                            v2 = Vector512.Load(p + 32);
                            v3 = Vector512.Load(p + 48);
                            v4 = Avx512F.MaskLoad(p + 50, last, Vector512<float>.Zero);
                        }
                        else v0 = v1 = v2 = v3 = v4 = Vector512<float>.Zero;
                        var a01 = Avx512F.PermuteVar16x32x2(v0, even, v1);
                        var a23 = Avx512F.PermuteVar16x32x2(v0, odd, v1);
                        var c01 = Avx512F.PermuteVar16x32x2(v2, even, v3);
                        var c23 = Avx512F.PermuteVar16x32x2(v2, odd, v3);
                        var d0 = Avx512F.PermuteVar16x32x2(a01, lowHalves, c01);
                        var d1 = Avx512F.PermuteVar16x32x2(a01, highHalves, c01);
                        var d2 = Avx512F.PermuteVar16x32x2(a23, lowHalves, c23);
                        var d3 = Avx512F.PermuteVar16x32x2(a23, highHalves, c23);
                        var d4 = Avx512F.PermuteVar16x32x2(d0, next0, v4);
                        var d5 = Avx512F.PermuteVar16x32x2(d1, next1, v4);
                        float* slot = scratch + (row & 7) * 6 * 16;
                        InputRow(d0, d1, d2, d3, d4, d5, out var t0, out var t1, out var t2, out var t3, out var t4, out var t5);
                        t0.Store(slot);
                        t1.Store(slot + 16);
                        t2.Store(slot + 32);
                        t3.Store(slot + 48);
                        t4.Store(slot + 64);
                        t5.Store(slot + 80);
                    }
                    float* q = dst + r * tw + tx;
                    for (int b = 0; b < 6; b++)
                    {
                        float* s = scratch + 16 * b;
                        InputRow(Vector512.Load(s + ((4 * r) & 7) * 96), Vector512.Load(s + ((4 * r + 1) & 7) * 96),
                            Vector512.Load(s + ((4 * r + 2) & 7) * 96), Vector512.Load(s + ((4 * r + 3) & 7) * 96),
                            Vector512.Load(s + ((4 * r + 4) & 7) * 96), Vector512.Load(s + ((4 * r + 5) & 7) * 96),
                            out var t0, out var t1, out var t2, out var t3, out var t4, out var t5);
                        t0.Store(q + b * xi);
                        t1.Store(q + (6 + b) * xi);
                        t2.Store(q + (12 + b) * xi);
                        t3.Store(q + (18 + b) * xi);
                        t4.Store(q + (24 + b) * xi);
                        t5.Store(q + (30 + b) * xi);
                    }
                }
            }
        }
    }

    /// <summary>Bᵀ·d for F(4, 3) at points 0, 1, −1, ½, −2 and ∞: Bᵀ = [1 −3/2 −2 3/2 1 0; 0 −1 ½ 5/2 1 0; 0 1 −5/2 ½ 1 0;
    /// 0 −2 −1 2 1 0; 0 ½ −1 −½ 1 0; 0 1 −3/2 −2 3/2 1].</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void InputRow(Vector512<float> d0, Vector512<float> d1, Vector512<float> d2, Vector512<float> d3, Vector512<float> d4,
        Vector512<float> d5, out Vector512<float> t0, out Vector512<float> t1, out Vector512<float> t2, out Vector512<float> t3,
        out Vector512<float> t4, out Vector512<float> t5)
    {
        var half = Vector512.Create(0.5f);
        var threeHalves = Vector512.Create(1.5f);
        var fiveHalves = Vector512.Create(2.5f);
        var two = Vector512.Create(2f);
        var u = d3 - d1;
        var r = d4 - d2;
        t0 = Vector512.FusedMultiplyAdd(threeHalves, u, Vector512.FusedMultiplyAdd(-two, d2, d0 + d4));
        t1 = Vector512.FusedMultiplyAdd(fiveHalves, d3, Vector512.FusedMultiplyAdd(half, d2, d4 - d1));
        t2 = Vector512.FusedMultiplyAdd(half, d3, Vector512.FusedMultiplyAdd(-fiveHalves, d2, d4 + d1));
        t3 = Vector512.FusedMultiplyAdd(two, u, r);
        t4 = Vector512.FusedMultiplyAdd(-half, u, r);
        t5 = Vector512.FusedMultiplyAdd(threeHalves, r, Vector512.FusedMultiplyAdd(-two, d3, d1 + d5));
    }

    /// <summary>Aᵀ·m for F(4, 3) at those points: Aᵀ = [1 1 1 1 1 0; 0 1 −1 ½ −2 0; 0 1 1 ¼ 4 0; 0 1 −1 ⅛ −8 1].</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void OutputRow(Vector512<float> m0, Vector512<float> m1, Vector512<float> m2, Vector512<float> m3, Vector512<float> m4,
        Vector512<float> m5, out Vector512<float> y0, out Vector512<float> y1, out Vector512<float> y2, out Vector512<float> y3)
    {
        var a = m1 + m2;
        var b = m1 - m2;
        y0 = (m0 + a) + (m3 + m4);
        y1 = Vector512.FusedMultiplyAdd(Vector512.Create(0.5f), m3, Vector512.FusedMultiplyAdd(Vector512.Create(-2f), m4, b));
        y2 = Vector512.FusedMultiplyAdd(Vector512.Create(0.25f), m3, Vector512.FusedMultiplyAdd(Vector512.Create(4f), m4, a));
        y3 = Vector512.FusedMultiplyAdd(Vector512.Create(0.125f), m3, Vector512.FusedMultiplyAdd(Vector512.Create(-8f), m4, b + m5));
    }

    /// <summary>The output tiles of one channel for the 16 band tiles from q0 (a multiple of 16, within one tile row): Aᵀ·m·A
    /// from the 36 products m[ξ] (ξ·productStride apart), plus bias, clamped at zero with relu, zeroed where gate (laid out
    /// like dst, if not null) is not positive. dst: the band's first output row of the channel, rows 4·tw apart. Down the
    /// columns first (into scratch, 24 vectors), then along the rows, whose 4 outputs per tile are interleaved into 4 vectors.
    /// Not inlined: inside the caller's loops the JIT ran out of integer registers and reloaded a pointer per row.
    /// With a positive <paramref name="tau"/> (ReLUCheck) every output whose sum before the ReLU lies within tau of zero, but
    /// for exact zeros before the bias (an all-zero patch: no rounding), has its offset from dst appended to `flagged` (at
    /// most 256, the 16 tiles' outputs; looked for only where the smallest |sum| is within tau); returns how many.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static int StoreOutput(float* m, int productStride, int q0, int tw, float bias, bool relu, float* dst, float* gate,
        float* scratch, float tau = 0, ReLUCheck.Flags flagged = default)
    {
        long ps = productStride;
        for (int b = 0; b < 6; b++)
        {
            float* column = m + b * ps;
            OutputRow(Vector512.Load(column), Vector512.Load(column + 6 * ps), Vector512.Load(column + 12 * ps),
                Vector512.Load(column + 18 * ps), Vector512.Load(column + 24 * ps), Vector512.Load(column + 30 * ps),
                out var y0, out var y1, out var y2, out var y3);
            y0.Store(scratch + 16 * b);
            y1.Store(scratch + 16 * (6 + b));
            y2.Store(scratch + 16 * (12 + b));
            y3.Store(scratch + 16 * (18 + b));
        }
        var bv = Vector512.Create(bias);
        // Interleave: columns of tiles 0–7 as (c0, c1) pairs, then as 64-bit pairs with (c2, c3).
        var low = Vector512.Create(0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
        var high = Vector512.Create(8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31);
        var first = Vector512.Create(0L, 8, 1, 9, 2, 10, 3, 11);
        var second = Vector512.Create(4L, 12, 5, 13, 6, 14, 7, 15);
        int width = 4 * tw;
        long at = (long)q0 / tw * 4 * width + q0 % tw * 4;
        long first0 = at;
        var lowest = Vector512.Create(float.PositiveInfinity);
        for (int t = 0; t < 4; t++, at += width)
        {
            float* s = scratch + 16 * 6 * t;
            OutputRow(Vector512.Load(s), Vector512.Load(s + 16), Vector512.Load(s + 32), Vector512.Load(s + 48), Vector512.Load(s + 64),
                Vector512.Load(s + 80), out var c0, out var c1, out var c2, out var c3);
            c0 += bv;
            c1 += bv;
            c2 += bv;
            c3 += bv;
            // The smallest |sum| of the tiles: flags are looked for (ReLUCheck.FlagTiles) only where one lies within tau.
            if (tau > 0) lowest = Vector512.Min(lowest, Vector512.Min(Vector512.Min(Vector512.Abs(c0), Vector512.Abs(c1)),
                Vector512.Min(Vector512.Abs(c2), Vector512.Abs(c3))));
            c0 = TileChannel.ReLU(c0, relu);
            c1 = TileChannel.ReLU(c1, relu);
            c2 = TileChannel.ReLU(c2, relu);
            c3 = TileChannel.ReLU(c3, relu);
            var p01 = Avx512F.PermuteVar16x32x2(c0, low, c1).AsDouble();
            var q01 = Avx512F.PermuteVar16x32x2(c0, high, c1).AsDouble();
            var p23 = Avx512F.PermuteVar16x32x2(c2, low, c3).AsDouble();
            var q23 = Avx512F.PermuteVar16x32x2(c2, high, c3).AsDouble();
            var o0 = Avx512F.PermuteVar8x64x2(p01, first, p23).AsSingle();
            var o1 = Avx512F.PermuteVar8x64x2(p01, second, p23).AsSingle();
            var o2 = Avx512F.PermuteVar8x64x2(q01, first, q23).AsSingle();
            var o3 = Avx512F.PermuteVar8x64x2(q01, second, q23).AsSingle();
            if (gate != null)
            {
                o0 &= Vector512.GreaterThan(Vector512.Load(gate + at), Vector512<float>.Zero);
                o1 &= Vector512.GreaterThan(Vector512.Load(gate + at + 16), Vector512<float>.Zero);
                o2 &= Vector512.GreaterThan(Vector512.Load(gate + at + 32), Vector512<float>.Zero);
                o3 &= Vector512.GreaterThan(Vector512.Load(gate + at + 48), Vector512<float>.Zero);
            }
            o0.Store(dst + at);
            o1.Store(dst + at + 16);
            o2.Store(dst + at + 32);
            o3.Store(dst + at + 48);
        }
        return tau > 0 && Vector512.LessThanAny(lowest, Vector512.Create(tau)) ? ReLUCheck.FlagTiles(scratch, bv, tau, first0, width, flagged) : 0;
    }
}

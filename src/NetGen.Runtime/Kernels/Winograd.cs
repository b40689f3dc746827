// Winograd's F(2×2, 3×3) for the band engine's 3×3 correlations with one padding (Lavin & Gray 2015). Each 2×2 block of
// outputs (a tile) is Aᵀ·[(G·g·Gᵀ) ⊙ (Bᵀ·d·B)]·A, with d the tile's 4×4 input patch and g a 3×3 kernel: per tile, input
// and output channel 16 multiply-adds instead of 36. The 16 elementwise products, summed over input channels, are 16
// small matrix products (transformed weights × transformed inputs), which run on the band engine's 4-channel tiles with
// tiles of outputs in the vector lanes. The transforms' coefficients are 0, ±1 and ±½, so the rounding differs from the
// direct sums only by a few units in the last place (measured against the float64 reference in the tests). The weight
// gradient runs the transposed algorithm, F(3×3, 2×2): WinogradWeightGradient.
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace NetGen.Kernels;

internal static unsafe class Winograd
{
    /// <summary>NETGEN_WINOGRAD=0 turns both Winograd engines off for the process (the direct tiles run instead): for
    /// comparisons. KernelOptions.DirectOnly does it for one thread.</summary>
    public static readonly bool Enabled = Environment.GetEnvironmentVariable("NETGEN_WINOGRAD") != "0";

    /// <summary>Tiles in a chunk: the 6 vectors of the widest 4-channel tile.</summary>
    public const int ChunkTiles = 96;

    /// <summary>Floats of a thread's products buffer: 16 products × 4 channels × a chunk.</summary>
    public const int ProductFloats = 16 * 4 * ChunkTiles;

    // Bytes of a band's transformed input that should stay in L2 (1 MB per core on Zen 4) while its chunks are read.
    private const int TransformedBytes = 384 << 10;

    /// <summary>Most rows of a band (even) whose transformed input, 16 products of every input channel, fits TransformedBytes,
    /// but at least a whole chunk of tiles (6 vectors), as Winograd4.MaxRows: 128→256 and 256→128 on 32×32 (a 64-128-256
    /// hourglass, `--profile Wide128`) had bands of 2 and 4 rows, one and two vectors of tiles, their products' grid tiles
    /// 4 and 8 accumulators wide.</summary>
    public static int MaxRows(int inC, int outW)
    {
        int tw = outW / 2;
        return Math.Max((ChunkTiles + tw - 1) / tw * 2, TransformedBytes / (16 * sizeof(float) * inC * tw) * 2);
    }

    /// <summary>Whether the band engine runs this stride-1 correlation by Winograd: Vector512, a 3×3 kernel with one padding
    /// (output as large as the input), even height, width a multiple of 16 (so 8 tiles never straddle a row), and at least 8
    /// input and output channels (fewer spend more on the transforms than they save).</summary>
    public static bool Applies(VectorPath path, int inC, int inH, int inW, int outC, int outH, int outW, int k, int pad) =>
        Enabled && KernelOptions.WinogradAllowed && path == VectorPath.Vector512 && k == 3 && pad == 1 && inH == outH && inW == outW
        && outW % 16 == 0 && outH % 2 == 0 && inC >= 8 && outC >= 8;

    /// <summary>One of the 16 products over `count` consecutive vectors (at most 6): the 4-channel grid tiles with rows of 16
    /// columns, each tap of `taps` one more term of the sum.</summary>
    public static void Products<TSink>(int count, float* input, int* taps, int* weights, int tapCount, float* w0, float* w1, float* w2, float* w3,
        ref TSink sink) where TSink : struct, ITileSink
    {
        switch (count)
        {
            case 6: CorrelationTiles.Grid512<Grid6x1, TSink>(input, 16, taps, weights, tapCount, w0, w1, w2, w3, ref sink); break;
            case 5: CorrelationTiles.Grid512<Grid5x1, TSink>(input, 16, taps, weights, tapCount, w0, w1, w2, w3, ref sink); break;
            case 4: CorrelationTiles.Grid512<Grid4x1, TSink>(input, 16, taps, weights, tapCount, w0, w1, w2, w3, ref sink); break;
            case 3: CorrelationTiles.Grid512<Grid3x1, TSink>(input, 16, taps, weights, tapCount, w0, w1, w2, w3, ref sink); break;
            case 2: CorrelationTiles.Grid512<Grid2x1, TSink>(input, 16, taps, weights, tapCount, w0, w1, w2, w3, ref sink); break;
            default: CorrelationTiles.Grid512<Grid1x1, TSink>(input, 16, taps, weights, tapCount, w0, w1, w2, w3, ref sink); break;
        }
    }

    /// <summary>Floats rounded up to whole vectors, then to an odd number of cache lines: planes a power of two apart share L1
    /// sets (16→16 on 64×64 ran 2× slower with its transformed planes 4 KB apart).</summary>
    public static long OddLines(long floats)
    {
        floats = (floats + 15) / 16 * 16;
        return floats / 16 % 2 == 0 ? floats + 16 : floats;
    }

    // Coefficient of kernel tap (u, v) in transformed weight (a, b): G[a][u]·G[b][v], G = [1 0 0; ½ ½ ½; ½ −½ ½; 0 0 1].
    private static readonly float[] WeightColumns = MakeWeightColumns();

    private static float[] MakeWeightColumns()
    {
        float[,] g = { { 1, 0, 0 }, { 0.5f, 0.5f, 0.5f }, { 0.5f, -0.5f, 0.5f }, { 0, 0, 1 } };
        var columns = new float[9 * 16];
        for (int u = 0; u < 3; u++)
        for (int v = 0; v < 3; v++)
        for (int a = 0; a < 4; a++)
        for (int b = 0; b < 4; b++)
            columns[(u * 3 + v) * 16 + a * 4 + b] = g[a, u] * g[b, v];
        return columns;
    }

    /// <summary>u[(o·inC + i)·16 + ξ] = (G·g·Gᵀ)[ξ] for output channels o of block `block` (4 of them; those past outC get
    /// zeros), g(u, v) = W(o, i, u, v), or W(o, i, 2 − u, 2 − v) when `flip`.</summary>
    public static void TransformWeights(WeightView w, bool flip, int block, int outC, int inC, float* u)
    {
        fixed (float* columns = WeightColumns)
            for (int j = 0; j < 4; j++)
            {
                int o = block * 4 + j;
                float* dst = u + (long)o * inC * 16;
                if (o >= outC)
                {
                    for (int i = 0; i < inC; i++) Vector512<float>.Zero.Store(dst + i * 16);
                    continue;
                }
                float* row = w.Data + (long)o * w.OutStride;
                // Flipped, tap (u, v) reads g[8 − (3u + v)]: the columns are taken in reverse instead.
                if (flip) TransformRow(row, w.InStride, inC, dst, columns, true);
                else TransformRow(row, w.InStride, inC, dst, columns, false);
            }
    }

    // One output channel's transformed weights: the 9 taps of each input channel times their 9 columns. Called with a
    // constant `flip`, so the loop holds nothing but the columns and three pointers.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void TransformRow(float* row, long inStride, int inC, float* dst, float* columns, bool flip)
    {
        Vector512<float> c0 = Vector512.Load(columns + (flip ? 128 : 0)), c1 = Vector512.Load(columns + (flip ? 112 : 16));
        Vector512<float> c2 = Vector512.Load(columns + (flip ? 96 : 32)), c3 = Vector512.Load(columns + (flip ? 80 : 48));
        Vector512<float> c4 = Vector512.Load(columns + 64), c5 = Vector512.Load(columns + (flip ? 48 : 80));
        Vector512<float> c6 = Vector512.Load(columns + (flip ? 32 : 96)), c7 = Vector512.Load(columns + (flip ? 16 : 112));
        Vector512<float> c8 = Vector512.Load(columns + (flip ? 0 : 128));
        for (float* g = row, end = dst + (long)inC * 16; dst < end; g += inStride, dst += 16)
        {
            var acc = Vector512.Create(g[0]) * c0;
            acc = Vector512.FusedMultiplyAdd(Vector512.Create(g[1]), c1, acc);
            acc = Vector512.FusedMultiplyAdd(Vector512.Create(g[2]), c2, acc);
            acc = Vector512.FusedMultiplyAdd(Vector512.Create(g[3]), c3, acc);
            acc = Vector512.FusedMultiplyAdd(Vector512.Create(g[4]), c4, acc);
            acc = Vector512.FusedMultiplyAdd(Vector512.Create(g[5]), c5, acc);
            acc = Vector512.FusedMultiplyAdd(Vector512.Create(g[6]), c6, acc);
            acc = Vector512.FusedMultiplyAdd(Vector512.Create(g[7]), c7, acc);
            acc = Vector512.FusedMultiplyAdd(Vector512.Create(g[8]), c8, acc);
            acc.Store(dst);
        }
    }

    /// <summary>v[ξ·xiStride + i·stride + q] = (Bᵀ·d·B)[ξ] of band tile q = r·tw + tx, d = packed[i][2r .. 2r + 3][2tx .. 2tx + 3],
    /// for the band's rows/2 tile rows (packed: the band's input rows with one padding row and column around, channels
    /// channelStride apart, rows cols = 2·tw + 2 apart). Tiles from rows/2·tw up to the next multiple of 16 are zeroed.
    /// Bᵀ = [1 0 −1 0; 0 1 1 0; 0 −1 1 0; 0 1 0 −1].</summary>
    public static void TransformInput(float* packed, int inC, long channelStride, int cols, int tileRows, int tw, float* v, long stride,
        long xiStride)
    {
        // Even columns to the low half, odd ones to the high half.
        var split = Vector512.Create(0, 2, 4, 6, 8, 10, 12, 14, 1, 3, 5, 7, 9, 11, 13, 15);
        long xi = xiStride;
        int tiles = tileRows * tw;
        for (int i = 0; i < inC; i++)
        {
            float* channel = packed + i * channelStride;
            float* dst = v + i * stride;
            for (int r = 0; r < tileRows; r++)
            for (int tx = 0; tx < tw; tx += 8)
            {
                // Row a of the patches of 8 tiles: columns 2tx .. 2tx + 17, as d[a][0..3] over the 8 tiles.
                float* p = channel + (long)2 * r * cols + 2 * tx;
                Split(p, split, out var d00, out var d01, out var d02, out var d03);
                Split(p + cols, split, out var d10, out var d11, out var d12, out var d13);
                Split(p + 2 * cols, split, out var d20, out var d21, out var d22, out var d23);
                Split(p + 3 * cols, split, out var d30, out var d31, out var d32, out var d33);
                // Bᵀ·d, row by row.
                var s00 = d00 - d20; var s01 = d01 - d21; var s02 = d02 - d22; var s03 = d03 - d23;
                var s10 = d10 + d20; var s11 = d11 + d21; var s12 = d12 + d22; var s13 = d13 + d23;
                var s20 = d20 - d10; var s21 = d21 - d11; var s22 = d22 - d12; var s23 = d23 - d13;
                var s30 = d10 - d30; var s31 = d11 - d31; var s32 = d12 - d32; var s33 = d13 - d33;
                float* q = dst + r * tw + tx;
                // (Bᵀ·d)·B, column by column: product ξ = 4a + b.
                Put(q, xi, 0, s00, s01, s02, s03);
                Put(q, xi, 4, s10, s11, s12, s13);
                Put(q, xi, 8, s20, s21, s22, s23);
                Put(q, xi, 12, s30, s31, s32, s33);
            }
            for (int q = tiles; q % 16 != 0; q++)
                for (int xiIndex = 0; xiIndex < 16; xiIndex++) dst[xiIndex * xi + q] = 0f;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Split(float* p, Vector512<int> split, out Vector256<float> c0, out Vector256<float> c1, out Vector256<float> c2,
        out Vector256<float> c3)
    {
        var a = Avx512F.PermuteVar16x32(Vector512.Load(p), split);
        var b = Avx512F.PermuteVar16x32(Vector512.Load(p + 2), split);
        c0 = a.GetLower();
        c1 = a.GetUpper();
        c2 = b.GetLower();
        c3 = b.GetUpper();
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Put(float* q, long xi, int first, Vector256<float> s0, Vector256<float> s1, Vector256<float> s2, Vector256<float> s3)
    {
        (s0 - s2).Store(q + first * xi);
        (s1 + s2).Store(q + (first + 1) * xi);
        (s2 - s1).Store(q + (first + 2) * xi);
        (s1 - s3).Store(q + (first + 3) * xi);
    }

    /// <summary>The output tiles of one channel for 16 band tiles from q0 (a multiple of 16; lanes at or past `tiles` are
    /// not stored): Aᵀ·m·A from the 16 products m[ξ] (ξ·productStride apart), plus bias, clamped at zero with relu, zeroed
    /// where gate (laid out like dst, if not null) is not positive. dst: the band's first output row of the channel, rows
    /// 2·tw apart. Aᵀ = [1 1 1 0; 0 1 −1 −1].</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void StoreOutput(float* m, int productStride, int q0, int tiles, int tw, float bias, bool relu, float* dst, float* gate)
    {
        long ps = productStride;
        Vector512<float> m0 = Vector512.Load(m), m1 = Vector512.Load(m + ps), m2 = Vector512.Load(m + 2 * ps), m3 = Vector512.Load(m + 3 * ps);
        Vector512<float> m4 = Vector512.Load(m + 4 * ps), m5 = Vector512.Load(m + 5 * ps), m6 = Vector512.Load(m + 6 * ps);
        Vector512<float> m7 = Vector512.Load(m + 7 * ps), m8 = Vector512.Load(m + 8 * ps), m9 = Vector512.Load(m + 9 * ps);
        Vector512<float> m10 = Vector512.Load(m + 10 * ps), m11 = Vector512.Load(m + 11 * ps), m12 = Vector512.Load(m + 12 * ps);
        Vector512<float> m13 = Vector512.Load(m + 13 * ps), m14 = Vector512.Load(m + 14 * ps), m15 = Vector512.Load(m + 15 * ps);
        // Aᵀ·m, row by row.
        var t00 = m0 + m4 + m8; var t01 = m1 + m5 + m9; var t02 = m2 + m6 + m10; var t03 = m3 + m7 + m11;
        var t10 = m4 - m8 - m12; var t11 = m5 - m9 - m13; var t12 = m6 - m10 - m14; var t13 = m7 - m11 - m15;
        var b = Vector512.Create(bias);
        var y00 = TileChannel.ReLU(t00 + t01 + t02 + b, relu);
        var y01 = TileChannel.ReLU(t01 - t02 - t03 + b, relu);
        var y10 = TileChannel.ReLU(t10 + t11 + t12 + b, relu);
        var y11 = TileChannel.ReLU(t11 - t12 - t13 + b, relu);
        // Interleaved, 8 tiles' two columns fill a vector of an output row.
        var low = Vector512.Create(0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
        var high = Vector512.Create(8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31);
        int width = 2 * tw;
        for (int half = 0; half < 2; half++)
        {
            int q = q0 + 8 * half;
            if (q >= tiles) break;
            var index = half == 0 ? low : high;
            var top = Avx512F.PermuteVar16x32x2(y00, index, y01);
            var bottom = Avx512F.PermuteVar16x32x2(y10, index, y11);
            long at = (long)q / tw * 2 * width + q % tw * 2;
            if (gate != null)
            {
                top &= Vector512.GreaterThan(Vector512.Load(gate + at), Vector512<float>.Zero);
                bottom &= Vector512.GreaterThan(Vector512.Load(gate + at + width), Vector512<float>.Zero);
            }
            top.Store(dst + at);
            bottom.Store(dst + at + width);
        }
    }
}

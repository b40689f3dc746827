// Winograd's F(2, k) along rows for the band engine's 5×5 and 7×7 correlations with "same" padding (SegNet-Basic's 7×7
// layers): each pair of outputs of a row (a tile) is Aᵀ·[(G·g) ⊙ (Bᵀ·d)] for each of the k kernel rows g, d the α = k + 1
// inputs under the tile, summed over kernel rows and input channels. Per tile, input and output channel that is α·k
// multiply-adds instead of 2·k² (7×7: 56 instead of 98). The α elementwise products, summed over input channels and kernel
// rows, are α matrix products (transformed weights × transformed input rows) on the band engine's 4-channel grid tiles,
// with tiles of outputs in the vector lanes: one term per (input channel, kernel row), reading the transformed row under
// the tile's row plus the kernel row. Points 0, ±1, ±2, ±½ and ∞ (Toom–Cook; the α − 1 finite points' denominators go
// to G, which is computed in float64 once per call): Bᵀ and Aᵀ hold small dyadic numbers, exact in float. The rounding
// differs from the direct sums' (measured against the float64 reference in the tests).
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace NetGen.Kernels;

internal static unsafe class WinogradRows
{
    /// <summary>Transformed input a thread keeps per band: bands are cut to fit (α planes of every input channel's rows). On
    /// 64→64 7×7 at 360×480 (10-row bands) 8, 16 and 32 MB ran alike within the host's noise; 4 MB (2-row bands, 4 rows
    /// transformed per row computed) ran 1.8× slower.</summary>
    private const long TransformedBytes = 8L << 20;

    private static readonly double[] Points = [0, 1, -1, 2, -2, 0.5, -0.5];

    /// <summary>Bᵀ [α][α], G [α][k], Aᵀ [2][α] of F(2, k), k = 5 or 7 (index k / 2 − 2).</summary>
    private static readonly Matrices[] Tables = [Make(5), Make(7)];

    /// <summary>F(2, k): Bᵀ [α][α], G [α][k] (float64: the weights are transformed in it), Aᵀ [2][α]; the finite points; and
    /// for the weight gradient's F(k, 2), whose Bᵀ is the same, Aᵀ [k][α] with G's denominators 1/f_ξ taken in (its G·h is
    /// then h0 + p_ξ·h1, or h1 for ξ = ∞).</summary>
    internal sealed record Matrices(int K, int Alpha, float[] BT, double[] G, float[] AT, float[] Points, float[] WeightGradientAT);

    internal static Matrices For(int k) => Tables[k / 2 - 2];

    /// <summary>Whether the band engine runs this stride-1 correlation by rows of F(2, k): Vector512, a 5×5 or 7×7 kernel with
    /// "same" padding, rows of an even number of outputs, at least 16, and at least 8 input and output channels.</summary>
    public static bool Applies(VectorPath path, int inC, int inH, int inW, int outC, int outH, int outW, int k, int pad) =>
        Winograd.Enabled && KernelOptions.WinogradAllowed && path == VectorPath.Vector512 && (k == 5 || k == 7) && pad == k / 2
        && inH == outH && inW == outW && outW % 2 == 0 && outW >= 16 && inC >= 8 && outC >= 8;

    /// <summary>Most rows of a band whose transformed input (α planes × input channels × rows + k − 1 × tiles) fits TransformedBytes.</summary>
    public static int MaxRows(int inC, int outW, int k) =>
        (int)Math.Max(1, TransformedBytes / ((k + 1) * sizeof(float) * (long)inC * (outW / 2)) - (k - 1));

    /// <summary>Floats of a thread's products buffer: α products × the group's channels × a chunk of tiles.</summary>
    public static long ProductFloats(int k, int groupChannels) => (long)(k + 1) * groupChannels * Winograd.ChunkTiles;

    private static Matrices Make(int k)
    {
        int alpha = k + 1, finite = alpha - 1;
        var p = Points.AsSpan(0, finite).ToArray();
        var bt = new float[alpha * alpha];
        var g = new double[alpha * k];
        var at = new float[2 * alpha];
        var dwAt = new float[k * alpha];
        for (int i = 0; i <= finite; i++)
        {
            // Row i of Bᵀ: the coefficients of Π over the other finite points l of (x − p_l), or of all of them for ∞.
            var poly = new double[alpha + 1];
            poly[0] = 1;
            int degree = 0;
            double f = 1;
            for (int l = 0; l < finite; l++)
            {
                if (l == i) continue;
                for (int d = degree + 1; d >= 1; d--) poly[d] = poly[d - 1] - p[l] * poly[d];
                poly[0] = -p[l] * poly[0];
                degree++;
                if (i < finite) f *= p[i] - p[l];
            }
            for (int j = 0; j < alpha; j++) bt[i * alpha + j] = (float)poly[j];
            for (int u = 0; u < k; u++) g[i * k + u] = i < finite ? Math.Pow(p[i], u) / f : u == k - 1 ? 1 : 0;
            at[i] = i < finite ? 1 : 0;
            at[alpha + i] = i < finite ? (float)p[i] : 1;
            for (int v = 0; v < k; v++) dwAt[v * alpha + i] = (float)(i < finite ? Math.Pow(p[i], v) / f : v == k - 1 ? 1 : 0);
        }
        return new Matrices(k, alpha, bt, g, at, Array.ConvertAll(p, x => (float)x), dwAt);
    }

    /// <summary>u[ξ·xiStride + o·inC·k + i·k + kh] = (G·g)[ξ] for output channels o of block `block` (4 of them; those past
    /// outC get zeros), g = row kh of W(o, i), or row k − 1 − kh reversed when `flip`.</summary>
    public static void TransformWeights(WeightView w, bool flip, int block, int outC, int inC, int k, float* u, long xiStride)
    {
        var m = For(k);
        int alpha = m.Alpha;
        Span<double> g = stackalloc double[k];
        for (int j = 0; j < 4; j++)
        {
            int o = block * 4 + j;
            float* dst = u + (long)o * inC * k;
            for (int i = 0; i < inC; i++)
            for (int kh = 0; kh < k; kh++)
            {
                long at = (long)i * k + kh;
                if (o >= outC)
                {
                    for (int xi = 0; xi < alpha; xi++) dst[xi * xiStride + at] = 0f;
                    continue;
                }
                float* row = w.Data + (long)o * w.OutStride + (long)i * w.InStride + (flip ? k - 1 - kh : kh) * k;
                for (int v = 0; v < k; v++) g[v] = flip ? row[k - 1 - v] : row[v];
                for (int xi = 0; xi < alpha; xi++)
                {
                    double sum = 0;
                    for (int v = 0; v < k; v++) sum += m.G[xi * k + v] * g[v];
                    dst[xi * xiStride + at] = (float)sum;
                }
            }
        }
    }

    /// <summary>v[ξ·xiStride + i·stride + r·tw + tx] = (Bᵀ·d)[ξ], d = packed[i][r][2tx .. 2tx + k], for the band's `height`
    /// packed rows (channels channelStride apart, rows cols = 2·tw + k − 1 apart). Tiles are transformed 16 at a time; where
    /// tw is not a multiple of 16 a row's last 16 spill into the next row's first, which that row then overwrites. The 16
    /// tiles past the last row are zeroed.</summary>
    public static void TransformInput(float* packed, int inC, long channelStride, int cols, int height, int tw, int k, float* v,
        long stride, long xiStride)
    {
        for (int i = 0; i < inC; i++)
        {
            float* channel = packed + i * channelStride;
            float* dst = v + i * stride;
            for (int r = 0; r < height; r++)
            {
                float* p = channel + (long)r * cols, q = dst + (long)r * tw;
                if (k == 7)
                    for (int tx = 0; tx < tw; tx += 16) Transform7(p + 2 * tx, q + tx, xiStride);
                else
                    for (int tx = 0; tx < tw; tx += 16) Transform5(p + 2 * tx, q + tx, xiStride);
            }
            for (int xi = 0; xi <= k; xi++) Vector512<float>.Zero.Store(dst + xi * xiStride + (long)height * tw);
        }
    }

    // Columns j, j + 2, …, j + 30 (16 tiles' input j) and j + 1, j + 3, …: the even and odd lanes of 32 floats from p + j.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Pair(float* p, out Vector512<float> even, out Vector512<float> odd)
    {
        Vector512<float> lo = Vector512.Load(p), hi = Vector512.Load(p + 16);
        even = Avx512F.PermuteVar16x32x2(lo, Vector512.Create(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30), hi);
        odd = Avx512F.PermuteVar16x32x2(lo, Vector512.Create(1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31), hi);
    }

    // Bᵀ·d of F(2, 7) for 16 tiles, its rows in ± pairs: even-column part ± odd-column part (see Make: rows 1–6 are
    // Π over the other points, p and −p side by side).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Transform7(float* p, float* q, long xi)
    {
        Pair(p, out var d0, out var d1);
        Pair(p + 2, out var d2, out var d3);
        Pair(p + 4, out var d4, out var d5);
        Pair(p + 6, out var d6, out var d7);
        var c = Vector512.Create(5.25f);
        Vector512.FusedMultiplyAdd(d2 - d4, c, d6 - d0).Store(q);
        Vector512.FusedMultiplyAdd(d3 - d5, c, d7 - d1).Store(q + 7 * xi);
        var e = Vector512.FusedMultiplyAdd(d4, Vector512.Create(-4.25f), d2 + d6);
        var o = Vector512.FusedMultiplyAdd(d3, Vector512.Create(-4.25f), d1 + d5);
        (e + o).Store(q + xi);
        (e - o).Store(q + 2 * xi);
        e = Vector512.FusedMultiplyAdd(d2, Vector512.Create(0.25f), Vector512.FusedMultiplyAdd(d4, Vector512.Create(-1.25f), d6));
        o = Vector512.FusedMultiplyAdd(d1, Vector512.Create(0.5f), Vector512.FusedMultiplyAdd(d3, Vector512.Create(-2.5f), d5 + d5));
        (e + o).Store(q + 3 * xi);
        (e - o).Store(q + 4 * xi);
        e = Vector512.FusedMultiplyAdd(d2, Vector512.Create(4f), Vector512.FusedMultiplyAdd(d4, Vector512.Create(-5f), d6));
        o = Vector512.FusedMultiplyAdd(d1 + d1, Vector512<float>.One, Vector512.FusedMultiplyAdd(d3, Vector512.Create(-2.5f), d5 * Vector512.Create(0.5f)));
        (e + o).Store(q + 5 * xi);
        (e - o).Store(q + 6 * xi);
    }

    // Bᵀ·d of F(2, 5) for 16 tiles, as Transform7.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Transform5(float* p, float* q, long xi)
    {
        Pair(p, out var d0, out var d1);
        Pair(p + 2, out var d2, out var d3);
        Pair(p + 4, out var d4, out var d5);
        var four = Vector512.Create(4f);
        Vector512.FusedMultiplyAdd(d0, four, Vector512.FusedMultiplyAdd(d2, Vector512.Create(-5f), d4)).Store(q);
        Vector512.FusedMultiplyAdd(d1, four, Vector512.FusedMultiplyAdd(d3, Vector512.Create(-5f), d5)).Store(q + 5 * xi);
        var e = Vector512.FusedMultiplyAdd(d2, Vector512.Create(-4f), d4);
        var o = Vector512.FusedMultiplyAdd(d1, Vector512.Create(-4f), d3);
        (e + o).Store(q + xi);
        (e - o).Store(q + 2 * xi);
        e = d4 - d2;
        o = (d3 - d1) * Vector512.Create(2f);
        (e + o).Store(q + 3 * xi);
        (e - o).Store(q + 4 * xi);
    }

    /// <summary>The output tiles of one channel for 16 band tiles from q0 (a multiple of 16; lanes at or past `tiles` are not
    /// stored): Aᵀ·m from the α products m[ξ] (ξ·productStride apart), plus bias, clamped at zero with relu, zeroed where
    /// gate (laid out like dst, if not null) is not positive. dst: the band's first output row of the channel, rows 2·tw apart.</summary>
    public static void StoreOutput(float* m, long productStride, int k, int q0, int tiles, int tw, float bias, bool relu, float* dst,
        float* gate)
    {
        var t = For(k);
        int alpha = t.Alpha;
        var b = Vector512.Create(bias);
        Vector512<float> y0 = b, y1 = b;
        fixed (float* at = t.AT)
            for (int xi = 0; xi < alpha; xi++)
            {
                var value = Vector512.Load(m + xi * productStride);
                if (at[xi] != 0f) y0 += value;
                y1 = Vector512.FusedMultiplyAdd(value, Vector512.Create(at[alpha + xi]), y1);
            }
        y0 = TileChannel.ReLU(y0, relu);
        y1 = TileChannel.ReLU(y1, relu);
        // Interleaved, 8 tiles' two columns fill a vector of an output row.
        var low = Vector512.Create(0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
        var high = Vector512.Create(8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31);
        for (int half = 0; half < 2; half++)
        {
            int q = q0 + 8 * half;
            if (q >= tiles) break;
            var row = Avx512F.PermuteVar16x32x2(y0, half == 0 ? low : high, y1);
            int column = q % tw;
            long place = (long)(q / tw) * 2 * tw + 2 * column;
            if (column + 8 <= tw && q + 8 <= tiles)
            {
                if (gate != null) row &= Vector512.GreaterThan(Vector512.Load(gate + place), Vector512<float>.Zero);
                row.Store(dst + place);
                continue;
            }
            // 8 tiles across the end of a row (tw not a multiple of 8) or past the band's last tile: tile by tile.
            float* values = (float*)&row;
            for (int j = 0; j < 8 && q + j < tiles; j++)
            {
                int tile = q + j;
                long at = (long)(tile / tw) * 2 * tw + 2 * (tile % tw);
                for (int e = 0; e < 2; e++)
                    dst[at + e] = gate != null && !(gate[at + e] > 0f) ? 0f : values[2 * j + e];
            }
        }
    }
}

// Winograd's F(2, r) along rows for the band engine's 5×5 and 7×7 correlations with "same" padding (SegNet-Basic's 7×7
// layers): each pair of outputs of a row (a tile) is Aᵀ·[(G·g) ⊙ (Bᵀ·d)] for each kernel row g, d the inputs under the
// tile, summed over kernel rows and input channels. A 7×7 kernel row is split in two, taps 0–3 by F(2, 4) and taps 4–6 by
// F(2, 3): 5 + 4 = 9 products per tile where F(2, 7) would take 8, but with points 0, ±1, 2 and ∞ instead of also ±2 and ±½
// its rounding stays near the direct sums' (F(2, 7) rounded 2–3× worse, whole-tensor L2, and SegNet-Basic's batch-statistics
// training amplified that past the benchmark's float64 check). 5×5 rows take F(2, 3) beside F(2, 2), 7 products. Per tile,
// input and output channel that is 9·7 multiply-adds instead of 2·49 (5×5: 7·5 instead of 50). The products (planes), summed over
// input channels and kernel rows, are matrix products (transformed weights × transformed input rows) on the band engine's
// 4-channel grid tiles, with tiles of outputs in the vector lanes: one term per (input channel, kernel row), reading the
// transformed row under the tile's row plus the kernel row. Toom–Cook with the finite points' denominators in G, which is
// applied to the weights in float64 once per call: Bᵀ and Aᵀ hold small integers, exact in float. The weight gradient runs the
// transposed F(k, 2) over the whole row (WinogradRowsWeightGradient), whose Bᵀ is F(2, k)'s.
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace NetGen.Kernels;

internal static unsafe class WinogradRows
{
    /// <summary>Transformed input a thread keeps per band: bands are cut to fit (the planes of every input channel's rows).
    /// Rows 480 wide ran best with the smallest bands: 64→64 7×7 forward at 180×480 took 113–117 ms with 5 MB (3-row bands),
    /// 119 with 4, 123–124 with 8 (9-row bands), while 360×240 took 110–115 ms with any of them; SegNet360x480's train step
    /// in the profile, runs alternated: deconv1 forward 242 ms with 5 MB against 245–256 with 8, its backward 466–480
    /// against 479–489 (a first comparison had found 4–8 MB alike within the host's noise). 12 and 16 MB ran 10–15 % slower
    /// than 8.</summary>
    private const long TransformedBytes = 5L << 20;

    private static readonly double[] Points = [0, 1, -1, 2, -2, 0.5, -0.5];

    /// <summary>F(2, k) whole, k = 5 or 7 (index k / 2 − 2), and its transpose F(k, 2).</summary>
    private static readonly Matrices[] Tables = [Make(5), Make(7)];

    /// <summary>The planes for k = 5 (F(2, 3) on taps 0–2 beside F(2, 2) on taps 3–4) and k = 7 (F(2, 4) on taps 0–3 beside
    /// F(2, 3) on taps 4–6), forward and (transposed) weight gradient.</summary>
    private static readonly PlaneSet[] ForwardSets = [PlaneSet.Of(5, (0, 3), (3, 2)), PlaneSet.Of(7, (0, 4), (4, 3))];

    /// <summary>The whole row's F(2, k) as planes (tests: F(2, 7), 8 planes, against the split).</summary>
    private static readonly PlaneSet[] WholeSets = [PlaneSet.Of(5, (0, 5)), PlaneSet.Of(7, (0, 7))];

    /// <summary>F(2, k): Bᵀ [α][α], G [α][k] (float64), Aᵀ [2][α], α = k + 1; the finite points; and for the weight gradient's
    /// F(k, 2), whose Bᵀ is the same, Aᵀ [k][α] with G's denominators 1/f_ξ taken in (its G·h is then h0 + p_ξ·h1, or h1
    /// for ξ = ∞).</summary>
    internal sealed record Matrices(int K, int Alpha, float[] BT, double[] G, float[] AT, float[] Points, float[] WeightGradientAT);

    /// <summary>The products of a row transform as planes over the k + 1 inputs d under a tile and the k taps g of a kernel
    /// row: plane ξ's input Σ_j Input[ξ·(k + 1) + j]·d_j, its weight Σ_u Weight[ξ·k + u]·g_u, and the tile's outputs
    /// y_t = Σ_ξ Output[t·Count + ξ]·(product ξ). Segments (offset, r) of the kernel row each take F(2, r). Transposed, for the
    /// weight gradient's F(r, 2) per segment: plane ξ's tile of A is h0 + Point[ξ]·h1 (h1 where Point is ∞) and tap u's sum
    /// Σ_ξ TransposedOutput[u·Count + ξ]·(product ξ).</summary>
    internal sealed record PlaneSet(int K, int Count, float[] Input, double[] Weight, float[] Output, float[] Point, float[] TransposedOutput)
    {
        public static PlaneSet Of(int k, params (int Offset, int Taps)[] segments)
        {
            int count = segments.Sum(s => s.Taps + 1), plane = 0;
            var input = new float[count * (k + 1)];
            var weight = new double[count * k];
            var output = new float[2 * count];
            var point = new float[count];
            var transposed = new float[k * count];
            foreach (var (offset, r) in segments)
            {
                var m = Make(r);
                for (int xi = 0; xi < m.Alpha; xi++, plane++)
                {
                    for (int j = 0; j < m.Alpha; j++) input[plane * (k + 1) + offset + j] = m.BT[xi * m.Alpha + j];
                    for (int u = 0; u < r; u++) weight[plane * k + offset + u] = m.G[xi * r + u];
                    output[plane] = m.AT[xi];
                    output[count + plane] = m.AT[m.Alpha + xi];
                    point[plane] = xi < m.Alpha - 1 ? m.Points[xi] : float.PositiveInfinity;
                    for (int v = 0; v < r; v++) transposed[(offset + v) * count + plane] = m.WeightGradientAT[v * m.Alpha + xi];
                }
            }
            return new PlaneSet(k, count, input, weight, output, point, transposed);
        }
    }

    internal static Matrices For(int k) => Tables[k / 2 - 2];

    internal static PlaneSet Forward(int k) => ForwardSets[k / 2 - 2];

    internal static PlaneSet Whole(int k) => WholeSets[k / 2 - 2];

    /// <summary>Whether the band engine runs this stride-1 correlation by rows (see Forward): Vector512, a 5×5 or 7×7 kernel
    /// with "same" padding, rows of an even number of outputs, at least 16, and at least 8 input and output channels.</summary>
    public static bool Applies(VectorPath path, int inC, int inH, int inW, int outC, int outH, int outW, int k, int pad) =>
        Winograd.Enabled && KernelOptions.WinogradRowsAllowed && path == VectorPath.Vector512 && (k == 5 || k == 7) && pad == k / 2
        && inH == outH && inW == outW && outW % 2 == 0 && outW >= 16 && inC >= 8 && outC >= 8;

    /// <summary>Most rows of a band whose transformed input (planes × input channels × rows + k − 1 × tiles) fits TransformedBytes
    /// (at least 2: a fused pool's windows).</summary>
    public static int MaxRows(int inC, int outW, int k) =>
        (int)Math.Max(2, TransformedBytes / (Forward(k).Count * sizeof(float) * (long)inC * (outW / 2)) - (k - 1));

    /// <summary>Floats of a thread's products buffer: the planes × the group's channels × a chunk of tiles.</summary>
    public static long ProductFloats(int k, int groupChannels) => (long)Forward(k).Count * groupChannels * Winograd.ChunkTiles;

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

    /// <summary>Every block's transformed weights (TransformWeights) for Forward(k), the blocks shared out among the threads:
    /// transformed once per call instead of once per thread (64→64 7×7: about 0.4 ms a thread, a quarter of a 22×30 layer's
    /// forward).</summary>
    public static void TransformAllWeights(int k, WeightView w, bool flip, int outC, int inC, float* u, long xiStride, int blocks, int threads)
    {
        var job = new WeightJob { K = k, W = w, Flip = flip, OutC = outC, InC = inC, U = u, XiStride = xiStride };
        WorkerPool.Run(ref job, blocks, threads);
    }

    private struct WeightJob : IParallelJob
    {
        public int K, OutC, InC;
        public WeightView W;
        public bool Flip;
        public float* U;
        public long XiStride;

        public readonly void Execute(int task, int worker) => TransformWeights(Forward(K), W, Flip, task, OutC, InC, U, XiStride);
    }

    /// <summary>u[ξ·xiStride + o·inC·k + i·k + kh] = weight of plane ξ (see PlaneSet) for output channels o of block `block`
    /// (4 of them; those past outC get zeros), g = row kh of W(o, i), or row k − 1 − kh reversed when `flip`. In float64, the
    /// kernel rows in the lanes: per plane, one multiply-add of each tap column its segment reads (F(2, 4)'s 4, F(2, 3)'s 3),
    /// taps in order, then the k rows rounded to float and stored together. The same sums as a plane at a time.</summary>
    public static void TransformWeights(PlaneSet set, WeightView w, bool flip, int block, int outC, int inC, float* u, long xiStride)
    {
        int k = set.K, count = set.Count;
        // Column v of the kernel, its rows in the lanes (lanes k.. zero).
        var columns = stackalloc Vector512<double>[8];
        var rows = stackalloc double[8];
        var mask = Vector256.LessThan(Vector256.Create(0, 1, 2, 3, 4, 5, 6, 7), Vector256.Create(k)).AsSingle();
        fixed (double* coefficients = set.Weight)
            for (int j = 0; j < 4; j++)
            {
                int o = block * 4 + j;
                float* dst = u + (long)o * inC * k;
                for (int i = 0; i < inC; i++, dst += k)
                {
                    if (o >= outC)
                    {
                        for (int xi = 0; xi < count; xi++) Avx.MaskStore(dst + xi * xiStride, mask, Vector256<float>.Zero);
                        continue;
                    }
                    float* g = w.Data + (long)o * w.OutStride + (long)i * w.InStride;
                    for (int v = 0; v < k; v++)
                    {
                        for (int kh = 0; kh < 8; kh++)
                            rows[kh] = kh >= k ? 0 : flip ? g[(k - 1 - kh) * k + k - 1 - v] : g[kh * k + v];
                        columns[v] = Vector512.Load(rows);
                    }
                    for (int xi = 0; xi < count; xi++)
                    {
                        double* c = coefficients + xi * k;
                        var acc = Vector512<double>.Zero;
                        for (int v = 0; v < k; v++)
                            if (c[v] != 0) acc = Vector512.FusedMultiplyAdd(columns[v], Vector512.Create(c[v]), acc);
                        Avx.MaskStore(dst + xi * xiStride, mask, Avx512F.ConvertToVector256Single(acc));
                    }
                }
            }
    }

    /// <summary>v[ξ·xiStride + i·stride + r·tw + tx] = input of plane ξ (see PlaneSet) over d = packed[i][r][2tx .. 2tx + k],
    /// for the band's `height` packed rows (channels channelStride apart, rows cols = 2·tw + k − 1 apart). Tiles are
    /// transformed 16 at a time; where tw is not a multiple of 16 a row's last 16 spill into the next row's first, which that
    /// row then overwrites. The 16 tiles past the last row are zeroed.</summary>
    public static void TransformInput(PlaneSet set, float* packed, int inC, long channelStride, int cols, int height, int tw, float* v,
        long stride, long xiStride)
    {
        int k = set.K, count = set.Count;
        // The forward's two sets run unrolled (Split7, Split5); other sets (the tests' whole rows) through the tables.
        int unrolled = ReferenceEquals(set, ForwardSets[1]) ? 7 : ReferenceEquals(set, ForwardSets[0]) ? 5 : 0;
        var d = stackalloc Vector512<float>[8];
        fixed (float* coefficients = set.Input)
            for (int i = 0; i < inC; i++)
            {
                float* channel = packed + i * channelStride;
                float* dst = v + i * stride;
                for (int r = 0; r < height; r++)
                for (int tx = 0; tx < tw; tx += 16)
                {
                    float* p = channel + (long)r * cols + 2 * tx;
                    float* q = dst + (long)r * tw + tx;
                    if (unrolled == 7) Split7(p, q, xiStride);
                    else if (unrolled == 5) Split5(p, q, xiStride);
                    else Planes(p, q, xiStride, k, count, coefficients, d);
                }
                for (int xi = 0; xi < count; xi++) Vector512<float>.Zero.Store(dst + xi * xiStride + (long)height * tw);
            }
    }

    // Columns j, j + 2, …, j + 30 (16 tiles' input j) and j + 1, j + 3, …: the even and odd lanes of the 32 floats from p.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Pair(float* p, out Vector512<float> even, out Vector512<float> odd)
    {
        Vector512<float> lo = Vector512.Load(p), hi = Vector512.Load(p + 16);
        even = Avx512F.PermuteVar16x32x2(lo, Vector512.Create(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30), hi);
        odd = Avx512F.PermuteVar16x32x2(lo, Vector512.Create(1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31), hi);
    }

    // The planes of any set for 16 tiles from their coefficient rows.
    private static void Planes(float* p, float* q, long xiStride, int k, int count, float* coefficients, Vector512<float>* d)
    {
        for (int a = 0; 2 * a <= k; a++) Pair(p + 2 * a, out d[2 * a], out d[2 * a + 1]);
        for (int xi = 0; xi < count; xi++)
        {
            float* c = coefficients + xi * (k + 1);
            var acc = Vector512<float>.Zero;
            for (int j = 0; j <= k; j++)
                if (c[j] != 0f) acc = Vector512.FusedMultiplyAdd(d[j], Vector512.Create(c[j]), acc);
            acc.Store(q + xi * xiStride);
        }
    }

    // Forward(7)'s planes for 16 tiles: F(2, 4)'s Bᵀ (points 0, 1, −1, 2, ∞) on d0..d4, then F(2, 3)'s (0, 1, −1, ∞) on
    // d4..d7; the same coefficients as the tables (the tests compare both with the reference).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Split7(float* p, float* q, long xi)
    {
        Pair(p, out var d0, out var d1);
        Pair(p + 2, out var d2, out var d3);
        Pair(p + 4, out var d4, out var d5);
        Pair(p + 6, out var d6, out var d7);
        var two = Vector512.Create(2f);
        Vector512.FusedMultiplyAdd(d0 - d2, two, d3 - d1).Store(q);                                   // 2, −1, −2, 1
        Vector512.FusedMultiplyAdd(d1, Vector512.Create(-2f), d3 - d2).Store(q + xi);                 // 0, −2, −1, 1
        Vector512.FusedMultiplyAdd(d1, two, Vector512.FusedMultiplyAdd(d2, Vector512.Create(-3f), d3)).Store(q + 2 * xi); // 0, 2, −3, 1
        (d3 - d1).Store(q + 3 * xi);                                                                  // 0, −1, 0, 1
        Vector512.FusedMultiplyAdd(d1 - d3, two, d4 - d2).Store(q + 4 * xi);                          // 0, 2, −1, −2, 1
        (d6 - d4).Store(q + 5 * xi);
        (d5 + d6).Store(q + 6 * xi);
        (d6 - d5).Store(q + 7 * xi);
        (d7 - d5).Store(q + 8 * xi);
    }

    // Forward(5)'s planes for 16 tiles: F(2, 3)'s Bᵀ on d0..d3, then F(2, 2)'s (0, 1, ∞) on d3..d5.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Split5(float* p, float* q, long xi)
    {
        Pair(p, out var d0, out var d1);
        Pair(p + 2, out var d2, out var d3);
        Pair(p + 4, out var d4, out var d5);
        (d2 - d0).Store(q);
        (d1 + d2).Store(q + xi);
        (d2 - d1).Store(q + 2 * xi);
        (d3 - d1).Store(q + 3 * xi);
        (d4 - d3).Store(q + 4 * xi);
        d4.Store(q + 5 * xi);
        (d5 - d4).Store(q + 6 * xi);
    }

    /// <summary>The output tiles of one channel for 16 band tiles from q0 (a multiple of 16; lanes at or past `tiles` are not
    /// stored): Aᵀ·m from the planes' products m[ξ] (ξ·productStride apart), plus bias, clamped at zero with relu, zeroed
    /// where gate (laid out like dst, if not null) is not positive. dst: the band's first output row of the channel, rows
    /// 2·tw apart.</summary>
    public static void StoreOutput(PlaneSet set, float* m, long productStride, int q0, int tiles, int tw, float bias, bool relu, float* dst,
        float* gate)
    {
        int count = set.Count;
        var b = Vector512.Create(bias);
        Vector512<float> y0 = b, y1 = b;
        fixed (float* at = set.Output)
            for (int xi = 0; xi < count; xi++)
            {
                var value = Vector512.Load(m + xi * productStride);
                if (at[xi] != 0f) y0 = Vector512.FusedMultiplyAdd(value, Vector512.Create(at[xi]), y0);
                if (at[count + xi] != 0f) y1 = Vector512.FusedMultiplyAdd(value, Vector512.Create(at[count + xi]), y1);
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

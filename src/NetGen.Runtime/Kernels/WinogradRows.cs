// Winograd's F(m, r) along rows for the band engine's 5×5 and 7×7 correlations with "same" padding (SegNet-Basic's 7×7
// layers): each tile of m outputs of a row is Aᵀ·[(G·g) ⊙ (Bᵀ·d)] for each kernel row g, d the inputs under the tile, summed
// over kernel rows and input channels. A 7×7 kernel row is split in two, taps 0–3 by F(m, 4) and taps 4–6 by F(m, 3). Rows
// of a multiple of 4 take tiles of 4 (Wide): 7 + 6 = 13 products per tile, points 0, ±1, ±2, ½ and ∞ (F(4, 3) without ½),
// 3.25 multiply-adds per output and kernel row against 7 direct; other rows take pairs (Forward): 5 + 4 = 9 products, 4.5 per
// output, points 0, ±1, 2 and ∞. Whole-row F(2, 7), 8 products with ±2 and ±½, had rounded 2–3× worse than the pairs
// (whole-tensor L2) and SegNet-Basic's batch-statistics training amplified that past the benchmark's float64 check. The
// tiles of 4 round about 2× worse than the pairs, 1.1–1.7× the direct sums' max error: fine in inference and the backward,
// but in a batch-statistics training forward they put SegNet-Basic's gradients 3–4× further from float64 than libtorch's,
// so pairs run there, except in the layer feeding the last batch norm (KernelModes). 5×5 rows take F(m, 3) beside F(m, 2). The products (planes), summed over input channels and kernel rows, are matrix products
// (transformed weights × transformed input rows) on the band engine's 4-channel grid tiles, with tiles of outputs in the
// vector lanes: one term per (input channel, kernel row), reading the transformed row under the tile's row plus the kernel
// row. Toom–Cook with the finite points' denominators in G, which is applied to the weights in float64 once per call: Bᵀ
// and Aᵀ hold small integers (and powers of ½), exact in float. The weight gradient runs the transposed F(k, m) over the
// whole row (WinogradRowsWeightGradient), whose Bᵀ is F(m, k)'s.
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
    private static readonly Matrices[] Tables = [Make(2, 5), Make(2, 7)];

    /// <summary>The planes for k = 5 (F(2, 3) on taps 0–2 beside F(2, 2) on taps 3–4) and k = 7 (F(2, 4) on taps 0–3 beside
    /// F(2, 3) on taps 4–6), forward and (transposed) weight gradient.</summary>
    private static readonly PlaneSet[] ForwardSets = [PlaneSet.Of(2, 5, (0, 3), (3, 2)), PlaneSet.Of(2, 7, (0, 4), (4, 3))];

    /// <summary>Tiles of 4 outputs for rows of a multiple of 4 (see Wide): k = 5 takes F(4, 3) on taps 0–2 beside F(4, 2) on
    /// taps 3–4 (6 + 5 products per 4 outputs), k = 7 F(4, 4) on taps 0–3 beside F(4, 3) on taps 4–6 (7 + 6 products, points 0,
    /// ±1, ±2, ½ and ∞ for F(4, 4), without ½ for F(4, 3)).</summary>
    private static readonly PlaneSet[] WideSets = [PlaneSet.Of(4, 5, (0, 3), (3, 2)), PlaneSet.Of(4, 7, (0, 4), (4, 3))];

    /// <summary>The whole row's F(2, k) as planes (tests: F(2, 7), 8 planes, against the split).</summary>
    private static readonly PlaneSet[] WholeSets = [PlaneSet.Of(2, 5, (0, 5)), PlaneSet.Of(2, 7, (0, 7))];

    /// <summary>F(m, k): Bᵀ [α][α], G [α][k] (float64), Aᵀ [m][α], α = m + k − 1; the finite points; and the weight gradient's
    /// transpose F(k, m), whose Bᵀ is the same, Aᵀ [k][α] (Gᵀ, with G's denominators 1/f_ξ: its G·h is then Σ_t p_ξ^t·h_t, or
    /// h_{m−1} for ξ = ∞).</summary>
    internal sealed record Matrices(int M, int K, int Alpha, float[] BT, double[] G, float[] AT, float[] Points, float[] WeightGradientAT);

    /// <summary>The products of a row transform as planes over the Span = k + Outputs − 1 inputs d under a tile of Outputs
    /// outputs and the k taps g of a kernel row: plane ξ's input Σ_j Input[ξ·Span + j]·d_j, its weight Σ_u Weight[ξ·k + u]·g_u,
    /// and the tile's outputs y_t = Σ_ξ Output[t·Count + ξ]·(product ξ). Segments (offset, r) of the kernel row each take
    /// F(Outputs, r). Transposed, for the weight gradient's F(r, Outputs) per segment: plane ξ's tile of A is Σ_t Point[ξ]^t·h_t
    /// (h_{Outputs−1} where Point is ∞) and tap u's sum Σ_ξ TransposedOutput[u·Count + ξ]·(product ξ).</summary>
    internal sealed record PlaneSet(int Outputs, int K, int Count, float[] Input, double[] Weight, float[] Output, float[] Point,
        float[] TransposedOutput)
    {
        public int Span => K + Outputs - 1;

        public static PlaneSet Of(int outputs, int k, params (int Offset, int Taps)[] segments)
        {
            int count = segments.Sum(s => s.Taps + outputs - 1), plane = 0, span = k + outputs - 1;
            var input = new float[count * span];
            var weight = new double[count * k];
            var output = new float[outputs * count];
            var point = new float[count];
            var transposed = new float[k * count];
            foreach (var (offset, r) in segments)
            {
                var m = Make(outputs, r);
                for (int xi = 0; xi < m.Alpha; xi++, plane++)
                {
                    for (int j = 0; j < m.Alpha; j++) input[plane * span + offset + j] = m.BT[xi * m.Alpha + j];
                    for (int u = 0; u < r; u++) weight[plane * k + offset + u] = m.G[xi * r + u];
                    for (int t = 0; t < outputs; t++) output[t * count + plane] = m.AT[t * m.Alpha + xi];
                    point[plane] = xi < m.Alpha - 1 ? m.Points[xi] : float.PositiveInfinity;
                    for (int v = 0; v < r; v++) transposed[(offset + v) * count + plane] = m.WeightGradientAT[v * m.Alpha + xi];
                }
            }
            return new PlaneSet(outputs, k, count, input, weight, output, point, transposed);
        }
    }

    internal static Matrices For(int k) => Tables[k / 2 - 2];

    internal static PlaneSet Forward(int k) => ForwardSets[k / 2 - 2];

    internal static PlaneSet Wide(int k) => WideSets[k / 2 - 2];

    /// <summary>The set of a kernel size and tile width (outputs 4: Wide, else Forward), for jobs that carry the width.</summary>
    internal static PlaneSet SetFor(int k, int outputs) => outputs == 4 ? Wide(k) : Forward(k);

    /// <summary>The set a band engine's rows of outW outputs run: tiles of 4 (Wide) where outW is a multiple of 4, else of 2
    /// (Forward); pairs too in a batch-statistics training forward (KernelModes.BatchStatisticsForward), with
    /// KernelOptions.RowTiles = 2 on the calling thread, or NETGEN_ROW_TILES=2.</summary>
    internal static PlaneSet ForRows(int k, int outW) =>
        outW % 4 == 0 && KernelOptions.RowTiles != 2 && !KernelOptions.BatchStatisticsForward && WideEnabled ? Wide(k) : Forward(k);

    internal static readonly bool WideEnabled = Environment.GetEnvironmentVariable("NETGEN_ROW_TILES") != "2";

    internal static PlaneSet Whole(int k) => WholeSets[k / 2 - 2];

    /// <summary>Whether the band engine runs this stride-1 correlation by rows (see ForRows): Vector512, a 5×5 or 7×7 kernel
    /// with "same" padding, rows of an even number of outputs, at least 16, at least 8 output channels and 8 input channels,
    /// or 3 in tiles of 4 (an RGB first layer: SegNet-Basic's 3→64 7×7 forward at 360×480 16.4–17.0 → 12.7–13.8 ms, kbench;
    /// in pairs it had gained less, 16.5 → 15.1, and its weight gradient had lost).</summary>
    public static bool Applies(VectorPath path, int inC, int inH, int inW, int outC, int outH, int outW, int k, int pad) =>
        Winograd.Enabled && KernelOptions.WinogradRowsAllowed && path == VectorPath.Vector512 && (k == 5 || k == 7) && pad == k / 2
        && inH == outH && inW == outW && outW % 2 == 0 && outW >= 16 && outC >= 8 && (inC >= 8 || inC >= 3 && ForRows(k, outW).Outputs == 4);

    /// <summary>Most rows of a band whose transformed input (planes × input channels × rows + k − 1 × tiles) fits TransformedBytes
    /// (at least 2: a fused pool's windows).</summary>
    public static int MaxRows(PlaneSet set, int inC, int outW) =>
        (int)Math.Max(2, TransformedBytes / (set.Count * sizeof(float) * (long)inC * (outW / set.Outputs)) - (set.K - 1));

    /// <summary>Floats of a thread's products buffer: the planes × the group's channels × a chunk of tiles.</summary>
    public static long ProductFloats(PlaneSet set, int groupChannels) => (long)set.Count * groupChannels * Winograd.ChunkTiles;

    internal static Matrices Make(int outputs, int k, double[]? points = null)
    {
        int alpha = outputs + k - 1, finite = alpha - 1;
        var p = (points ?? Points).AsSpan(0, finite).ToArray();
        var bt = new float[alpha * alpha];
        var g = new double[alpha * k];
        var at = new float[outputs * alpha];
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
            for (int t = 0; t < outputs; t++) at[t * alpha + i] = (float)(i < finite ? Math.Pow(p[i], t) : t == outputs - 1 ? 1 : 0);
            for (int v = 0; v < k; v++) dwAt[v * alpha + i] = (float)(i < finite ? Math.Pow(p[i], v) / f : v == k - 1 ? 1 : 0);
        }
        return new Matrices(outputs, k, alpha, bt, g, at, Array.ConvertAll(p, x => (float)x), dwAt);
    }

    /// <summary>Every block's transformed weights (TransformWeights) for the set, the blocks shared out among the threads:
    /// transformed once per call instead of once per thread (64→64 7×7: about 0.4 ms a thread, a quarter of a 22×30 layer's
    /// forward).</summary>
    public static void TransformAllWeights(PlaneSet set, WeightView w, bool flip, int outC, int inC, float* u, long xiStride, int blocks,
        int threads)
    {
        var job = new WeightJob { K = set.K, Outputs = set.Outputs, W = w, Flip = flip, OutC = outC, InC = inC, U = u, XiStride = xiStride };
        WorkerPool.Run(ref job, blocks, threads);
    }

    private struct WeightJob : IParallelJob
    {
        public int K, Outputs, OutC, InC;
        public WeightView W;
        public bool Flip;
        public float* U;
        public long XiStride;

        public readonly void Execute(int task, int worker) =>
            TransformWeights(SetFor(K, Outputs), W, Flip, task, OutC, InC, U, XiStride);
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
        var mask = Vector256.LessThan(Vector256.Create(0, 1, 2, 3, 4, 5, 6, 7), Vector256.Create(k)).AsSingle();
        var forward = Vector256.Create(0, 1, 2, 3, 4, 5, 6, 7) * k;
        var reversed = -forward;
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
                    // Column v: g[kh·k + v] over the rows kh < k (flipped: g[(k − 1 − kh)·k + k − 1 − v]), gathered, the
                    // lanes past k masked off (not read); the scalar loop that did it was half of this transform's time.
                    for (int v = 0; v < k; v++)
                    {
                        float* first = flip ? g + (k - 1) * k + k - 1 - v : g + v;
                        columns[v] = Avx512F.ConvertToVector512Double(
                            Avx2.GatherMaskVector256(Vector256<float>.Zero, first, flip ? reversed : forward, mask, 4));
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

    /// <summary>v[ξ·xiStride + i·stride + r·tw + tx] = input of plane ξ (see PlaneSet) over d = packed[i][r][m·tx .. m·tx + Span − 1],
    /// m = set.Outputs, for the band's `height` packed rows (channels channelStride apart, rows cols = m·tw + k − 1 apart). Tiles
    /// are transformed 16 at a time (reading up to 16·m + k − 2 floats past a group's first input); where tw is not a multiple
    /// of 16 a row's last 16 spill into the next row's first, which that row then overwrites. The 16 tiles past the last row
    /// are zeroed.</summary>
    public static void TransformInput(PlaneSet set, float* packed, int inC, long channelStride, int cols, int height, int tw, float* v,
        long stride, long xiStride)
    {
        int k = set.K, count = set.Count, m = set.Outputs;
        // The forward's two pair sets run unrolled (Split7, Split5); other sets (tiles of 4, the tests' whole rows) through the
        // tables: with 64 output channels a transformed vector feeds 64·k multiply-adds of the products, its transform ~5–8.
        int unrolled = ReferenceEquals(set, ForwardSets[1]) ? 7 : ReferenceEquals(set, ForwardSets[0]) ? 5
            : ReferenceEquals(set, WideSets[1]) ? 74 : 0;
        var d = stackalloc Vector512<float>[12];
        fixed (float* coefficients = set.Input)
            for (int i = 0; i < inC; i++)
            {
                float* channel = packed + i * channelStride;
                float* dst = v + i * stride;
                for (int r = 0; r < height; r++)
                for (int tx = 0; tx < tw; tx += 16)
                {
                    float* p = channel + (long)r * cols + m * tx;
                    float* q = dst + (long)r * tw + tx;
                    if (unrolled == 7) Split7(p, q, xiStride);
                    else if (unrolled == 5) Split5(p, q, xiStride);
                    else if (unrolled == 74) Split7Wide(p, q, xiStride);
                    else Planes(set, p, q, xiStride, coefficients, d);
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

    // Columns j, j + 4, …, j + 60 (16 tiles' input j for tiles of 4) from the 64 floats from p + j.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Quarter(float* p)
    {
        var index = Vector512.Create(0, 4, 8, 12, 16, 20, 24, 28, 0, 4, 8, 12, 16, 20, 24, 28);
        var low = Avx512F.PermuteVar16x32x2(Vector512.Load(p), index, Vector512.Load(p + 16));
        var high = Avx512F.PermuteVar16x32x2(Vector512.Load(p + 32), index, Vector512.Load(p + 48));
        return Avx512F.InsertVector256(low, high.GetLower(), 1);
    }

    // The planes of any set for 16 tiles from their coefficient rows.
    private static void Planes(PlaneSet set, float* p, float* q, long xiStride, float* coefficients, Vector512<float>* d)
    {
        int span = set.Span, count = set.Count;
        if (set.Outputs == 4)
            for (int j = 0; j < span; j++) d[j] = Quarter(p + j);
        else
            for (int a = 0; 2 * a < span; a++) Pair(p + 2 * a, out d[2 * a], out d[2 * a + 1]);
        for (int xi = 0; xi < count; xi++)
        {
            float* c = coefficients + xi * span;
            var acc = Vector512<float>.Zero;
            for (int j = 0; j < span; j++)
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

    // Wide(7)'s planes for 16 tiles of 4: F(4, 4)'s Bᵀ (points 0, 1, −1, 2, −2, ½, ∞) on d0..d6, then F(4, 3)'s (0, 1, −1,
    // 2, −2, ∞) on d4..d9; the tables' coefficients (the tests compare both).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Split7Wide(float* p, float* q, long xi)
    {
        Vector512<float> d0 = Quarter(p), d1 = Quarter(p + 1), d2 = Quarter(p + 2), d3 = Quarter(p + 3), d4 = Quarter(p + 4);
        Vector512<float> d5 = Quarter(p + 5), d6 = Quarter(p + 6), d7 = Quarter(p + 7), d8 = Quarter(p + 8), d9 = Quarter(p + 9);
        Vector512<float> two = Vector512.Create(2f), four = Vector512.Create(4f), five = Vector512.Create(5f), half = Vector512.Create(0.5f);
        Vector512<float> f25 = Vector512.Create(2.5f), f15 = Vector512.Create(1.5f);
        // F(4, 4), rows of Bᵀ: −2 4 5/2 −5 −1/2 1 | 0 2 −2 −9/2 1/2 1 | 0 −2 6 −7/2 −3/2 1 | 0 1 −3/2 −2 3/2 1 |
        // 0 −1 5/2 0 −5/2 1 | 0 4 0 −5 0 1 | 0 −2 4 5/2 −5 −1/2 1.
        Vector512.FusedMultiplyAdd(d0, -two, Vector512.FusedMultiplyAdd(d1, four, Vector512.FusedMultiplyAdd(d2, f25,
            Vector512.FusedMultiplyAdd(d3, -five, Vector512.FusedMultiplyAdd(d4, -half, d5))))).Store(q);
        Vector512.FusedMultiplyAdd(d1 - d2, two, Vector512.FusedMultiplyAdd(d3, Vector512.Create(-4.5f),
            Vector512.FusedMultiplyAdd(d4, half, d5))).Store(q + xi);
        Vector512.FusedMultiplyAdd(d1, -two, Vector512.FusedMultiplyAdd(d2, Vector512.Create(6f),
            Vector512.FusedMultiplyAdd(d3, Vector512.Create(-3.5f), Vector512.FusedMultiplyAdd(d4, -f15, d5)))).Store(q + 2 * xi);
        (d1 + Vector512.FusedMultiplyAdd(d4 - d2, f15, Vector512.FusedMultiplyAdd(d3, -two, d5))).Store(q + 3 * xi);
        (Vector512.FusedMultiplyAdd(d2 - d4, f25, d5) - d1).Store(q + 4 * xi);
        Vector512.FusedMultiplyAdd(d1, four, Vector512.FusedMultiplyAdd(d3, -five, d5)).Store(q + 5 * xi);
        Vector512.FusedMultiplyAdd(d1, -two, Vector512.FusedMultiplyAdd(d2, four, Vector512.FusedMultiplyAdd(d3, f25,
            Vector512.FusedMultiplyAdd(d4, -five, Vector512.FusedMultiplyAdd(d5, -half, d6))))).Store(q + 6 * xi);
        // F(4, 3) on e0..e5 = d4..d9: 4 0 −5 0 1 0 | 0 −4 −4 1 1 0 | 0 4 −4 −1 1 0 | 0 −2 −1 2 1 0 | 0 2 −1 −2 1 0 |
        // 0 4 0 −5 0 1.
        Vector512.FusedMultiplyAdd(d4, four, Vector512.FusedMultiplyAdd(d6, -five, d8)).Store(q + 7 * xi);
        Vector512.FusedMultiplyAdd(d5 + d6, -four, d7 + d8).Store(q + 8 * xi);
        Vector512.FusedMultiplyAdd(d5 - d6, four, d8 - d7).Store(q + 9 * xi);
        Vector512.FusedMultiplyAdd(d7 - d5, two, d8 - d6).Store(q + 10 * xi);
        Vector512.FusedMultiplyAdd(d5 - d7, two, d8 - d6).Store(q + 11 * xi);
        Vector512.FusedMultiplyAdd(d5, four, Vector512.FusedMultiplyAdd(d7, -five, d9)).Store(q + 12 * xi);
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

    // Wide(7)'s Aᵀ: both segments' planes at the points 0, ±1, ±2 and ∞ added first, then y_t = Σ p^t·M_p (+ M_∞ for t = 3),
    // with F(4, 4)'s plane at ½.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Wide7Output(float* m, long stride, Vector512<float> bias, Vector512<float>* y)
    {
        Vector512<float> m0 = Vector512.Load(m) + Vector512.Load(m + 7 * stride);
        Vector512<float> m1 = Vector512.Load(m + stride) + Vector512.Load(m + 8 * stride);
        Vector512<float> m2 = Vector512.Load(m + 2 * stride) + Vector512.Load(m + 9 * stride);
        Vector512<float> m3 = Vector512.Load(m + 3 * stride) + Vector512.Load(m + 10 * stride);
        Vector512<float> m4 = Vector512.Load(m + 4 * stride) + Vector512.Load(m + 11 * stride);
        Vector512<float> half = Vector512.Load(m + 5 * stride);
        Vector512<float> infinity = Vector512.Load(m + 6 * stride) + Vector512.Load(m + 12 * stride);
        Vector512<float> s1 = m1 + m2, d1 = m1 - m2, s2 = m3 + m4, d2 = m3 - m4;
        y[0] = bias + (m0 + s1 + s2 + half);
        y[1] = bias + Vector512.FusedMultiplyAdd(d2, Vector512.Create(2f), Vector512.FusedMultiplyAdd(half, Vector512.Create(0.5f), d1));
        y[2] = bias + Vector512.FusedMultiplyAdd(s2, Vector512.Create(4f), Vector512.FusedMultiplyAdd(half, Vector512.Create(0.25f), s1));
        y[3] = bias + Vector512.FusedMultiplyAdd(d2, Vector512.Create(8f),
            Vector512.FusedMultiplyAdd(half, Vector512.Create(0.125f), d1 + infinity));
    }

    /// <summary>The output tiles of one channel for 16 band tiles from q0 (a multiple of 16; lanes at or past `tiles` are not
    /// stored): Aᵀ·m from the planes' products m[ξ] (ξ·productStride apart), plus bias, clamped at zero with relu, zeroed
    /// where gate (laid out like dst, if not null) is not positive. dst: the band's first output row of the channel, rows
    /// Outputs·tw apart.</summary>
    public static void StoreOutput(PlaneSet set, float* m, long productStride, int q0, int tiles, int tw, float bias, bool relu, float* dst,
        float* gate)
    {
        int count = set.Count, outputs = set.Outputs;
        var b = Vector512.Create(bias);
        var y = stackalloc Vector512<float>[4];
        if (ReferenceEquals(set, WideSets[1])) Wide7Output(m, productStride, b, y);
        else
        {
            for (int t = 0; t < outputs; t++) y[t] = b;
            fixed (float* at = set.Output)
                for (int xi = 0; xi < count; xi++)
                {
                    var value = Vector512.Load(m + xi * productStride);
                    for (int t = 0; t < outputs; t++)
                        if (at[t * count + xi] != 0f) y[t] = Vector512.FusedMultiplyAdd(value, Vector512.Create(at[t * count + xi]), y[t]);
                }
        }
        for (int t = 0; t < outputs; t++) y[t] = TileChannel.ReLU(y[t], relu);
        // Interleaved, 16 / outputs tiles' outputs fill a vector of an output row: (y0, y1) of tiles 0–7 and 8–15 first.
        var rows = stackalloc Vector512<float>[4];
        var low = Vector512.Create(0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
        var high = Vector512.Create(8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31);
        if (outputs == 2)
        {
            rows[0] = Avx512F.PermuteVar16x32x2(y[0], low, y[1]);
            rows[1] = Avx512F.PermuteVar16x32x2(y[0], high, y[1]);
        }
        else
        {
            // Pairs (y0, y1) and (y2, y3) of tiles 0–7 and 8–15, then four tiles' (y0, y1, y2, y3) a vector.
            Vector512<float> a0 = Avx512F.PermuteVar16x32x2(y[0], low, y[1]), a1 = Avx512F.PermuteVar16x32x2(y[0], high, y[1]);
            Vector512<float> c0 = Avx512F.PermuteVar16x32x2(y[2], low, y[3]), c1 = Avx512F.PermuteVar16x32x2(y[2], high, y[3]);
            var first = Vector512.Create(0L, 8, 1, 9, 2, 10, 3, 11);
            var second = Vector512.Create(4L, 12, 5, 13, 6, 14, 7, 15);
            rows[0] = Avx512F.PermuteVar8x64x2(a0.AsDouble(), first, c0.AsDouble()).AsSingle();
            rows[1] = Avx512F.PermuteVar8x64x2(a0.AsDouble(), second, c0.AsDouble()).AsSingle();
            rows[2] = Avx512F.PermuteVar8x64x2(a1.AsDouble(), first, c1.AsDouble()).AsSingle();
            rows[3] = Avx512F.PermuteVar8x64x2(a1.AsDouble(), second, c1.AsDouble()).AsSingle();
        }
        int per = 16 / outputs;
        for (int part = 0; part < outputs; part++)
        {
            int q = q0 + per * part;
            if (q >= tiles) break;
            var row = rows[part];
            int column = q % tw;
            long place = (long)(q / tw) * outputs * tw + outputs * column;
            if (column + per <= tw && q + per <= tiles)
            {
                if (gate != null) row &= Vector512.GreaterThan(Vector512.Load(gate + place), Vector512<float>.Zero);
                row.Store(dst + place);
                continue;
            }
            // Tiles across the end of a row (tw not a multiple of 16 / outputs) or past the band's last tile: tile by tile.
            float* values = (float*)&row;
            for (int j = 0; j < per && q + j < tiles; j++)
            {
                int tile = q + j;
                long at = (long)(tile / tw) * outputs * tw + outputs * (tile % tw);
                for (int e = 0; e < outputs; e++)
                    dst[at + e] = gate != null && !(gate[at + e] > 0f) ? 0f : values[outputs * j + e];
            }
        }
    }
}

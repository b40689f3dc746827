// Transposes A [N, C, H, W] to position-major [N·H·W][stride] (channels past C zero) for the channel-vectorized weight
// gradient. Read one value at a time, each position gathers C values from planes a whole plane apart, which cost as
// much as the multiply-adds on a 64×64 plane with 16 channels; the Vector512 path transposes 16×16 blocks in registers.
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace NetGen.Kernels;

/// <summary>One task per row (n, r): dst[(n·H + r)·W + c][i] = src[n, i, r, c] for i &lt; Channels, 0 up to Stride.
/// With <see cref="Unpool"/> set, src is that MaxUnpool2d's output, never written: each task unpools its row of every
/// channel into its thread's scratch [Channels][W] (UnpoolRows.Fill) and counts in Hits the argmax that hit their own
/// cell, which equals the pooled size exactly when the rows are the unpool's (else the caller unpools the general way).</summary>
internal unsafe struct WeightGradientTransposeJob : IParallelJob
{
    public VectorPath Path;
    public float* Source, Destination;
    public int Channels, H, W, Stride;
    public UnpooledInput Unpool;
    public long Hits;

    [SkipLocalsInit]
    public void Execute(int task, int worker)
    {
        int n = task / H, r = task % H;
        long plane = (long)H * W;
        float* src = Source + (long)n * Channels * plane + (long)r * W;
        if (Unpool.Values != null)
        {
            var pool = Unpool.Pool;
            src = Workspace.Current.Get<float>(ScratchSlot.ThreadTile, (long)Channels * W);
            long hits = 0;
            for (int i = 0; i < Channels; i++)
            {
                long p = ((long)n * Channels + i) * pool.OutPlane;
                hits += UnpoolRows.Fill(Unpool.Values + p, null, Unpool.Indices + p, pool, r, src + (long)i * W, Path, accumulate: false);
            }
            Interlocked.Add(ref Hits, hits);
            // The unpooled rows lie W apart.
            plane = W;
        }
        float* dst = Destination + (long)task * W * Stride;
        int i0 = 0, lanes = Path switch { VectorPath.Vector512 => 16, VectorPath.Vector256 => 8, _ => 0 };
        if (lanes > 0)
        {
            // A block's rows are first copied side by side: read straight from planes a power of two apart, they share
            // one L1 set and evict each other (16→16 on 64×64: 10% of the time, 6% copied first).
            float* rows = stackalloc float[16 * Piece];
            float* block = stackalloc float[256];
            for (; i0 + lanes <= Stride; i0 += lanes)
            for (int c0 = 0; c0 < W; c0 += Piece)
            {
                int cols = Math.Min(Piece, W - c0);
                for (int i = 0; i < lanes; i++)
                    CopyRow(i0 + i < Channels ? src + (i0 + i) * plane + c0 : null, cols, rows + i * Piece, Path);
                for (int cb = 0; cb < cols; cb += lanes)
                {
                    float* d = dst + (long)(c0 + cb) * Stride + i0;
                    bool whole = cb + lanes <= cols;
                    if (lanes == 16) Transpose16(rows + cb, Piece, whole ? d : block, whole ? Stride : 16);
                    else Transpose8(rows + cb, Piece, whole ? d : block, whole ? Stride : 8);
                    if (!whole)
                        for (int c = 0; c < cols - cb; c++) new Span<float>(block + lanes * c, lanes).CopyTo(new Span<float>(d + (long)c * Stride, lanes));
                }
            }
        }
        // The rest goes a channel at a time: each reads its row in order and writes a column.
        for (int i = i0; i < Stride; i++)
        {
            float* s = src + i * plane;
            float* d = dst + i;
            if (i < Channels)
                for (int c = 0; c < W; c++) d[(long)c * Stride] = s[c];
            else
                for (int c = 0; c < W; c++) d[(long)c * Stride] = 0f;
        }
    }

    // Columns per copied piece of a row: 16 rows of it take 16 KB, half an L1.
    private const int Piece = 256;

    /// <summary>d[c] = s[c] for c &lt; cols, zero up to the next multiple of 16 (all zero if s is null). Inlined: on a 32-wide
    /// row the call cost as much as the copy.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void CopyRow(float* s, int cols, float* d, VectorPath path)
    {
        int c = 0;
        if (s != null && path == VectorPath.Vector512)
        {
            for (; c + 16 <= cols; c += 16) Vector512.Load(s + c).Store(d + c);
            if (c < cols)
            {
                var mask = Vector512.LessThan(Vector512<int>.Indices, Vector512.Create(cols - c)).AsSingle();
                Avx512F.MaskLoad(s + c, mask, Vector512<float>.Zero).Store(d + c);
                return;
            }
        }
        if (s != null)
        {
            for (; c + 8 <= cols; c += 8) Vector256.Load(s + c).Store(d + c);
            for (; c < cols; c++) d[c] = s[c];
        }
        for (; (c & 15) != 0 || c < cols; c++) d[c] = 0f;
    }

    /// <summary>d[c·dStride + i] = s[i·sStride + c] for i, c &lt; 8; s and d may be the same block.</summary>
    private static void Transpose8(float* s, long sStride, float* d, nint dStride)
    {
        Vector256<float> m0 = Vector256.Load(s), m1 = Vector256.Load(s + sStride), m2 = Vector256.Load(s + 2 * sStride), m3 = Vector256.Load(s + 3 * sStride);
        Vector256<float> m4 = Vector256.Load(s + 4 * sStride), m5 = Vector256.Load(s + 5 * sStride), m6 = Vector256.Load(s + 6 * sStride), m7 = Vector256.Load(s + 7 * sStride);

        // Interleaving pairs of floats, then of doubles, leaves rows 0–3 and 4–7 of column c in 128-bit lanes that the
        // last round joins.
        var t0 = Avx.UnpackLow(m0, m1); var t1 = Avx.UnpackHigh(m0, m1);
        var t2 = Avx.UnpackLow(m2, m3); var t3 = Avx.UnpackHigh(m2, m3);
        var t4 = Avx.UnpackLow(m4, m5); var t5 = Avx.UnpackHigh(m4, m5);
        var t6 = Avx.UnpackLow(m6, m7); var t7 = Avx.UnpackHigh(m6, m7);
        m0 = Avx.UnpackLow(t0.AsDouble(), t2.AsDouble()).AsSingle(); m1 = Avx.UnpackHigh(t0.AsDouble(), t2.AsDouble()).AsSingle();
        m2 = Avx.UnpackLow(t1.AsDouble(), t3.AsDouble()).AsSingle(); m3 = Avx.UnpackHigh(t1.AsDouble(), t3.AsDouble()).AsSingle();
        m4 = Avx.UnpackLow(t4.AsDouble(), t6.AsDouble()).AsSingle(); m5 = Avx.UnpackHigh(t4.AsDouble(), t6.AsDouble()).AsSingle();
        m6 = Avx.UnpackLow(t5.AsDouble(), t7.AsDouble()).AsSingle(); m7 = Avx.UnpackHigh(t5.AsDouble(), t7.AsDouble()).AsSingle();
        Avx.Permute2x128(m0, m4, 0x20).Store(d); Avx.Permute2x128(m1, m5, 0x20).Store(d + dStride);
        Avx.Permute2x128(m2, m6, 0x20).Store(d + 2 * dStride); Avx.Permute2x128(m3, m7, 0x20).Store(d + 3 * dStride);
        Avx.Permute2x128(m0, m4, 0x31).Store(d + 4 * dStride); Avx.Permute2x128(m1, m5, 0x31).Store(d + 5 * dStride);
        Avx.Permute2x128(m2, m6, 0x31).Store(d + 6 * dStride); Avx.Permute2x128(m3, m7, 0x31).Store(d + 7 * dStride);
    }

    /// <summary>d[c·dStride + i] = s[i·sStride + c] for i, c &lt; 16; s and d may be the same block.</summary>
    internal static void Transpose16(float* s, long sStride, float* d, nint dStride)
    {
        Vector512<float> m0 = Vector512.Load(s + 0 * sStride), m1 = Vector512.Load(s + 1 * sStride), m2 = Vector512.Load(s + 2 * sStride), m3 = Vector512.Load(s + 3 * sStride), m4 = Vector512.Load(s + 4 * sStride), m5 = Vector512.Load(s + 5 * sStride), m6 = Vector512.Load(s + 6 * sStride), m7 = Vector512.Load(s + 7 * sStride);
        Vector512<float> m8 = Vector512.Load(s + 8 * sStride), m9 = Vector512.Load(s + 9 * sStride), m10 = Vector512.Load(s + 10 * sStride), m11 = Vector512.Load(s + 11 * sStride), m12 = Vector512.Load(s + 12 * sStride), m13 = Vector512.Load(s + 13 * sStride), m14 = Vector512.Load(s + 14 * sStride), m15 = Vector512.Load(s + 15 * sStride);

        // Four rounds of interleaving (pairs of floats, of doubles, of 128-bit lanes twice) leave column c in m[c].
        var t0 = Avx512F.UnpackLow(m0, m1); var t1 = Avx512F.UnpackHigh(m0, m1);
        var t2 = Avx512F.UnpackLow(m2, m3); var t3 = Avx512F.UnpackHigh(m2, m3);
        var t4 = Avx512F.UnpackLow(m4, m5); var t5 = Avx512F.UnpackHigh(m4, m5);
        var t6 = Avx512F.UnpackLow(m6, m7); var t7 = Avx512F.UnpackHigh(m6, m7);
        var t8 = Avx512F.UnpackLow(m8, m9); var t9 = Avx512F.UnpackHigh(m8, m9);
        var t10 = Avx512F.UnpackLow(m10, m11); var t11 = Avx512F.UnpackHigh(m10, m11);
        var t12 = Avx512F.UnpackLow(m12, m13); var t13 = Avx512F.UnpackHigh(m12, m13);
        var t14 = Avx512F.UnpackLow(m14, m15); var t15 = Avx512F.UnpackHigh(m14, m15);
        m0 = Avx512F.UnpackLow(t0.AsDouble(), t2.AsDouble()).AsSingle(); m1 = Avx512F.UnpackHigh(t0.AsDouble(), t2.AsDouble()).AsSingle();
        m2 = Avx512F.UnpackLow(t1.AsDouble(), t3.AsDouble()).AsSingle(); m3 = Avx512F.UnpackHigh(t1.AsDouble(), t3.AsDouble()).AsSingle();
        m4 = Avx512F.UnpackLow(t4.AsDouble(), t6.AsDouble()).AsSingle(); m5 = Avx512F.UnpackHigh(t4.AsDouble(), t6.AsDouble()).AsSingle();
        m6 = Avx512F.UnpackLow(t5.AsDouble(), t7.AsDouble()).AsSingle(); m7 = Avx512F.UnpackHigh(t5.AsDouble(), t7.AsDouble()).AsSingle();
        m8 = Avx512F.UnpackLow(t8.AsDouble(), t10.AsDouble()).AsSingle(); m9 = Avx512F.UnpackHigh(t8.AsDouble(), t10.AsDouble()).AsSingle();
        m10 = Avx512F.UnpackLow(t9.AsDouble(), t11.AsDouble()).AsSingle(); m11 = Avx512F.UnpackHigh(t9.AsDouble(), t11.AsDouble()).AsSingle();
        m12 = Avx512F.UnpackLow(t12.AsDouble(), t14.AsDouble()).AsSingle(); m13 = Avx512F.UnpackHigh(t12.AsDouble(), t14.AsDouble()).AsSingle();
        m14 = Avx512F.UnpackLow(t13.AsDouble(), t15.AsDouble()).AsSingle(); m15 = Avx512F.UnpackHigh(t13.AsDouble(), t15.AsDouble()).AsSingle();
        t0 = Avx512F.Shuffle4x128(m0, m4, 0x88); t4 = Avx512F.Shuffle4x128(m0, m4, 0xDD);
        t1 = Avx512F.Shuffle4x128(m1, m5, 0x88); t5 = Avx512F.Shuffle4x128(m1, m5, 0xDD);
        t2 = Avx512F.Shuffle4x128(m2, m6, 0x88); t6 = Avx512F.Shuffle4x128(m2, m6, 0xDD);
        t3 = Avx512F.Shuffle4x128(m3, m7, 0x88); t7 = Avx512F.Shuffle4x128(m3, m7, 0xDD);
        t8 = Avx512F.Shuffle4x128(m8, m12, 0x88); t12 = Avx512F.Shuffle4x128(m8, m12, 0xDD);
        t9 = Avx512F.Shuffle4x128(m9, m13, 0x88); t13 = Avx512F.Shuffle4x128(m9, m13, 0xDD);
        t10 = Avx512F.Shuffle4x128(m10, m14, 0x88); t14 = Avx512F.Shuffle4x128(m10, m14, 0xDD);
        t11 = Avx512F.Shuffle4x128(m11, m15, 0x88); t15 = Avx512F.Shuffle4x128(m11, m15, 0xDD);
        m0 = Avx512F.Shuffle4x128(t0, t8, 0x88); m8 = Avx512F.Shuffle4x128(t0, t8, 0xDD);
        m1 = Avx512F.Shuffle4x128(t1, t9, 0x88); m9 = Avx512F.Shuffle4x128(t1, t9, 0xDD);
        m2 = Avx512F.Shuffle4x128(t2, t10, 0x88); m10 = Avx512F.Shuffle4x128(t2, t10, 0xDD);
        m3 = Avx512F.Shuffle4x128(t3, t11, 0x88); m11 = Avx512F.Shuffle4x128(t3, t11, 0xDD);
        m4 = Avx512F.Shuffle4x128(t4, t12, 0x88); m12 = Avx512F.Shuffle4x128(t4, t12, 0xDD);
        m5 = Avx512F.Shuffle4x128(t5, t13, 0x88); m13 = Avx512F.Shuffle4x128(t5, t13, 0xDD);
        m6 = Avx512F.Shuffle4x128(t6, t14, 0x88); m14 = Avx512F.Shuffle4x128(t6, t14, 0xDD);
        m7 = Avx512F.Shuffle4x128(t7, t15, 0x88); m15 = Avx512F.Shuffle4x128(t7, t15, 0xDD);

        m0.Store(d + 0 * dStride); m1.Store(d + 1 * dStride); m2.Store(d + 2 * dStride); m3.Store(d + 3 * dStride);
        m4.Store(d + 4 * dStride); m5.Store(d + 5 * dStride); m6.Store(d + 6 * dStride); m7.Store(d + 7 * dStride);
        m8.Store(d + 8 * dStride); m9.Store(d + 9 * dStride); m10.Store(d + 10 * dStride); m11.Store(d + 11 * dStride);
        m12.Store(d + 12 * dStride); m13.Store(d + 13 * dStride); m14.Store(d + 14 * dStride); m15.Store(d + 15 * dStride);
    }
}

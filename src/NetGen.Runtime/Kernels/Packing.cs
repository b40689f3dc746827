// Copies planes into the zero-padded, phase-split, channel-major layout the convolution tiles read: with it every tap of
// a strided or padded convolution is a plain offset (no bounds checks, no stride in the inner loops), and the samples of
// a channel follow each other, so a tile runs on from one sample into the next and small planes still fill whole tiles.
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace NetGen.Kernels;

internal static unsafe class Packing
{
    /// <summary>dst[a·s + b][i][j] = src[i·s + a − padTop][j·s + b − padLeft], zero outside src, for a, b &lt; s, i &lt; rows,
    /// j &lt; cols, with phase planes `phaseStride` apart. src [h, w] → dst [s·s, rows, cols]. With s = 1 this is a
    /// zero-padded copy (a negative pad crops).</summary>
    public static void PhaseSplit(float* src, int h, int w, int s, int padTop, int padLeft, int rows, int cols,
        float* dst, long phaseStride, VectorPath path)
    {
        for (int a = 0; a < s; a++)
        for (int b = 0; b < s; b++)
        {
            float* plane = dst + (a * s + b) * phaseStride;
            // Columns j that land inside src: 0 ≤ j·s + b − padLeft < w.
            int jLo = Math.Clamp(CeilDiv(padLeft - b, s), 0, cols);
            int jHi = Math.Clamp(CeilDiv(w + padLeft - b, s), jLo, cols);
            for (int i = 0; i < rows; i++)
            {
                float* d = plane + (long)i * cols;
                int y = i * s + a - padTop;
                if ((uint)y >= (uint)h || jHi == jLo)
                {
                    Clear(d, cols);
                    continue;
                }
                Clear(d, jLo);
                float* row = src + (long)y * w + (jLo * s + b - padLeft);
                if (s == 1)
                    Copy(row, d + jLo, jHi - jLo, path);
                else
                    Gather(row, s, w - (jLo * s + b - padLeft), d + jLo, jHi - jLo, path);
                Clear(d + jHi, cols - jHi);
            }
        }
    }

    /// <summary>d[j] = src[j] for j &lt; count: a row of a small plane is too short to amortize a call to the library's copy.</summary>
    private static void Copy(float* src, float* d, int count, VectorPath path)
    {
        int j = 0;
        if (path == VectorPath.Vector512)
        {
            for (; j + 16 <= count; j += 16) Vector512.Load(src + j).Store(d + j);
            if (j < count)
            {
                var mask = Vector512.LessThan(Vector512<int>.Indices, Vector512.Create(count - j)).AsSingle();
                Avx512F.MaskStore(d + j, mask, Avx512F.MaskLoad(src + j, mask, Vector512<float>.Zero));
            }
            return;
        }
        if (path == VectorPath.Vector256)
            for (; j + 8 <= count; j += 8) Vector256.Load(src + j).Store(d + j);
        for (; j < count; j++) d[j] = src[j];
    }

    /// <summary>d[j] = row[j·s] for j &lt; count, reading no further than row[available − 1]. Stride 2 (the common one)
    /// takes the even lanes of two vectors at a time.</summary>
    private static void Gather(float* row, int s, int available, float* d, int count, VectorPath path)
    {
        int j = 0;
        if (s == 2 && path == VectorPath.Vector512)
        {
            var evens = Vector512.Create(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
            for (; j + 16 <= count && 2 * j + 32 <= available; j += 16)
                Avx512F.PermuteVar16x32x2(Vector512.Load(row + 2 * j), evens, Vector512.Load(row + 2 * j + 16)).Store(d + j);
        }
        else if (s == 2 && path == VectorPath.Vector256 && Avx2.IsSupported)
        {
            var evensFirst = Vector256.Create(0, 2, 4, 6, 1, 3, 5, 7);
            for (; j + 8 <= count && 2 * j + 16 <= available; j += 8)
            {
                var lo = Avx2.PermuteVar8x32(Vector256.Load(row + 2 * j), evensFirst);
                var hi = Avx2.PermuteVar8x32(Vector256.Load(row + 2 * j + 8), evensFirst);
                Avx2.Permute2x128(lo, hi, 0x20).Store(d + j);
            }
        }
        for (; j < count; j++) d[j] = row[(long)j * s];
    }

    public static void Clear(float* d, long count)
    {
        // The few padding columns of a row are cleared inline: a call to the library's clear costs more than they do.
        if (count <= 16)
            for (long i = 0; i < count; i++) d[i] = 0f;
        else
            new Span<float>(d, checked((int)count)).Clear();
    }

    /// <summary>⌈a / b⌉ for b &gt; 0 and any sign of a.</summary>
    public static int CeilDiv(int a, int b) => a >= 0 ? (a + b - 1) / b : -(-a / b);
}

/// <summary>Packs x [N, channels, h, w] in parallel into [channel][phase][N][rows][cols] (PhaseSplit per plane): channels
/// `ChannelStride` apart, phases `PhaseStride` apart, samples rows·cols apart. The gap after a channel's last plane, up to
/// the next channel, is zero-filled. With RowCopies r &gt; 1 (stride 1 only) channel c fills packed channels c·r + u for
/// u &lt; r, the u-th copy starting u rows further down the padded input.</summary>
internal unsafe struct PackJob : IParallelJob
{
    public VectorPath Path;
    public float* Source;
    public int Batch, Channels, H, W, Stride, PadTop, PadLeft, Rows, Cols;
    public float* Destination;
    public long ChannelStride, PhaseStride;
    public int RowCopies;

    public void Execute(int task, int worker)
    {
        int c = task / Batch, n = task % Batch, copies = Math.Max(1, RowCopies);
        long plane = (long)Rows * Cols;
        float* source = Source + ((long)n * Channels + c) * H * W;
        for (int u = 0; u < copies; u++)
        {
            long channel = (long)c * copies + u;
            Packing.PhaseSplit(source, H, W, Stride, PadTop - u, PadLeft, Rows, Cols,
                Destination + channel * ChannelStride + n * plane, PhaseStride, Path);
            if (n == Batch - 1)
            {
                float* end = Destination + channel * ChannelStride + (Stride * Stride - 1) * PhaseStride + Batch * plane;
                Packing.Clear(end, Destination + (channel + 1) * ChannelStride - end);
            }
        }
    }
}

// Register tiles of the weight gradient vectorized over A's channels: A is read position-major (a vector of channels per
// position), each tap of B is broadcast, and every accumulator lane is one whole dw entry, so nothing is left to reduce.
// The wide Vector512 tile keeps 24 accumulators (4 vectors of channels × 6 taps), the narrow one 12 (1 × 12 taps).
using System.Runtime.Intrinsics;

namespace NetGen.Kernels;

internal enum ByChannelTile { Wide512, Narrow512, Vector256, Scalar }

internal static unsafe class WeightGradientByChannelTiles
{
    /// <summary>The tile a path takes for aC channels: the wide one only where it computes no more padding channels than the
    /// narrow one.</summary>
    public static ByChannelTile Pick(VectorPath path, int aC) => path switch
    {
        VectorPath.Vector512 => RoundUp(aC, 64) == RoundUp(aC, 16) ? ByChannelTile.Wide512 : ByChannelTile.Narrow512,
        VectorPath.Vector256 => ByChannelTile.Vector256,
        _ => ByChannelTile.Scalar,
    };

    /// <summary>Channels of A per tile (the transposed A's rows are padded to a multiple of it).</summary>
    public static int Channels(ByChannelTile tile) => tile switch
    {
        ByChannelTile.Wide512 => 64,
        ByChannelTile.Narrow512 => 16,
        ByChannelTile.Vector256 => 16,
        _ => 4,
    };

    /// <summary>Taps of B per tile.</summary>
    public static int Taps(ByChannelTile tile) => tile switch
    {
        ByChannelTile.Wide512 => 6,
        ByChannelTile.Narrow512 => 12,
        ByChannelTile.Vector256 => 6,
        _ => 2,
    };

    public static int RoundUp(int value, int multiple) => (value + multiple - 1) / multiple * multiple;

    /// <summary>acc[t·accStride + j] += Σ_{r, c} at[(r·cols + c)·aStride + j]·b[r·bRowStride + c + taps[t]] over r &lt; rows,
    /// c &lt; cols. at: position-major A, its tile's channels first; b: B's grid at the first position; acc: [Taps][Channels]
    /// rows accStride apart.</summary>
    public static void Run(ByChannelTile tile, float* at, int aStride, float* b, int bRowStride, int* taps, int rows, int cols, float* acc, int accStride)
    {
        switch (tile)
        {
            case ByChannelTile.Wide512: Wide512(at, aStride, b, bRowStride, taps, rows, cols, acc, accStride); break;
            case ByChannelTile.Narrow512: Narrow512(at, aStride, b, bRowStride, taps, rows, cols, acc, accStride); break;
            case ByChannelTile.Vector256: Tile256(at, aStride, b, bRowStride, taps, rows, cols, acc, accStride); break;
            default: TileScalar(at, aStride, b, bRowStride, taps, rows, cols, acc, accStride); break;
        }
    }

    private static void Wide512(float* at, int aStride, float* b, int bRowStride, int* taps, int rows, int cols, float* acc, int accStride)
    {
        nint s = accStride;
        Vector512<float> c00 = Vector512.Load(acc), c10 = Vector512.Load(acc + 16), c20 = Vector512.Load(acc + 32), c30 = Vector512.Load(acc + 48);
        Vector512<float> c01 = Vector512.Load(acc + s), c11 = Vector512.Load(acc + s + 16), c21 = Vector512.Load(acc + s + 32), c31 = Vector512.Load(acc + s + 48);
        Vector512<float> c02 = Vector512.Load(acc + 2 * s), c12 = Vector512.Load(acc + 2 * s + 16), c22 = Vector512.Load(acc + 2 * s + 32), c32 = Vector512.Load(acc + 2 * s + 48);
        Vector512<float> c03 = Vector512.Load(acc + 3 * s), c13 = Vector512.Load(acc + 3 * s + 16), c23 = Vector512.Load(acc + 3 * s + 32), c33 = Vector512.Load(acc + 3 * s + 48);
        Vector512<float> c04 = Vector512.Load(acc + 4 * s), c14 = Vector512.Load(acc + 4 * s + 16), c24 = Vector512.Load(acc + 4 * s + 32), c34 = Vector512.Load(acc + 4 * s + 48);
        Vector512<float> c05 = Vector512.Load(acc + 5 * s), c15 = Vector512.Load(acc + 5 * s + 16), c25 = Vector512.Load(acc + 5 * s + 32), c35 = Vector512.Load(acc + 5 * s + 48);
        nint o0 = taps[0], o1 = taps[1], o2 = taps[2], o3 = taps[3], o4 = taps[4], o5 = taps[5];
        for (int r = 0; r < rows; r++)
        {
            float* ap = at + (nint)r * cols * aStride;
            float* bp = b + (nint)r * bRowStride;
            float* bEnd = bp + cols;
            for (; bp < bEnd; bp++, ap += aStride)
            {
                Vector512<float> x0 = Vector512.Load(ap), x1 = Vector512.Load(ap + 16), x2 = Vector512.Load(ap + 32), x3 = Vector512.Load(ap + 48);
                Vector512<float> v = Vector512.Create(bp[o0]);
                c00 = Vector512.FusedMultiplyAdd(x0, v, c00); c10 = Vector512.FusedMultiplyAdd(x1, v, c10); c20 = Vector512.FusedMultiplyAdd(x2, v, c20); c30 = Vector512.FusedMultiplyAdd(x3, v, c30);
                v = Vector512.Create(bp[o1]);
                c01 = Vector512.FusedMultiplyAdd(x0, v, c01); c11 = Vector512.FusedMultiplyAdd(x1, v, c11); c21 = Vector512.FusedMultiplyAdd(x2, v, c21); c31 = Vector512.FusedMultiplyAdd(x3, v, c31);
                v = Vector512.Create(bp[o2]);
                c02 = Vector512.FusedMultiplyAdd(x0, v, c02); c12 = Vector512.FusedMultiplyAdd(x1, v, c12); c22 = Vector512.FusedMultiplyAdd(x2, v, c22); c32 = Vector512.FusedMultiplyAdd(x3, v, c32);
                v = Vector512.Create(bp[o3]);
                c03 = Vector512.FusedMultiplyAdd(x0, v, c03); c13 = Vector512.FusedMultiplyAdd(x1, v, c13); c23 = Vector512.FusedMultiplyAdd(x2, v, c23); c33 = Vector512.FusedMultiplyAdd(x3, v, c33);
                v = Vector512.Create(bp[o4]);
                c04 = Vector512.FusedMultiplyAdd(x0, v, c04); c14 = Vector512.FusedMultiplyAdd(x1, v, c14); c24 = Vector512.FusedMultiplyAdd(x2, v, c24); c34 = Vector512.FusedMultiplyAdd(x3, v, c34);
                v = Vector512.Create(bp[o5]);
                c05 = Vector512.FusedMultiplyAdd(x0, v, c05); c15 = Vector512.FusedMultiplyAdd(x1, v, c15); c25 = Vector512.FusedMultiplyAdd(x2, v, c25); c35 = Vector512.FusedMultiplyAdd(x3, v, c35);
            }
        }
        c00.Store(acc); c10.Store(acc + 16); c20.Store(acc + 32); c30.Store(acc + 48);
        c01.Store(acc + s); c11.Store(acc + s + 16); c21.Store(acc + s + 32); c31.Store(acc + s + 48);
        c02.Store(acc + 2 * s); c12.Store(acc + 2 * s + 16); c22.Store(acc + 2 * s + 32); c32.Store(acc + 2 * s + 48);
        c03.Store(acc + 3 * s); c13.Store(acc + 3 * s + 16); c23.Store(acc + 3 * s + 32); c33.Store(acc + 3 * s + 48);
        c04.Store(acc + 4 * s); c14.Store(acc + 4 * s + 16); c24.Store(acc + 4 * s + 32); c34.Store(acc + 4 * s + 48);
        c05.Store(acc + 5 * s); c15.Store(acc + 5 * s + 16); c25.Store(acc + 5 * s + 32); c35.Store(acc + 5 * s + 48);
    }

    private static void Narrow512(float* at, int aStride, float* b, int bRowStride, int* taps, int rows, int cols, float* acc, int accStride)
    {
        nint s = accStride;
        Vector512<float> c0 = Vector512.Load(acc), c1 = Vector512.Load(acc + s), c2 = Vector512.Load(acc + 2 * s), c3 = Vector512.Load(acc + 3 * s);
        Vector512<float> c4 = Vector512.Load(acc + 4 * s), c5 = Vector512.Load(acc + 5 * s), c6 = Vector512.Load(acc + 6 * s), c7 = Vector512.Load(acc + 7 * s);
        Vector512<float> c8 = Vector512.Load(acc + 8 * s), c9 = Vector512.Load(acc + 9 * s), c10 = Vector512.Load(acc + 10 * s), c11 = Vector512.Load(acc + 11 * s);
        nint o0 = taps[0], o1 = taps[1], o2 = taps[2], o3 = taps[3], o4 = taps[4], o5 = taps[5];
        nint o6 = taps[6], o7 = taps[7], o8 = taps[8], o9 = taps[9], o10 = taps[10], o11 = taps[11];
        for (int r = 0; r < rows; r++)
        {
            float* ap = at + (nint)r * cols * aStride;
            float* bp = b + (nint)r * bRowStride;
            float* bEnd = bp + cols;
            for (; bp < bEnd; bp++, ap += aStride)
            {
                Vector512<float> x = Vector512.Load(ap);
                c0 = Vector512.FusedMultiplyAdd(x, Vector512.Create(bp[o0]), c0);
                c1 = Vector512.FusedMultiplyAdd(x, Vector512.Create(bp[o1]), c1);
                c2 = Vector512.FusedMultiplyAdd(x, Vector512.Create(bp[o2]), c2);
                c3 = Vector512.FusedMultiplyAdd(x, Vector512.Create(bp[o3]), c3);
                c4 = Vector512.FusedMultiplyAdd(x, Vector512.Create(bp[o4]), c4);
                c5 = Vector512.FusedMultiplyAdd(x, Vector512.Create(bp[o5]), c5);
                c6 = Vector512.FusedMultiplyAdd(x, Vector512.Create(bp[o6]), c6);
                c7 = Vector512.FusedMultiplyAdd(x, Vector512.Create(bp[o7]), c7);
                c8 = Vector512.FusedMultiplyAdd(x, Vector512.Create(bp[o8]), c8);
                c9 = Vector512.FusedMultiplyAdd(x, Vector512.Create(bp[o9]), c9);
                c10 = Vector512.FusedMultiplyAdd(x, Vector512.Create(bp[o10]), c10);
                c11 = Vector512.FusedMultiplyAdd(x, Vector512.Create(bp[o11]), c11);
            }
        }
        c0.Store(acc); c1.Store(acc + s); c2.Store(acc + 2 * s); c3.Store(acc + 3 * s);
        c4.Store(acc + 4 * s); c5.Store(acc + 5 * s); c6.Store(acc + 6 * s); c7.Store(acc + 7 * s);
        c8.Store(acc + 8 * s); c9.Store(acc + 9 * s); c10.Store(acc + 10 * s); c11.Store(acc + 11 * s);
    }

    private static void Tile256(float* at, int aStride, float* b, int bRowStride, int* taps, int rows, int cols, float* acc, int accStride)
    {
        nint s = accStride;
        Vector256<float> c00 = Vector256.Load(acc), c10 = Vector256.Load(acc + 8), c01 = Vector256.Load(acc + s), c11 = Vector256.Load(acc + s + 8);
        Vector256<float> c02 = Vector256.Load(acc + 2 * s), c12 = Vector256.Load(acc + 2 * s + 8), c03 = Vector256.Load(acc + 3 * s), c13 = Vector256.Load(acc + 3 * s + 8);
        Vector256<float> c04 = Vector256.Load(acc + 4 * s), c14 = Vector256.Load(acc + 4 * s + 8), c05 = Vector256.Load(acc + 5 * s), c15 = Vector256.Load(acc + 5 * s + 8);
        nint o0 = taps[0], o1 = taps[1], o2 = taps[2], o3 = taps[3], o4 = taps[4], o5 = taps[5];
        for (int r = 0; r < rows; r++)
        {
            float* ap = at + (nint)r * cols * aStride;
            float* bp = b + (nint)r * bRowStride;
            float* bEnd = bp + cols;
            for (; bp < bEnd; bp++, ap += aStride)
            {
                Vector256<float> x0 = Vector256.Load(ap), x1 = Vector256.Load(ap + 8);
                Vector256<float> v = Vector256.Create(bp[o0]);
                c00 = Vector256.FusedMultiplyAdd(x0, v, c00); c10 = Vector256.FusedMultiplyAdd(x1, v, c10);
                v = Vector256.Create(bp[o1]);
                c01 = Vector256.FusedMultiplyAdd(x0, v, c01); c11 = Vector256.FusedMultiplyAdd(x1, v, c11);
                v = Vector256.Create(bp[o2]);
                c02 = Vector256.FusedMultiplyAdd(x0, v, c02); c12 = Vector256.FusedMultiplyAdd(x1, v, c12);
                v = Vector256.Create(bp[o3]);
                c03 = Vector256.FusedMultiplyAdd(x0, v, c03); c13 = Vector256.FusedMultiplyAdd(x1, v, c13);
                v = Vector256.Create(bp[o4]);
                c04 = Vector256.FusedMultiplyAdd(x0, v, c04); c14 = Vector256.FusedMultiplyAdd(x1, v, c14);
                v = Vector256.Create(bp[o5]);
                c05 = Vector256.FusedMultiplyAdd(x0, v, c05); c15 = Vector256.FusedMultiplyAdd(x1, v, c15);
            }
        }
        c00.Store(acc); c10.Store(acc + 8); c01.Store(acc + s); c11.Store(acc + s + 8);
        c02.Store(acc + 2 * s); c12.Store(acc + 2 * s + 8); c03.Store(acc + 3 * s); c13.Store(acc + 3 * s + 8);
        c04.Store(acc + 4 * s); c14.Store(acc + 4 * s + 8); c05.Store(acc + 5 * s); c15.Store(acc + 5 * s + 8);
    }

    private static void TileScalar(float* at, int aStride, float* b, int bRowStride, int* taps, int rows, int cols, float* acc, int accStride)
    {
        float* acc1 = acc + accStride;
        float c00 = acc[0], c10 = acc[1], c20 = acc[2], c30 = acc[3], c01 = acc1[0], c11 = acc1[1], c21 = acc1[2], c31 = acc1[3];
        nint o0 = taps[0], o1 = taps[1];
        for (int r = 0; r < rows; r++)
        {
            float* ap = at + (nint)r * cols * aStride;
            float* bp = b + (nint)r * bRowStride;
            for (int c = 0; c < cols; c++, ap += aStride)
            {
                float x0 = ap[0], x1 = ap[1], x2 = ap[2], x3 = ap[3], v0 = bp[c + o0], v1 = bp[c + o1];
                c00 = Simd.Mad(x0, v0, c00); c10 = Simd.Mad(x1, v0, c10); c20 = Simd.Mad(x2, v0, c20); c30 = Simd.Mad(x3, v0, c30);
                c01 = Simd.Mad(x0, v1, c01); c11 = Simd.Mad(x1, v1, c11); c21 = Simd.Mad(x2, v1, c21); c31 = Simd.Mad(x3, v1, c31);
            }
        }
        acc[0] = c00; acc[1] = c10; acc[2] = c20; acc[3] = c30; acc1[0] = c01; acc1[1] = c11; acc1[2] = c21; acc1[3] = c31;
    }
}

// Register tiles of the weight gradient: 4 channels of A × a block of taps of B, accumulated along rows of positions
// into vector lanes (each lane sums every 16th position of a row; lanes are added up once, at the end of a task). A is
// read in place, row by row, its last vector of a row masked; B on its padded grid. The Vector512 tile keeps 24
// accumulators, 4 vectors of A and 1 of B in the 32 zmm registers.
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace NetGen.Kernels;

internal static unsafe class WeightGradientTiles
{
    /// <summary>Channels of A per tile.</summary>
    public const int Channels = 4;

    /// <summary>Taps per tile.</summary>
    public static int Taps(VectorPath path) => path == VectorPath.Vector512 ? 6 : 2;

    /// <summary>Positions summed per accumulator lane.</summary>
    public static int Lanes(VectorPath path) => path switch
    {
        VectorPath.Vector512 => 16,
        VectorPath.Vector256 => 8,
        _ => 1,
    };

    /// <summary>acc[j][t][lane] += Σ_{r, c} a_j[r·aRow + c]·b[r·bRow + c + taps[t]] over r &lt; rows, c &lt; cols,
    /// c ≡ lane mod Lanes. a0..a3: rows of A, aRow apart; b: B's grid, read up to a vector past each row's end;
    /// taps: [Taps]; acc: [4, Taps, Lanes].</summary>
    public static void Run(VectorPath path, float* a0, float* a1, float* a2, float* a3, nint aRow, float* b, nint bRow,
        int* taps, int rows, int cols, float* acc)
    {
        switch (path)
        {
            case VectorPath.Vector512: Tile512(a0, a1, a2, a3, aRow, b, bRow, taps, rows, cols, acc); break;
            case VectorPath.Vector256: Tile256(a0, a1, a2, a3, aRow, b, bRow, taps, rows, cols, acc); break;
            default: TileScalar(a0, a1, a2, a3, aRow, b, bRow, taps, rows, cols, acc); break;
        }
    }

    private static void Tile512(float* a0, float* a1, float* a2, float* a3, nint aRow, float* b, nint bRow, int* taps, int rows, int cols, float* acc)
    {
        Vector512<float> c00 = Vector512.Load(acc), c01 = Vector512.Load(acc + 16), c02 = Vector512.Load(acc + 32), c03 = Vector512.Load(acc + 48), c04 = Vector512.Load(acc + 64), c05 = Vector512.Load(acc + 80);
        Vector512<float> c10 = Vector512.Load(acc + 96), c11 = Vector512.Load(acc + 112), c12 = Vector512.Load(acc + 128), c13 = Vector512.Load(acc + 144), c14 = Vector512.Load(acc + 160), c15 = Vector512.Load(acc + 176);
        Vector512<float> c20 = Vector512.Load(acc + 192), c21 = Vector512.Load(acc + 208), c22 = Vector512.Load(acc + 224), c23 = Vector512.Load(acc + 240), c24 = Vector512.Load(acc + 256), c25 = Vector512.Load(acc + 272);
        Vector512<float> c30 = Vector512.Load(acc + 288), c31 = Vector512.Load(acc + 304), c32 = Vector512.Load(acc + 320), c33 = Vector512.Load(acc + 336), c34 = Vector512.Load(acc + 352), c35 = Vector512.Load(acc + 368);
        nint o0 = taps[0], o1 = taps[1], o2 = taps[2], o3 = taps[3], o4 = taps[4], o5 = taps[5];
        for (nint r = 0; r < rows; r++, a0 += aRow, a1 += aRow, a2 += aRow, a3 += aRow, b += bRow)
        for (nint q = 0; q < cols; q += 16)
        {
            Vector512<float> x0, x1, x2, x3;
            if (q + 16 <= cols)
            {
                x0 = Vector512.Load(a0 + q); x1 = Vector512.Load(a1 + q); x2 = Vector512.Load(a2 + q); x3 = Vector512.Load(a3 + q);
            }
            else
            {
                // Past the row's end A reads as zero, so B's values there add nothing. (A mask computed in every
                // iteration costs 8% on a 64-channel 1×1 kernel.)
                var m = Vector512.LessThan(Vector512<int>.Indices, Vector512.Create((int)(cols - q))).AsSingle();
                x0 = Avx512F.MaskLoad(a0 + q, m, default); x1 = Avx512F.MaskLoad(a1 + q, m, default);
                x2 = Avx512F.MaskLoad(a2 + q, m, default); x3 = Avx512F.MaskLoad(a3 + q, m, default);
            }
            float* bq = b + q;
            Vector512<float> v = Vector512.Load(bq + o0);
            c00 = Vector512.FusedMultiplyAdd(x0, v, c00); c10 = Vector512.FusedMultiplyAdd(x1, v, c10); c20 = Vector512.FusedMultiplyAdd(x2, v, c20); c30 = Vector512.FusedMultiplyAdd(x3, v, c30);
            v = Vector512.Load(bq + o1);
            c01 = Vector512.FusedMultiplyAdd(x0, v, c01); c11 = Vector512.FusedMultiplyAdd(x1, v, c11); c21 = Vector512.FusedMultiplyAdd(x2, v, c21); c31 = Vector512.FusedMultiplyAdd(x3, v, c31);
            v = Vector512.Load(bq + o2);
            c02 = Vector512.FusedMultiplyAdd(x0, v, c02); c12 = Vector512.FusedMultiplyAdd(x1, v, c12); c22 = Vector512.FusedMultiplyAdd(x2, v, c22); c32 = Vector512.FusedMultiplyAdd(x3, v, c32);
            v = Vector512.Load(bq + o3);
            c03 = Vector512.FusedMultiplyAdd(x0, v, c03); c13 = Vector512.FusedMultiplyAdd(x1, v, c13); c23 = Vector512.FusedMultiplyAdd(x2, v, c23); c33 = Vector512.FusedMultiplyAdd(x3, v, c33);
            v = Vector512.Load(bq + o4);
            c04 = Vector512.FusedMultiplyAdd(x0, v, c04); c14 = Vector512.FusedMultiplyAdd(x1, v, c14); c24 = Vector512.FusedMultiplyAdd(x2, v, c24); c34 = Vector512.FusedMultiplyAdd(x3, v, c34);
            v = Vector512.Load(bq + o5);
            c05 = Vector512.FusedMultiplyAdd(x0, v, c05); c15 = Vector512.FusedMultiplyAdd(x1, v, c15); c25 = Vector512.FusedMultiplyAdd(x2, v, c25); c35 = Vector512.FusedMultiplyAdd(x3, v, c35);
        }
        c00.Store(acc); c01.Store(acc + 16); c02.Store(acc + 32); c03.Store(acc + 48); c04.Store(acc + 64); c05.Store(acc + 80);
        c10.Store(acc + 96); c11.Store(acc + 112); c12.Store(acc + 128); c13.Store(acc + 144); c14.Store(acc + 160); c15.Store(acc + 176);
        c20.Store(acc + 192); c21.Store(acc + 208); c22.Store(acc + 224); c23.Store(acc + 240); c24.Store(acc + 256); c25.Store(acc + 272);
        c30.Store(acc + 288); c31.Store(acc + 304); c32.Store(acc + 320); c33.Store(acc + 336); c34.Store(acc + 352); c35.Store(acc + 368);
    }

    private static void Tile256(float* a0, float* a1, float* a2, float* a3, nint aRow, float* b, nint bRow, int* taps, int rows, int cols, float* acc)
    {
        Vector256<float> c00 = Vector256.Load(acc), c01 = Vector256.Load(acc + 8);
        Vector256<float> c10 = Vector256.Load(acc + 16), c11 = Vector256.Load(acc + 24);
        Vector256<float> c20 = Vector256.Load(acc + 32), c21 = Vector256.Load(acc + 40);
        Vector256<float> c30 = Vector256.Load(acc + 48), c31 = Vector256.Load(acc + 56);
        nint o0 = taps[0], o1 = taps[1];
        for (nint r = 0; r < rows; r++, a0 += aRow, a1 += aRow, a2 += aRow, a3 += aRow, b += bRow)
        for (nint q = 0; q < cols; q += 8)
        {
            Vector256<float> x0, x1, x2, x3;
            if (q + 8 <= cols)
            {
                x0 = Vector256.Load(a0 + q); x1 = Vector256.Load(a1 + q); x2 = Vector256.Load(a2 + q); x3 = Vector256.Load(a3 + q);
            }
            else
            {
                var m = Vector256.LessThan(Vector256<int>.Indices, Vector256.Create((int)(cols - q))).AsSingle();
                x0 = Avx.MaskLoad(a0 + q, m); x1 = Avx.MaskLoad(a1 + q, m); x2 = Avx.MaskLoad(a2 + q, m); x3 = Avx.MaskLoad(a3 + q, m);
            }
            float* bq = b + q;
            Vector256<float> v = Vector256.Load(bq + o0);
            c00 = Vector256.FusedMultiplyAdd(x0, v, c00); c10 = Vector256.FusedMultiplyAdd(x1, v, c10); c20 = Vector256.FusedMultiplyAdd(x2, v, c20); c30 = Vector256.FusedMultiplyAdd(x3, v, c30);
            v = Vector256.Load(bq + o1);
            c01 = Vector256.FusedMultiplyAdd(x0, v, c01); c11 = Vector256.FusedMultiplyAdd(x1, v, c11); c21 = Vector256.FusedMultiplyAdd(x2, v, c21); c31 = Vector256.FusedMultiplyAdd(x3, v, c31);
        }
        c00.Store(acc); c01.Store(acc + 8);
        c10.Store(acc + 16); c11.Store(acc + 24);
        c20.Store(acc + 32); c21.Store(acc + 40);
        c30.Store(acc + 48); c31.Store(acc + 56);
    }

    private static void TileScalar(float* a0, float* a1, float* a2, float* a3, nint aRow, float* b, nint bRow, int* taps, int rows, int cols, float* acc)
    {
        float c00 = acc[0], c01 = acc[1], c10 = acc[2], c11 = acc[3], c20 = acc[4], c21 = acc[5], c30 = acc[6], c31 = acc[7];
        float* b0 = b + taps[0];
        float* b1 = b + taps[1];
        for (nint r = 0; r < rows; r++, a0 += aRow, a1 += aRow, a2 += aRow, a3 += aRow, b0 += bRow, b1 += bRow)
        for (nint q = 0; q < cols; q++)
        {
            float x0 = a0[q], x1 = a1[q], x2 = a2[q], x3 = a3[q], v0 = b0[q], v1 = b1[q];
            c00 = Simd.Mad(x0, v0, c00); c01 = Simd.Mad(x0, v1, c01);
            c10 = Simd.Mad(x1, v0, c10); c11 = Simd.Mad(x1, v1, c11);
            c20 = Simd.Mad(x2, v0, c20); c21 = Simd.Mad(x2, v1, c21);
            c30 = Simd.Mad(x3, v0, c30); c31 = Simd.Mad(x3, v1, c31);
        }
        acc[0] = c00; acc[1] = c01; acc[2] = c10; acc[3] = c11; acc[4] = c20; acc[5] = c21; acc[6] = c30; acc[7] = c31;
    }
}

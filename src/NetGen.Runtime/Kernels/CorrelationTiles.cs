// Register tiles of the convolution engine: 4 output channels × a run of grid positions, accumulated over every tap.
// One tile per instruction-set path; the Vector512 tile keeps 24 accumulators, 4 broadcast weights and 1 input vector
// in the 32 zmm registers. Taps stay a loop (not unrolled) so the JIT neither spills nor re-broadcasts weights.
// Weights are read in place, one row per output channel, at each tap's weight index: no per-call repacking.
// A layer with a single output channel (a first layer's input gradient) takes a one-channel tile, wider instead,
// which spends no multiply-adds on the 3 channels a 4-channel tile would drop; it adds the taps in the same order.
// A two-class classifier takes a two-channel tile of the same width (Vector512 only) for the same reason.
// Rows of 16, 32 or 48 outputs take Grid512 instead: the same 4 channels over whole rows (6 × 16, 3 × 32 or 2 × 48
// outputs, fewer rows for a band's last tile), which skips the padding columns a run of grid positions also computes.
// The Vector512 tiles hand their accumulators to a sink, inlined per sink type: into a tile in memory, or (PlacedSink)
// straight into the output, which saves small tiles a pass through memory.
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace NetGen.Kernels;

internal static unsafe class CorrelationTiles
{
    /// <summary>Output channels per tile.</summary>
    public const int Channels = 4;

    /// <summary>Grid positions per tile: 6 vectors of 16, 2 of 8, or 2 scalars.</summary>
    public static int Width(VectorPath path) => path switch
    {
        VectorPath.Vector512 => 96,
        VectorPath.Vector256 => 16,
        _ => 2,
    };

    /// <summary>tile[j][p] = Σ_t w_j[weights[t]]·input[taps[t] + p] for j &lt; 4, p &lt; Width.
    /// input: [.., taps + Width]; w0..w3: the weight rows of the tile's 4 output channels; tile: [4, Width].</summary>
    public static void Run(VectorPath path, float* input, int* taps, int* weights, int tapCount, float* w0, float* w1, float* w2, float* w3, float* tile)
    {
        switch (path)
        {
            case VectorPath.Vector512: Tile512(input, taps, weights, tapCount, w0, w1, w2, w3, tile); break;
            case VectorPath.Vector256: Tile256(input, taps, weights, tapCount, w0, w1, w2, w3, tile); break;
            default: TileScalar(input, taps, weights, tapCount, w0, w1, w2, w3, tile); break;
        }
    }

    /// <summary>Grid positions per one-channel tile: 12 vectors of 16, 8 of 8, or 8 scalars.</summary>
    public static int SingleWidth(VectorPath path) => path switch
    {
        VectorPath.Vector512 => 192,
        VectorPath.Vector256 => 64,
        _ => 8,
    };

    /// <summary>tile[p] = Σ_t w0[weights[t]]·input[taps[t] + p] for p &lt; SingleWidth. input: [.., taps + SingleWidth].</summary>
    public static void RunSingle(VectorPath path, float* input, int* taps, int* weights, int tapCount, float* w0, float* tile)
    {
        switch (path)
        {
            case VectorPath.Vector512: Single512(input, taps, weights, tapCount, w0, tile); break;
            case VectorPath.Vector256: Single256(input, taps, weights, tapCount, w0, tile); break;
            default: SingleScalar(input, taps, weights, tapCount, w0, tile); break;
        }
    }

    // 12 accumulators of 16 positions; each tap is 1 broadcast, 12 loads and 12 multiply-adds. A tile twice as wide would
    // read 3 rows × 16 input channels × 1.5 KB per tile, more than the L1 cache holds.
    private static void Single512(float* input, int* taps, int* weights, int tapCount, float* w0, float* tile)
    {
        var sink = new MemorySink { Tile = tile, Width = 192 };
        Single512(input, taps, weights, tapCount, w0, ref sink);
    }

    /// <summary>Vector512 only: the one-channel tile of RunSingle, stored straight from its registers by `sink` (channel 0).</summary>
    public static void Single512<TSink>(float* input, int* taps, int* weights, int tapCount, float* w0, ref TSink sink)
        where TSink : struct, ITileSink
    {
        Vector512<float> a0 = sink.Initial(0), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0;
        Vector512<float> a6 = a0, a7 = a0, a8 = a0, a9 = a0, a10 = a0, a11 = a0;
        for (int t = 0; t < tapCount; t++)
        {
            float* x = input + taps[t];
            Vector512<float> b = Vector512.Create(w0[weights[t]]);
            a0 = Vector512.FusedMultiplyAdd(Vector512.Load(x), b, a0); a1 = Vector512.FusedMultiplyAdd(Vector512.Load(x + 16), b, a1);
            a2 = Vector512.FusedMultiplyAdd(Vector512.Load(x + 32), b, a2); a3 = Vector512.FusedMultiplyAdd(Vector512.Load(x + 48), b, a3);
            a4 = Vector512.FusedMultiplyAdd(Vector512.Load(x + 64), b, a4); a5 = Vector512.FusedMultiplyAdd(Vector512.Load(x + 80), b, a5);
            a6 = Vector512.FusedMultiplyAdd(Vector512.Load(x + 96), b, a6); a7 = Vector512.FusedMultiplyAdd(Vector512.Load(x + 112), b, a7);
            a8 = Vector512.FusedMultiplyAdd(Vector512.Load(x + 128), b, a8); a9 = Vector512.FusedMultiplyAdd(Vector512.Load(x + 144), b, a9);
            a10 = Vector512.FusedMultiplyAdd(Vector512.Load(x + 160), b, a10); a11 = Vector512.FusedMultiplyAdd(Vector512.Load(x + 176), b, a11);
        }
        sink.Put(0, 0, a0); sink.Put(0, 1, a1); sink.Put(0, 2, a2); sink.Put(0, 3, a3); sink.Put(0, 4, a4); sink.Put(0, 5, a5);
        sink.Put(0, 6, a6); sink.Put(0, 7, a7); sink.Put(0, 8, a8); sink.Put(0, 9, a9); sink.Put(0, 10, a10); sink.Put(0, 11, a11);
    }

    /// <summary>Vector512 only: two output channels × 12 vectors of 16 positions, for layers with two output channels (a
    /// two-class classifier), where the 4-channel tile would spend half its multiply-adds on channels it drops.</summary>
    public static void Pair512<TSink>(float* input, int* taps, int* weights, int tapCount, float* w0, float* w1, ref TSink sink)
        where TSink : struct, ITileSink
    {
        Vector512<float> a0 = sink.Initial(0), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0;
        Vector512<float> a6 = a0, a7 = a0, a8 = a0, a9 = a0, a10 = a0, a11 = a0;
        Vector512<float> c0 = sink.Initial(1), c1 = c0, c2 = c0, c3 = c0, c4 = c0, c5 = c0;
        Vector512<float> c6 = c0, c7 = c0, c8 = c0, c9 = c0, c10 = c0, c11 = c0;
        for (int t = 0; t < tapCount; t++)
        {
            float* x = input + taps[t];
            int wi = weights[t];
            Vector512<float> b = Vector512.Create(w0[wi]), d = Vector512.Create(w1[wi]);
            Vector512<float> v = Vector512.Load(x); a0 = Vector512.FusedMultiplyAdd(v, b, a0); c0 = Vector512.FusedMultiplyAdd(v, d, c0);
            v = Vector512.Load(x + 16); a1 = Vector512.FusedMultiplyAdd(v, b, a1); c1 = Vector512.FusedMultiplyAdd(v, d, c1);
            v = Vector512.Load(x + 32); a2 = Vector512.FusedMultiplyAdd(v, b, a2); c2 = Vector512.FusedMultiplyAdd(v, d, c2);
            v = Vector512.Load(x + 48); a3 = Vector512.FusedMultiplyAdd(v, b, a3); c3 = Vector512.FusedMultiplyAdd(v, d, c3);
            v = Vector512.Load(x + 64); a4 = Vector512.FusedMultiplyAdd(v, b, a4); c4 = Vector512.FusedMultiplyAdd(v, d, c4);
            v = Vector512.Load(x + 80); a5 = Vector512.FusedMultiplyAdd(v, b, a5); c5 = Vector512.FusedMultiplyAdd(v, d, c5);
            v = Vector512.Load(x + 96); a6 = Vector512.FusedMultiplyAdd(v, b, a6); c6 = Vector512.FusedMultiplyAdd(v, d, c6);
            v = Vector512.Load(x + 112); a7 = Vector512.FusedMultiplyAdd(v, b, a7); c7 = Vector512.FusedMultiplyAdd(v, d, c7);
            v = Vector512.Load(x + 128); a8 = Vector512.FusedMultiplyAdd(v, b, a8); c8 = Vector512.FusedMultiplyAdd(v, d, c8);
            v = Vector512.Load(x + 144); a9 = Vector512.FusedMultiplyAdd(v, b, a9); c9 = Vector512.FusedMultiplyAdd(v, d, c9);
            v = Vector512.Load(x + 160); a10 = Vector512.FusedMultiplyAdd(v, b, a10); c10 = Vector512.FusedMultiplyAdd(v, d, c10);
            v = Vector512.Load(x + 176); a11 = Vector512.FusedMultiplyAdd(v, b, a11); c11 = Vector512.FusedMultiplyAdd(v, d, c11);
        }
        sink.Put(0, 0, a0); sink.Put(0, 1, a1); sink.Put(0, 2, a2); sink.Put(0, 3, a3); sink.Put(0, 4, a4); sink.Put(0, 5, a5);
        sink.Put(0, 6, a6); sink.Put(0, 7, a7); sink.Put(0, 8, a8); sink.Put(0, 9, a9); sink.Put(0, 10, a10); sink.Put(0, 11, a11);
        sink.Put(1, 0, c0); sink.Put(1, 1, c1); sink.Put(1, 2, c2); sink.Put(1, 3, c3); sink.Put(1, 4, c4); sink.Put(1, 5, c5);
        sink.Put(1, 6, c6); sink.Put(1, 7, c7); sink.Put(1, 8, c8); sink.Put(1, 9, c9); sink.Put(1, 10, c10); sink.Put(1, 11, c11);
    }

    private static void Single256(float* input, int* taps, int* weights, int tapCount, float* w0, float* tile)
    {
        Vector256<float> a0 = default, a1 = default, a2 = default, a3 = default, a4 = default, a5 = default, a6 = default, a7 = default;
        for (int t = 0; t < tapCount; t++)
        {
            float* x = input + taps[t];
            Vector256<float> b = Vector256.Create(w0[weights[t]]);
            a0 = Vector256.FusedMultiplyAdd(Vector256.Load(x), b, a0); a1 = Vector256.FusedMultiplyAdd(Vector256.Load(x + 8), b, a1);
            a2 = Vector256.FusedMultiplyAdd(Vector256.Load(x + 16), b, a2); a3 = Vector256.FusedMultiplyAdd(Vector256.Load(x + 24), b, a3);
            a4 = Vector256.FusedMultiplyAdd(Vector256.Load(x + 32), b, a4); a5 = Vector256.FusedMultiplyAdd(Vector256.Load(x + 40), b, a5);
            a6 = Vector256.FusedMultiplyAdd(Vector256.Load(x + 48), b, a6); a7 = Vector256.FusedMultiplyAdd(Vector256.Load(x + 56), b, a7);
        }
        a0.Store(tile); a1.Store(tile + 8); a2.Store(tile + 16); a3.Store(tile + 24);
        a4.Store(tile + 32); a5.Store(tile + 40); a6.Store(tile + 48); a7.Store(tile + 56);
    }

    private static void SingleScalar(float* input, int* taps, int* weights, int tapCount, float* w0, float* tile)
    {
        float a0 = 0, a1 = 0, a2 = 0, a3 = 0, a4 = 0, a5 = 0, a6 = 0, a7 = 0;
        for (int t = 0; t < tapCount; t++)
        {
            float* x = input + taps[t];
            float b = w0[weights[t]];
            a0 = Simd.Mad(x[0], b, a0); a1 = Simd.Mad(x[1], b, a1); a2 = Simd.Mad(x[2], b, a2); a3 = Simd.Mad(x[3], b, a3);
            a4 = Simd.Mad(x[4], b, a4); a5 = Simd.Mad(x[5], b, a5); a6 = Simd.Mad(x[6], b, a6); a7 = Simd.Mad(x[7], b, a7);
        }
        tile[0] = a0; tile[1] = a1; tile[2] = a2; tile[3] = a3; tile[4] = a4; tile[5] = a5; tile[6] = a6; tile[7] = a7;
    }

    private static void Tile512(float* input, int* taps, int* weights, int tapCount, float* w0, float* w1, float* w2, float* w3, float* tile)
    {
        var sink = new MemorySink { Tile = tile, Width = 96 };
        Tile512(input, taps, weights, tapCount, w0, w1, w2, w3, ref sink);
    }

    /// <summary>Vector512 only: the tile of Run, stored straight from its registers by `sink`.</summary>
    public static void Tile512<TSink>(float* input, int* taps, int* weights, int tapCount, float* w0, float* w1, float* w2, float* w3, ref TSink sink)
        where TSink : struct, ITileSink
    {
        Vector512<float> a00 = sink.Initial(0), a01 = a00, a02 = a00, a03 = a00, a04 = a00, a05 = a00;
        Vector512<float> a10 = sink.Initial(1), a11 = a10, a12 = a10, a13 = a10, a14 = a10, a15 = a10;
        Vector512<float> a20 = sink.Initial(2), a21 = a20, a22 = a20, a23 = a20, a24 = a20, a25 = a20;
        Vector512<float> a30 = sink.Initial(3), a31 = a30, a32 = a30, a33 = a30, a34 = a30, a35 = a30;
        for (int t = 0; t < tapCount; t++)
        {
            float* x = input + taps[t];
            int wi = weights[t];
            Vector512<float> b0 = Vector512.Create(w0[wi]), b1 = Vector512.Create(w1[wi]), b2 = Vector512.Create(w2[wi]), b3 = Vector512.Create(w3[wi]);
            Vector512<float> v = Vector512.Load(x);
            a00 = Vector512.FusedMultiplyAdd(v, b0, a00); a10 = Vector512.FusedMultiplyAdd(v, b1, a10); a20 = Vector512.FusedMultiplyAdd(v, b2, a20); a30 = Vector512.FusedMultiplyAdd(v, b3, a30);
            v = Vector512.Load(x + 16);
            a01 = Vector512.FusedMultiplyAdd(v, b0, a01); a11 = Vector512.FusedMultiplyAdd(v, b1, a11); a21 = Vector512.FusedMultiplyAdd(v, b2, a21); a31 = Vector512.FusedMultiplyAdd(v, b3, a31);
            v = Vector512.Load(x + 32);
            a02 = Vector512.FusedMultiplyAdd(v, b0, a02); a12 = Vector512.FusedMultiplyAdd(v, b1, a12); a22 = Vector512.FusedMultiplyAdd(v, b2, a22); a32 = Vector512.FusedMultiplyAdd(v, b3, a32);
            v = Vector512.Load(x + 48);
            a03 = Vector512.FusedMultiplyAdd(v, b0, a03); a13 = Vector512.FusedMultiplyAdd(v, b1, a13); a23 = Vector512.FusedMultiplyAdd(v, b2, a23); a33 = Vector512.FusedMultiplyAdd(v, b3, a33);
            v = Vector512.Load(x + 64);
            a04 = Vector512.FusedMultiplyAdd(v, b0, a04); a14 = Vector512.FusedMultiplyAdd(v, b1, a14); a24 = Vector512.FusedMultiplyAdd(v, b2, a24); a34 = Vector512.FusedMultiplyAdd(v, b3, a34);
            v = Vector512.Load(x + 80);
            a05 = Vector512.FusedMultiplyAdd(v, b0, a05); a15 = Vector512.FusedMultiplyAdd(v, b1, a15); a25 = Vector512.FusedMultiplyAdd(v, b2, a25); a35 = Vector512.FusedMultiplyAdd(v, b3, a35);
        }
        sink.Put(0, 0, a00); sink.Put(0, 1, a01); sink.Put(0, 2, a02); sink.Put(0, 3, a03); sink.Put(0, 4, a04); sink.Put(0, 5, a05);
        sink.Put(1, 0, a10); sink.Put(1, 1, a11); sink.Put(1, 2, a12); sink.Put(1, 3, a13); sink.Put(1, 4, a14); sink.Put(1, 5, a15);
        sink.Put(2, 0, a20); sink.Put(2, 1, a21); sink.Put(2, 2, a22); sink.Put(2, 3, a23); sink.Put(2, 4, a24); sink.Put(2, 5, a25);
        sink.Put(3, 0, a30); sink.Put(3, 1, a31); sink.Put(3, 2, a32); sink.Put(3, 3, a33); sink.Put(3, 4, a34); sink.Put(3, 5, a35);
    }

    /// <summary>Vector512 only: the 4-channel tile over a grid of whole output rows: TShape.Rows rows of TShape.Vectors
    /// vectors of 16 columns, vector m = (m / Vectors, m % Vectors) loading input[taps[t] + row·cols + 16·column]. For rows
    /// of 16, 32 or 48 outputs, where the 96 consecutive grid positions of Tile512 would also compute the k − 1 padding
    /// columns of every row and, at a band's end, positions past it. Same sums in the same order as Tile512.</summary>
    public static void Grid512<TShape, TSink>(float* input, int cols, int* taps, int* weights, int tapCount, float* w0, float* w1, float* w2, float* w3, ref TSink sink)
        where TShape : struct, IGridShape where TSink : struct, ITileSink
    {
        int m = TShape.Rows * TShape.Vectors;
        Vector512<float> a00 = sink.Initial(0), a01 = a00, a02 = a00, a03 = a00, a04 = a00, a05 = a00;
        Vector512<float> a10 = sink.Initial(1), a11 = a10, a12 = a10, a13 = a10, a14 = a10, a15 = a10;
        Vector512<float> a20 = sink.Initial(2), a21 = a20, a22 = a20, a23 = a20, a24 = a20, a25 = a20;
        Vector512<float> a30 = sink.Initial(3), a31 = a30, a32 = a30, a33 = a30, a34 = a30, a35 = a30;
        // Pointers instead of an index and a count: a 6-row tile has two bases and cols live, one integer register more.
        for (int* tap = taps, end = taps + tapCount, weight = weights; tap < end; tap++, weight++)
        {
            float* x = input + *tap;
            // Rows 3 to 5 from a second base, so every load is a base plus cols, 2·cols or nothing, plus a constant.
            float* y = TShape.Rows > 3 ? x + 3 * cols : x;
            int wi = *weight;
            Vector512<float> b0 = Vector512.Create(w0[wi]), b1 = Vector512.Create(w1[wi]), b2 = Vector512.Create(w2[wi]), b3 = Vector512.Create(w3[wi]);
            Fma4(Vector512.Load(At<TShape>(x, y, cols, 0)), b0, b1, b2, b3, ref a00, ref a10, ref a20, ref a30);
            if (m > 1) Fma4(Vector512.Load(At<TShape>(x, y, cols, 1)), b0, b1, b2, b3, ref a01, ref a11, ref a21, ref a31);
            if (m > 2) Fma4(Vector512.Load(At<TShape>(x, y, cols, 2)), b0, b1, b2, b3, ref a02, ref a12, ref a22, ref a32);
            if (m > 3) Fma4(Vector512.Load(At<TShape>(x, y, cols, 3)), b0, b1, b2, b3, ref a03, ref a13, ref a23, ref a33);
            if (m > 4) Fma4(Vector512.Load(At<TShape>(x, y, cols, 4)), b0, b1, b2, b3, ref a04, ref a14, ref a24, ref a34);
            if (m > 5) Fma4(Vector512.Load(At<TShape>(x, y, cols, 5)), b0, b1, b2, b3, ref a05, ref a15, ref a25, ref a35);
        }
        sink.Put(0, 0, a00); sink.Put(1, 0, a10); sink.Put(2, 0, a20); sink.Put(3, 0, a30);
        if (m > 1) { sink.Put(0, 1, a01); sink.Put(1, 1, a11); sink.Put(2, 1, a21); sink.Put(3, 1, a31); }
        if (m > 2) { sink.Put(0, 2, a02); sink.Put(1, 2, a12); sink.Put(2, 2, a22); sink.Put(3, 2, a32); }
        if (m > 3) { sink.Put(0, 3, a03); sink.Put(1, 3, a13); sink.Put(2, 3, a23); sink.Put(3, 3, a33); }
        if (m > 4) { sink.Put(0, 4, a04); sink.Put(1, 4, a14); sink.Put(2, 4, a24); sink.Put(3, 4, a34); }
        if (m > 5) { sink.Put(0, 5, a05); sink.Put(1, 5, a15); sink.Put(2, 5, a25); sink.Put(3, 5, a35); }
    }

    // c_j += v·b_j for the tile's 4 channels: one input vector, its 4 broadcast weights.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Fma4(Vector512<float> v, Vector512<float> b0, Vector512<float> b1, Vector512<float> b2, Vector512<float> b3,
        ref Vector512<float> c0, ref Vector512<float> c1, ref Vector512<float> c2, ref Vector512<float> c3)
    {
        c0 = Vector512.FusedMultiplyAdd(v, b0, c0);
        c1 = Vector512.FusedMultiplyAdd(v, b1, c1);
        c2 = Vector512.FusedMultiplyAdd(v, b2, c2);
        c3 = Vector512.FusedMultiplyAdd(v, b3, c3);
    }

    // Vector m of a grid tile: row r = m / Vectors from x (r < 3) or y = x + 3·cols, column block m % Vectors.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float* At<TShape>(float* x, float* y, int cols, int m) where TShape : struct, IGridShape
    {
        int r = m / TShape.Vectors, c = 16 * (m % TShape.Vectors);
        return r switch
        {
            0 => x + c,
            1 => x + cols + c,
            2 => x + 2 * cols + c,
            3 => y + c,
            4 => y + cols + c,
            _ => y + 2 * cols + c,
        };
    }

    private static void Tile256(float* input, int* taps, int* weights, int tapCount, float* w0, float* w1, float* w2, float* w3, float* tile)
    {
        Vector256<float> a00 = default, a01 = default;
        Vector256<float> a10 = default, a11 = default;
        Vector256<float> a20 = default, a21 = default;
        Vector256<float> a30 = default, a31 = default;
        for (int t = 0; t < tapCount; t++)
        {
            float* x = input + taps[t];
            int wi = weights[t];
            Vector256<float> b0 = Vector256.Create(w0[wi]), b1 = Vector256.Create(w1[wi]), b2 = Vector256.Create(w2[wi]), b3 = Vector256.Create(w3[wi]);
            Vector256<float> v = Vector256.Load(x);
            a00 = Vector256.FusedMultiplyAdd(v, b0, a00); a10 = Vector256.FusedMultiplyAdd(v, b1, a10); a20 = Vector256.FusedMultiplyAdd(v, b2, a20); a30 = Vector256.FusedMultiplyAdd(v, b3, a30);
            v = Vector256.Load(x + 8);
            a01 = Vector256.FusedMultiplyAdd(v, b0, a01); a11 = Vector256.FusedMultiplyAdd(v, b1, a11); a21 = Vector256.FusedMultiplyAdd(v, b2, a21); a31 = Vector256.FusedMultiplyAdd(v, b3, a31);
        }
        a00.Store(tile); a01.Store(tile + 8);
        a10.Store(tile + 16); a11.Store(tile + 24);
        a20.Store(tile + 32); a21.Store(tile + 40);
        a30.Store(tile + 48); a31.Store(tile + 56);
    }

    private static void TileScalar(float* input, int* taps, int* weights, int tapCount, float* w0, float* w1, float* w2, float* w3, float* tile)
    {
        float a00 = 0, a01 = 0, a10 = 0, a11 = 0, a20 = 0, a21 = 0, a30 = 0, a31 = 0;
        for (int t = 0; t < tapCount; t++)
        {
            float* x = input + taps[t];
            int wi = weights[t];
            float x0 = x[0], x1 = x[1];
            float b0 = w0[wi], b1 = w1[wi], b2 = w2[wi], b3 = w3[wi];
            a00 = Simd.Mad(x0, b0, a00); a01 = Simd.Mad(x1, b0, a01);
            a10 = Simd.Mad(x0, b1, a10); a11 = Simd.Mad(x1, b1, a11);
            a20 = Simd.Mad(x0, b2, a20); a21 = Simd.Mad(x1, b2, a21);
            a30 = Simd.Mad(x0, b3, a30); a31 = Simd.Mad(x1, b3, a31);
        }
        tile[0] = a00; tile[1] = a01; tile[2] = a10; tile[3] = a11;
        tile[4] = a20; tile[5] = a21; tile[6] = a30; tile[7] = a31;
    }
}

/// <summary>Gives a Vector512 tile's accumulators their starting value and takes each one's result, (channel, vector);
/// calls are inlined with constant arguments.</summary>
internal interface ITileSink
{
    Vector512<float> Initial(int channel);
    void Put(int channel, int vector, Vector512<float> value);
}

/// <summary>tile[channel·Width + 16·vector ..] = value, accumulated from zero.</summary>
internal unsafe struct MemorySink : ITileSink
{
    public float* Tile;
    public int Width;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public readonly Vector512<float> Initial(int channel) => default;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public readonly void Put(int channel, int vector, Vector512<float> value) => value.Store(Tile + channel * Width + 16 * vector);
}

/// <summary>tile[channel·Width + 16·vector ..] += value: a later block of a sum's terms.</summary>
internal unsafe struct AddingSink : ITileSink
{
    public float* Tile;
    public int Width;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public readonly Vector512<float> Initial(int channel) => default;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public readonly void Put(int channel, int vector, Vector512<float> value)
    {
        float* at = Tile + channel * Width + 16 * vector;
        (Vector512.Load(at) + value).Store(at);
    }
}

/// <summary>Accumulates channel j from its bias and stores its vector m (clamped at zero when Relu) at output j through
/// placement m; channels from Channels on are dropped.</summary>
internal unsafe struct PlacedSink : ITileSink
{
    public float* Output0, Output1, Output2, Output3;
    public float Bias0, Bias1, Bias2, Bias3;
    public VectorPlacement* Placements;
    public int Channels;
    public bool Relu;
    /// <summary>Where set, the gate tensor lies GateShift floats from the output (same layout): see CorrelationStore.PutGated.</summary>
    public bool Gated;
    public long GateShift;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public readonly Vector512<float> Initial(int channel) => TileChannel.Bias(channel, Bias0, Bias1, Bias2, Bias3);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public readonly void Put(int channel, int vector, Vector512<float> value)
    {
        if (channel >= Channels) return;
        float* output = TileChannel.Of(channel, Output0, Output1, Output2, Output3);
        value = TileChannel.ReLU(value, Relu);
        if (Gated) CorrelationStore.PutGated(value, output, GateShift, Placements + vector);
        else CorrelationStore.Put(value, output, Placements + vector);
    }
}

/// <summary>What the 4-channel tiles' sinks pick per channel (constant after inlining).</summary>
internal static unsafe class TileChannel
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Bias(int channel, float b0, float b1, float b2, float b3) =>
        Vector512.Create(channel == 0 ? b0 : channel == 1 ? b1 : channel == 2 ? b2 : b3);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float* Of(int channel, float* p0, float* p1, float* p2, float* p3) =>
        channel == 0 ? p0 : channel == 1 ? p1 : channel == 2 ? p2 : p3;

    /// <summary>vmaxps(v, 0) is the scalar ReLU's v &gt; 0 ? v : 0 (NaN gives 0), in one instruction where Vector512.Max takes three.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> ReLU(Vector512<float> value, bool relu) => relu ? Avx512F.Max(value, Vector512<float>.Zero) : value;
}

/// <summary>Adds a tile's 4 output channels into a classifier's logits: channel j's vector m, clamped at zero when Relu,
/// times the channel's weight for class c, into Logits[c·Stride + 16·m] (which hold the logits so far for the tile's
/// positions); channels from Channels on are dropped. The tile's accumulators start at the channels' biases.</summary>
internal unsafe struct ClassifySink : ITileSink
{
    /// <summary>Classes the logits buffer has room for; more go through a stored band (Pointwise.RunBand).</summary>
    public const int MaxClasses = 16;
    /// <summary>Floats per class in the logits buffer: the 6 vectors of the widest 4-channel tile.</summary>
    public const int Stride = 96;

    public float* Logits;
    public float* W0, W1, W2, W3;
    public int Classes, ClassStride, Channels;
    public float Bias0, Bias1, Bias2, Bias3;
    public bool Relu;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public readonly Vector512<float> Initial(int channel) => TileChannel.Bias(channel, Bias0, Bias1, Bias2, Bias3);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public readonly void Put(int channel, int vector, Vector512<float> value)
    {
        if (channel >= Channels) return;
        float* w = TileChannel.Of(channel, W0, W1, W2, W3);
        value = TileChannel.ReLU(value, Relu);
        float* logits = Logits + 16 * vector;
        for (int c = 0; c < Classes; c++, w += ClassStride, logits += Stride)
            Vector512.FusedMultiplyAdd(value, Vector512.Create(*w), Vector512.Load(logits)).Store(logits);
    }
}

/// <summary>A grid tile's shape (CorrelationTiles.Grid512): Rows output rows × Vectors vectors of 16 columns, at most 6 vectors.</summary>
internal interface IGridShape
{
    static abstract int Rows { get; }
    static abstract int Vectors { get; }
}

internal struct Grid6x1 : IGridShape { public static int Rows => 6; public static int Vectors => 1; }
internal struct Grid5x1 : IGridShape { public static int Rows => 5; public static int Vectors => 1; }
internal struct Grid4x1 : IGridShape { public static int Rows => 4; public static int Vectors => 1; }
internal struct Grid3x1 : IGridShape { public static int Rows => 3; public static int Vectors => 1; }
internal struct Grid2x1 : IGridShape { public static int Rows => 2; public static int Vectors => 1; }
internal struct Grid1x1 : IGridShape { public static int Rows => 1; public static int Vectors => 1; }
internal struct Grid3x2 : IGridShape { public static int Rows => 3; public static int Vectors => 2; }
internal struct Grid2x2 : IGridShape { public static int Rows => 2; public static int Vectors => 2; }
internal struct Grid1x2 : IGridShape { public static int Rows => 1; public static int Vectors => 2; }
internal struct Grid2x3 : IGridShape { public static int Rows => 2; public static int Vectors => 3; }
internal struct Grid1x3 : IGridShape { public static int Rows => 1; public static int Vectors => 3; }

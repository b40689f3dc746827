// The band engine's Winograd path (see Winograd): a band of whole 2×2 tiles is packed as for the direct tiles, then its
// transformed input is made once per thread; each block of 4 output channels runs its 16 products on the 4-channel grid
// tiles (tiles of outputs in the lanes, 16 per vector), a chunk of up to 96 tiles at a time, and stores the chunk's
// output tiles from the products. 5×5 and 7×7 layers run Winograd along rows the same way (TransformBandRows,
// RunWinogradRows), with WinogradRows.Forward's planes, whose terms are (input channel, kernel row).
using System.Numerics;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace NetGen.Kernels;

internal unsafe partial struct CorrelationBandJob
{
    /// <summary>The band's transformed input, [ξ][input channel][tile] in this thread's buffer, from its packed rows.</summary>
    private readonly void TransformBand(float* packed, int rows, Workspace own, float* scratch)
    {
        if (Winograd4x4)
        {
            float* transformed4 = own.Get<float>(ScratchSlot.ThreadTransformedInput, Winograd4.Planes * ProductStride);
            Winograd4.TransformInput(packed, InC, (long)(rows + K - 1) * Cols, Cols, rows / 4, OutW / 4, transformed4, TransformedStride,
                ProductStride, scratch + Winograd4.ProductFloats);
            return;
        }
        float* transformed = own.Get<float>(ScratchSlot.ThreadTransformedInput, 16 * ProductStride);
        Winograd.TransformInput(packed, InC, (long)(rows + K - 1) * Cols, Cols, rows / 2, OutW / 2, transformed, TransformedStride, ProductStride);
    }

    /// <summary>FromPlanes: the band's transformed input (as TransformBand's) read from sample n's input planes.</summary>
    private readonly void TransformPlanes(int n, int y0, int rows, Workspace own, float* scratch)
    {
        float* transformed4 = own.Get<float>(ScratchSlot.ThreadTransformedInput, Winograd4.Planes * ProductStride);
        long plane = (long)InH * InW;
        Winograd4.TransformInput(Input + n * InC * plane, plane, InH, InW, y0, InC, rows / 4, transformed4, TransformedStride, ProductStride,
            scratch + Winograd4.ProductFloats);
    }

    /// <summary>FromPlanes: the largest |input| the band reads (its rows and the one above and below), for ReLUCheck.Tau.</summary>
    private readonly float PlanesMax(int n, int y0, int rows)
    {
        int from = Math.Max(0, y0 - 1), to = Math.Min(InH, y0 + rows + 1);
        long plane = (long)InH * InW;
        float max = 0;
        for (int i = 0; i < InC; i++)
            max = Math.Max(max, ReLUCheck.MaxAbs(Input + (n * InC + i) * plane + (long)from * InW, (long)(to - from) * InW));
        return max;
    }

    /// <summary>Output channel blocks [cbStart, cbEnd) of the band (rows y0 .. y0 + rows − 1 of sample n) by Winograd, to the
    /// output or, with a pool or classifier after the layer, to the band buffer.</summary>
    private readonly void RunWinograd(int n, int y0, int rows, int cbStart, int cbEnd, int worker, Workspace own, float* products,
        float* bandOut)
    {
        int planes = Winograd4x4 ? Winograd4.Planes : 16, tile = Winograd4x4 ? 4 : 2;
        float* transformed = own.Get<float>(ScratchSlot.ThreadTransformedInput, planes * ProductStride);
        long weightFloats = (long)planes * InC;
        // Tiles of 4×4 read the weights the call transformed before its bands (RowsWeights); 2×2 transform a block's on first use.
        float* u = Winograd4x4 ? RowsWeights : own.Get<float>(ScratchSlot.ThreadTransformedWeights, weightFloats * 4 * CoBlocks);
        float* outputScratch = products + Winograd4.ProductFloats;
        int tw = OutW / tile, tiles = rows / tile * tw, vectors = (tiles + 15) / 16;
        // A checked ReLU's flagged outputs (ReLUCheck), summed again from the band's input.
        var flagged = stackalloc int[TapSums != null ? ReLUCheck.Capacity : 0];
        var flags = new ReLUCheck.Flags(flagged);
        float bandMax = TapSums != null ? BandMax[worker] : 0;
        int repaired = 0;
        // Chunks outermost: a chunk's transformed input (the products × input channels × 96 tiles) stays in L2 while every
        // channel block reads it.
        for (int chunk = 0; chunk < vectors; chunk += 6)
        {
            int count = Math.Min(6, vectors - chunk);
            float* input = transformed + 16 * chunk;
            for (int cb = cbStart; cb < cbEnd; cb++)
            {
                if (!Winograd4x4 && WinogradMarks[worker * CoBlocks + cb] == 0)
                {
                    Winograd.TransformWeights(Weights, Flip, cb, OutC, InC, u);
                    WinogradMarks[worker * CoBlocks + cb] = 1;
                }
                float* w0 = u + 4 * cb * weightFloats, w1 = w0 + weightFloats, w2 = w1 + weightFloats, w3 = w2 + weightFloats;
                for (int xi = 0; xi < planes; xi++)
                {
                    var sink = new MemorySink { Tile = products + xi * 4 * Winograd.ChunkTiles, Width = Winograd.ChunkTiles };
                    Winograd.Products(count, input + xi * ProductStride, Taps, WeightIndex, InC, w0 + xi, w1 + xi, w2 + xi, w3 + xi, ref sink);
                }
                for (int j = 0; j < 4; j++)
                {
                    int o = cb * 4 + j;
                    if (o >= OutC) break;
                    float* dst = Dest(n, y0, o, bandOut);
                    float* gate = Gate == null || bandOut != null ? null : Gate + (dst - Output);
                    float tau = TapSums != null ? ReLUCheck.Tau(TapSums[o], bandMax) : 0;
                    for (int m = 0; m < count; m++)
                        if (Winograd4x4)
                        {
                            int near = Winograd4.StoreOutput(products + j * Winograd.ChunkTiles + 16 * m, 4 * Winograd.ChunkTiles, 16 * (chunk + m),
                                tw, BiasOf(o), Relu, dst, gate, outputScratch, tau, flags);
                            if (near > 0) repaired += Repair(own, n, y0, rows, o, dst, flags, near);
                        }
                        else
                            Winograd.StoreOutput(products + j * Winograd.ChunkTiles + 16 * m, 4 * Winograd.ChunkTiles, 16 * (chunk + m), tiles,
                                tw, BiasOf(o), Relu, dst, gate);
                }
            }
        }
        if (repaired > 0) Interlocked.Add(ref ReLUCheck.Repaired, repaired);
    }

    /// <summary>Stores the flagged outputs of channel o (ReLUCheck) from their sums in float64 (Exact).</summary>
    private readonly int Repair(Workspace own, int n, int y0, int rows, int o, float* dst, ReLUCheck.Flags flags, int count)
    {
        var window = stackalloc float[FromPlanes ? InC * 9 + 16 : 0];
        for (int f = 0; f < count; f++)
        {
            int offset = flags.Offsets[f];
            dst[offset] = Exact(own, n, y0, rows, o, offset / OutW, offset % OutW, window);
        }
        return count;
    }

    /// <summary>Output (band row r, column c) of channel o, ReLU applied, from its sum in float64 over the band's packed input,
    /// or with FromPlanes over its 3×3 windows copied from sample n's planes into `window` (zeros outside).</summary>
    private readonly float Exact(Workspace own, int n, int y0, int rows, int o, int r, int c, float* window)
    {
        float exact;
        if (FromPlanes)
        {
            long plane = (long)InH * InW;
            ReLUCheck.Window(Input + n * InC * plane, plane, InH, InW, InC, y0 + r, c, window);
            exact = (float)ReLUCheck.Exact(window, 9, 3, InC, Weights, o, Flip, 0, 0, BiasOf(o));
        }
        else
        {
            float* packed = own.Get<float>(ScratchSlot.ThreadInput, BandFloats);
            exact = (float)ReLUCheck.Exact(packed, (long)(rows + K - 1) * Cols, Cols, InC, Weights, o, Flip, r, c, BiasOf(o));
        }
        return Relu ? Math.Max(exact, 0f) : exact;
    }

    /// <summary>A checked training forward's fused 2×2 pool (ReLUCheck): in channels [first, end) of the band buffer, every
    /// window whose two largest values are positive and within twice tau of each other (the tiles' rounding could order them
    /// either way) has its four values summed again in float64 before PoolBand picks the argmax; then ties are float64's, and
    /// the first of equal values wins as everywhere. 16 windows per vector: columns split even/odd from two rows.</summary>
    private readonly void CheckWindows(Workspace own, int n, int y0, int rows, int first, int end, float* bandOut, int worker)
    {
        var even = Vector512.Create(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
        var odd = Vector512.Create(1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31);
        var window = stackalloc float[FromPlanes ? InC * 9 + 16 : 0];
        int repaired = 0;
        for (int o = first; o < end; o++)
        {
            var tau = Vector512.Create(2 * ReLUCheck.Tau(TapSums[o], BandMax[worker]));
            float* plane = bandOut + o * BandPlane;
            for (int r = 0; r + 1 < rows; r += 2)
            for (int c = 0; c < OutW; c += 32)
            {
                float* top = plane + (long)r * OutW + c, bottom = top + OutW;
                Vector512<float> t0 = Vector512.Load(top), t1 = Vector512.Load(top + 16);
                Vector512<float> b0 = Vector512.Load(bottom), b1 = Vector512.Load(bottom + 16);
                var p = Avx512F.PermuteVar16x32x2(t0, even, t1);
                var q = Avx512F.PermuteVar16x32x2(t0, odd, t1);
                var u = Avx512F.PermuteVar16x32x2(b0, even, b1);
                var v = Avx512F.PermuteVar16x32x2(b0, odd, b1);
                Vector512<float> hiTop = Vector512.Max(p, q), loTop = Vector512.Min(p, q);
                Vector512<float> hiBottom = Vector512.Max(u, v), loBottom = Vector512.Min(u, v);
                var largest = Vector512.Max(hiTop, hiBottom);
                var second = Vector512.Max(Vector512.Max(loTop, loBottom), Vector512.Min(hiTop, hiBottom));
                var near = Vector512.GreaterThan(second, Vector512<float>.Zero) & Vector512.LessThan(largest - second, tau);
                for (uint bits = (uint)near.ExtractMostSignificantBits(); bits != 0; bits &= bits - 1)
                {
                    int col = c + 2 * BitOperations.TrailingZeroCount(bits);
                    for (int dr = 0; dr < 2; dr++)
                    for (int dc = 0; dc < 2; dc++)
                        plane[(long)(r + dr) * OutW + col + dc] = Exact(own, n, y0, rows, o, r + dr, col + dc, window);
                    repaired++;
                }
            }
        }
        if (repaired > 0) Interlocked.Add(ref ReLUCheck.WindowsRepaired, repaired);
    }

    /// <summary>Most terms (input channel, kernel row) a product sums before the next block of 4 channels reads the same
    /// transformed rows: 112 terms × 6 vectors is 43 KB, about L1, where all 448 of a 64-channel 7×7 layer (172 KB) came from L2
    /// for every block (Grid6x1 alone, one thread: 97 % of peak on 112 terms in L1, 92 % on 448 from L2). SegNet180x240 on the
    /// Intel VM, alternated: train step 238–240 → 226–229 ms with blocks of 64, 220–224 with 112 (28: 236–238, 48–128 alike,
    /// 224: 232–246); inference 75–79 → 69–71 ms with 112.</summary>
    private const int MaxTermBlock = 112;

    private readonly WinogradRows.PlaneSet RowsSet => WinogradRows.SetFor(K, RowTiles);

    /// <summary>The band's transformed rows (RowsSet's planes), [ξ][input channel][packed row][tile] in this
    /// thread's buffer.</summary>
    private readonly void TransformBandRows(float* packed, int rows, Workspace own)
    {
        var set = RowsSet;
        float* transformed = own.Get<float>(ScratchSlot.ThreadTransformedInput, set.Count * ProductStride);
        WinogradRows.TransformInput(set, packed, InC, (long)(rows + K - 1) * Cols, Cols, rows + K - 1, OutW / set.Outputs, transformed,
            TransformedStride, ProductStride);
    }

    /// <summary>Output channel blocks [cbStart, cbEnd) of the band by rows (see WinogradRows), with the weights the call
    /// transformed before its bands (RowsWeights). Per chunk of 96 tiles, each plane's product runs for every block before the
    /// next plane: its slice of the transformed input (input channels × K rows × the chunk) stays in L2 while the blocks read
    /// it, a block of terms at a time (MaxTermBlock) in L1. The chunk's products of all the group's channels are kept
    /// (planes × channels × 96 floats), then stored as output tiles.</summary>
    private readonly void RunWinogradRows(int n, int y0, int rows, int cbStart, int cbEnd, Workspace own, float* products,
        float* bandOut)
    {
        var set = RowsSet;
        int planes = set.Count, terms = InC * K;
        float* transformed = own.Get<float>(ScratchSlot.ThreadTransformedInput, planes * ProductStride);
        long xiWeights = (long)CoBlocks * 4 * terms;
        float* u = RowsWeights;
        int tw = OutW / set.Outputs, tiles = rows * tw, vectors = (tiles + 15) / 16, channels = (cbEnd - cbStart) * 4;
        long productStride = (long)channels * Winograd.ChunkTiles;
        // The terms in equal blocks: the first stored, the others added (AddingSink).
        int termBlocks = (terms + MaxTermBlock - 1) / MaxTermBlock, termBlock = (terms + termBlocks - 1) / termBlocks;
        for (int chunk = 0; chunk < vectors; chunk += 6)
        {
            int count = Math.Min(6, vectors - chunk);
            for (int xi = 0; xi < planes; xi++)
            {
                float* input = transformed + xi * ProductStride + 16 * chunk;
                for (int t0 = 0; t0 < terms; t0 += termBlock)
                {
                    int length = Math.Min(termBlock, terms - t0);
                    for (int cb = cbStart; cb < cbEnd; cb++)
                    {
                        float* w0 = u + xi * xiWeights + 4L * cb * terms, w1 = w0 + terms, w2 = w1 + terms, w3 = w2 + terms;
                        float* tile = products + xi * productStride + (cb - cbStart) * 4 * Winograd.ChunkTiles;
                        if (t0 == 0)
                        {
                            var sink = new MemorySink { Tile = tile, Width = Winograd.ChunkTiles };
                            Winograd.Products(count, input, Taps, WeightIndex, length, w0, w1, w2, w3, ref sink);
                        }
                        else
                        {
                            var sink = new AddingSink { Tile = tile, Width = Winograd.ChunkTiles };
                            Winograd.Products(count, input, Taps + t0, WeightIndex + t0, length, w0, w1, w2, w3, ref sink);
                        }
                    }
                }
            }
            for (int c = 0; c < channels; c++)
            {
                int o = cbStart * 4 + c;
                if (o >= OutC) break;
                float* dst = Dest(n, y0, o, bandOut);
                float* gate = Gate == null || bandOut != null ? null : Gate + (dst - Output);
                for (int m = 0; m < count; m++)
                    WinogradRows.StoreOutput(set, products + c * Winograd.ChunkTiles + 16 * m, productStride, 16 * (chunk + m), tiles, tw,
                        BiasOf(o), Relu, dst, gate);
            }
        }
    }
}

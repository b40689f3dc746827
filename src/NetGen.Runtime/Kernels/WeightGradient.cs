// The engine behind every convolution's weight gradient: dw[a, b, ky, kx] += Σ A[a]·shifted B[b] over samples and
// positions. B is packed like the correlation engine's input, so every tap is one offset from a position of A, which is
// read in place row by row (a 1×1 kernel reads B in place too). Tasks own disjoint (channel block, tap block) sets and
// sum in a fixed order: race-free, and independent of the thread count. Where A's channels fill whole vectors,
// WeightGradientByChannel vectorizes over them instead of over positions (see ByChannelPays).
namespace NetGen.Kernels;

internal static unsafe class WeightGradient
{
    /// <summary>dw[a, b, ky, kx] += Σ_{n, r, c} A[n, a, r, c]·B[n, b, r·s − p + ky, c·s − p + kx] (zero padding).
    /// A [N, aC, aH, aW], B [N, bC, bH, bW] → dw [aC, bC, K, K]. With <paramref name="unpoolA"/> A is that MaxUnpool2d's
    /// output (a is ignored): the channel engine unpools it row by row as it transposes it; the others unpool it into
    /// scratch first.</summary>
    public static void Accumulate(float* a, int aC, int aH, int aW, float* b, int bC, int bH, int bW,
        int k, int s, int p, float* dw, int batch, UnpooledInput* unpoolA = null)
    {
        if (batch == 0 || aC == 0 || bC == 0 || aH == 0 || aW == 0) return;
        var path = KernelOptions.Path;
        int threads = KernelOptions.Threads;
        var ws = Workspace.Current;
        // 3×3 layers on rows of whole vectors: Winograd's F(3×3, 2×2).
        if (WinogradWeightGradient.Applies(path, aC, aH, aW, bC, bH, bW, k, s, p))
        {
            WinogradWeightGradient.Accumulate(path, threads, ws, a, aC, aH, aW, b, bC, dw, batch, unpoolA);
            return;
        }
        // 5×5 and 7×7 layers with "same" padding on rows of whole vectors: F(k, 2) along rows.
        if (WinogradRowsWeightGradient.Applies(path, aC, aH, aW, bC, bH, bW, k, s, p))
        {
            WinogradRowsWeightGradient.Accumulate(path, threads, ws, a, aC, aH, aW, b, bC, k, dw, batch, unpoolA);
            return;
        }
        if (unpoolA != null && (k == 1 || !ByChannelPays(aC, bC, bC * k * k, (long)batch * aH * aW)))
        {
            float* unpooled = ws.Get<float>(ScratchSlot.BandOutput, (long)batch * aC * aH * aW);
            unpoolA->WriteTo(unpooled, batch * aC);
            a = unpooled;
            unpoolA = null;
        }
        if (WeightGradientNineTaps.Applies(path, bC, k, s, aW) && aH + 2 - 2 * p == bH && aW + 2 - 2 * p == bW)
        {
            WeightGradientNineTaps.Accumulate(a, aC, aH, aW, b, bH, bW, p, dw, batch, threads, ws);
            return;
        }
        int tapCount = bC * k * k, tileTaps = WeightGradientTiles.Taps(path);
        int tapBlocks = (tapCount + tileTaps - 1) / tileTaps;
        bool byChannel = ByChannelPays(aC, bC, tapCount, (long)batch * aH * aW);
        // Room for either engine's padding taps, which read offset 0 and are dropped when the tiles are summed up.
        long tapRoom = (long)tapBlocks * tileTaps + 16;
        int* taps = ws.Get<int>(ScratchSlot.Taps, tapRoom);
        for (int t = tapCount; t < tapRoom; t++) taps[t] = 0;

        // A 1×1 kernel at stride 1 without padding needs no grid: both tensors are read in place, a sample at a time,
        // when their planes are whole vectors (the tiles run over whole vectors of positions).
        long plane = (long)aH * aW;
        if (k == 1 && s == 1 && p == 0 && aH == bH && aW == bW && (byChannel || plane % 16 == 0))
        {
            for (int i = 0; i < bC; i++) taps[i] = checked((int)(i * plane));
            if (byChannel)
            {
                WeightGradientByChannel.Accumulate(path, threads, ws, a, aC, aH, aW, batch, b, bC * plane, aW, taps, tapCount, dw, default, 0);
                return;
            }
            // The plane as rows of whole vectors, so that no read of B runs past its end, each at most a tile's pass.
            int cols = 16;
            for (int w = (int)Math.Min(plane, WeightGradientJob.Chunk); w > 16; w -= 16)
                if (plane % w == 0)
                {
                    cols = w;
                    break;
                }
            Reduce(path, threads, ws, new LaneRows(a, aC, plane, (int)(plane / cols), cols, batch, b, bC * plane, cols), bC, taps, tapCount, tapBlocks, dw);
            return;
        }

        // Small planes at stride 1 take B as k row copies, kernel rows as channels, like the correlation engine does: then
        // the grid needs no rows beyond A's own. The channel engine visits A's positions only, so it needs no copies.
        int rowCopies = !byChannel && s == 1 && Correlation.RowSplitPays(batch, bC, k, aH, aW) ? k : 1;
        var grid = rowCopies > 1 ? new Grid(batch, bC * k, 1, aH, aW + k - 1) : new Grid(batch, bC, s, aH + (k - 1) / s, aW + (k - 1) / s);
        long needed = grid.Channels * grid.ChannelStride;
        int tap = 0;
        for (int i = 0; i < bC; i++)
        for (int ky = 0; ky < k; ky++)
        for (int kx = 0; kx < k; kx++, tap++)
        {
            taps[tap] = rowCopies > 1 ? grid.Offset(i * k + ky, 0, 0, kx) : grid.Offset(i, ky % s * s + kx % s, ky / s, kx / s);
            // The position tiles read B up to a vector past the end of A's last row.
            needed = Math.Max(needed, taps[tap] + grid.Length + 16);
        }

        float* packedB = ws.Get<float>(ScratchSlot.Input, needed);
        Packing.Clear(packedB + grid.Channels * grid.ChannelStride, needed - grid.Channels * grid.ChannelStride);
        if (byChannel)
        {
            // Grid.Pack's job, run by the channel engine together with its transposition of A: one fork/join fewer.
            var packB = grid.PackJobFor(b, bH, bW, p, p, packedB, path, rowCopies);
            WeightGradientByChannel.Accumulate(path, threads, ws, a, aC, aH, aW, batch, packedB, grid.Plane, grid.Cols, taps, tapCount, dw,
                packB, batch * bC, unpoolA);
            return;
        }
        grid.Pack(b, bH, bW, p, p, packedB, path, threads, rowCopies);
        Reduce(path, threads, ws, new LaneRows(a, aC, plane, aH, aW, batch, packedB, grid.Plane, grid.Cols), bC, taps, tapCount, tapBlocks, dw);
    }

    /// <summary>Whether the channel-vectorized engine (WeightGradientByChannel) beats the position-vectorized one here. It
    /// computes no lane sums and no grid padding, so it wins on small and large planes alike, as long as A's channels fill
    /// whole vectors of 16 (within an eighth), B has taps enough to pay for transposing A, and A's transposed copy stays
    /// within the L3 cache. Measured at 1 thread (Zen 4): 32→64 3×3 on 16×16 0.19 → 0.10 ms, 64→64 7×7 on 180×240
    /// 185 → 161 ms; with 27–36 taps (3 or 4 input channels, 3×3) or 8 and 11 channels of A it was 10–100 % slower,
    /// and 3→64 7×7 on 360×480 (a 44 MB copy) 20 % slower at 2 threads on a Xeon. Nor where B has at most 3 channels (an
    /// RGB or grayscale first layer): its few taps per position do not pay for transposing A, which in a network comes
    /// from memory (its batch norm's backward wrote it): SegNet's 3→64 7×7 at 180×240 took 4.2–4.7 ms on the position engine
    /// against 5.4–5.7 on this one in the train profile (alternated, 2 runs each; alone with A evicted from the caches
    /// 3.8–3.9 against 4.8, with A in them 3.3–4.1 against 3.3–3.4).</summary>
    internal static bool ByChannelPays(int aC, int bC, int tapCount, long positions) =>
        aC >= 16 && bC > 3 && (WeightGradientByChannelTiles.RoundUp(aC, 16) - aC) * 8 <= aC && tapCount >= 64
        && positions * WeightGradientByChannelTiles.RoundUp(aC, 16) * sizeof(float) <= 16 << 20;

    /// <summary>dw[a, t] += Σ over A's rows and columns of A·B[taps[t] + position], in tasks.</summary>
    private static void Reduce(VectorPath path, int threads, Workspace ws, in LaneRows rows, int bC, int* taps, int tapCount, int tapBlocks, float* dw)
    {
        int tileTaps = WeightGradientTiles.Taps(path), lanes = WeightGradientTiles.Lanes(path);
        int aC = rows.AChannels;
        int aBlocks = (aC + WeightGradientTiles.Channels - 1) / WeightGradientTiles.Channels;
        var (tapsPerGroup, aPerGroup) = Split(tapBlocks, tileTaps, aBlocks, aC, bC, threads);
        int tapGroups = (tapBlocks + tapsPerGroup - 1) / tapsPerGroup;
        int aGroups = (aBlocks + aPerGroup - 1) / aPerGroup;
        int tileFloats = WeightGradientTiles.Channels * tileTaps * lanes;

        var job = new WeightGradientJob
        {
            Path = path, Rows = rows, Taps = taps, TapCount = tapCount, TileTaps = tileTaps, Lanes = lanes, TapBlocks = tapBlocks,
            TapsPerGroup = tapsPerGroup, ABlocks = aBlocks, APerGroup = aPerGroup, TapGroups = tapGroups, Dw = dw,
            PartialStride = (long)aPerGroup * tapsPerGroup * tileFloats,
        };
        WorkerPool.Run(ref job, aGroups * tapGroups, threads);
    }

    /// <summary>Tap blocks and A blocks per task. A task streams its channels of A, and the channels of B its taps read, over
    /// the whole grid: tapGroups·aC + aGroups·bC channel passes in all, which the split keeps least while leaving 4 tasks
    /// per thread. Up to ~192 taps and 64 channels share a pass; beyond that the partial sums crowd the chunk out of L2.
    /// Measured on 64→64 7×7 at 180×240: 24 taps → 61%, 96 → 72%, 192 → 77%, 384 → 78%, 768 → 63% of FMA peak.</summary>
    private static (int TapsPerGroup, int APerGroup) Split(int tapBlocks, int tileTaps, int aBlocks, int aC, int bC, int threads)
    {
        int maxTaps = Math.Min(tapBlocks, Math.Max(1, 192 / tileTaps)), maxA = Math.Min(aBlocks, 16);
        long wanted = Math.Min(4L * threads, (long)tapBlocks * aBlocks);
        var best = (TapsPerGroup: 1, APerGroup: 1);
        long bestCost = long.MaxValue;
        for (int tpg = maxTaps; tpg >= 1; tpg--)
        for (int apg = maxA; apg >= 1; apg--)
        {
            long tapGroups = (tapBlocks + tpg - 1) / tpg, aGroups = (aBlocks + apg - 1) / apg;
            if (tapGroups * aGroups < wanted) continue;
            long cost = tapGroups * aC + aGroups * bC;
            if (cost < bestCost)
            {
                bestCost = cost;
                best = (tpg, apg);
            }
        }
        return best;
    }
}

/// <summary>One group of A-channel blocks × tap blocks: accumulates its tiles over all of A's rows, a few rows at a time,
/// then adds the lane sums into dw.</summary>
internal unsafe struct WeightGradientJob : IParallelJob
{
    // Positions per pass over a tap block. Long passes amortize loading and storing the tile's 24 accumulators; beyond
    // 2048 (4 channels of A = 32 KB, an L1) they fall out of cache. Measured: 512 → 76%, 2048 → 82% of FMA peak.
    public const int Chunk = 2048;

    public VectorPath Path;
    public LaneRows Rows;
    public int* Taps;
    public int TapCount, TileTaps, Lanes, TapBlocks, TapsPerGroup, ABlocks, APerGroup, TapGroups;
    public float* Dw;
    public long PartialStride;

    public void Execute(int task, int worker)
    {
        int aGroup = task / TapGroups, tapGroup = task % TapGroups;
        int ab0 = aGroup * APerGroup, abEnd = Math.Min(ABlocks, ab0 + APerGroup);
        int tb0 = tapGroup * TapsPerGroup, tbEnd = Math.Min(TapBlocks, tb0 + TapsPerGroup);
        int tileFloats = WeightGradientTiles.Channels * TileTaps * Lanes;
        float* partials = Workspace.Current.Get<float>(ScratchSlot.ThreadOutput, PartialStride);
        Packing.Clear(partials, (long)(abEnd - ab0) * TapsPerGroup * tileFloats);

        ref readonly LaneRows g = ref Rows;
        int rowsPerChunk = Math.Max(1, Chunk / g.W);
        for (int n = 0; n < g.Batch; n++)
        for (int r0 = 0; r0 < g.H; r0 += rowsPerChunk)
        {
            int rows = Math.Min(rowsPerChunk, g.H - r0);
            float* a = g.A + n * g.AChannels * g.AChannel + (long)r0 * g.W;
            float* b = g.B + n * g.BSample + (long)r0 * g.BRow;
            for (int ab = ab0; ab < abEnd; ab++)
            {
                // Channels past the last one reuse it; their sums are dropped below.
                int c = ab * WeightGradientTiles.Channels, last = g.AChannels - 1;
                float* a0 = a + Math.Min(c, last) * g.AChannel;
                float* a1 = a + Math.Min(c + 1, last) * g.AChannel;
                float* a2 = a + Math.Min(c + 2, last) * g.AChannel;
                float* a3 = a + Math.Min(c + 3, last) * g.AChannel;
                float* acc = partials + (long)(ab - ab0) * TapsPerGroup * tileFloats;
                for (int tb = tb0; tb < tbEnd; tb++, acc += tileFloats)
                    WeightGradientTiles.Run(Path, a0, a1, a2, a3, g.W, b, g.BRow, Taps + tb * TileTaps, rows, g.W, acc);
            }
        }

        for (int ab = ab0; ab < abEnd; ab++)
        {
            float* acc = partials + (long)(ab - ab0) * TapsPerGroup * tileFloats;
            for (int tb = tb0; tb < tbEnd; tb++, acc += tileFloats)
            for (int j = 0; j < WeightGradientTiles.Channels; j++)
            for (int tt = 0; tt < TileTaps; tt++)
            {
                int o = ab * WeightGradientTiles.Channels + j, t = tb * TileTaps + tt;
                if (o >= Rows.AChannels || t >= TapCount) continue;
                Dw[(long)o * TapCount + t] += Simd.SumLanes(acc + (j * TileTaps + tt) * Lanes, Lanes);
            }
        }
    }
}

/// <summary>Where the position tiles find A and B: A [Batch, AChannels, H, W] in place, channels AChannel apart (its
/// rows W apart); B at row r of sample n starts at B + n·BSample + r·BRow, its taps offsets from there.</summary>
internal readonly unsafe struct LaneRows(float* a, int aChannels, long aChannel, int h, int w, int batch, float* b, long bSample, int bRow)
{
    public readonly float* A = a, B = b;
    public readonly int AChannels = aChannels, H = h, W = w, Batch = batch, BRow = bRow;
    public readonly long AChannel = aChannel, BSample = bSample;
}

// The weight gradient of a 5×5 or 7×7, stride-1, "same"-padding layer by Winograd along rows, the transpose of the
// forward's (see WinogradRows): for each kernel row kh and segment (offset, r) of its taps (7×7: taps 0–3 and 4–6; 5×5: 0–2
// and 3–4), the r sums Σ A·shifted B over a tile of m of A's columns (m = 4 on rows of a multiple of 4, else 2, as the
// forward) are F(r, m)'s Aᵀ·[(G·h) ⊙ (Bᵀ·d)], h the tile of A, d the r + m − 1 inputs of B's row kh rows down from the
// segment's offset. F(r, m)'s Bᵀ is the forward's F(m, r)'s (it depends on the points alone), so B's rows are transformed by
// the forward's planes (WinogradRows.ForRows). Summed over tiles, the planes' elementwise products are matrix products
// (pairs (b, kh) of B's transformed rows × A's transformed channels, the tiles being the sum): per column of A, channel pair
// and kernel row of a 7×7 layer 13/4 multiply-adds in tiles of 4, 9/2 in pairs, instead of 7.
// Tasks, segments and the second pass are WinogradWeightGradient's: a task is a segment of rows and a group of blocks of 4
// (b, kh) pairs; it packs and transforms its rows of B and (once per segment on each thread) of A, so no data crosses
// between the cores; the second pass adds the segments in order, applies Aᵀ (with G's denominators, in float64
// coefficients) and adds into dw. Segments and groups depend on the shape alone, so the sums do not depend on the threads.
using System.Runtime.Intrinsics;

namespace NetGen.Kernels;

internal static unsafe class WinogradRowsWeightGradient
{
    // Bytes of a chunk's transformed A and B (α products each): a product's plane of A, an eighth of it, stays in L2
    // while the blocks of B's pairs read it.
    private const long ChunkBytes = 8L << 20;

    // Tasks a call is split into at least (where B has the pair blocks): work for 2 threads with room to balance.
    private const int MinTasks = 8;

    // Bytes of the segments' sums, each segment keeping its own: beyond it, segments grow and loop over several chunks of rows.
    private const long MaxProductBytes = 32L << 20;

    /// <summary>Tests lower MaxProductBytes on their thread (0: the constant) to run segments of several chunks on small shapes.</summary>
    [ThreadStatic] internal static long ProductBytesCap;

    /// <summary>Whether WeightGradient.Accumulate takes this route: Vector512, a 5×5 or 7×7 kernel at stride 1 with "same"
    /// padding, B as large as A, rows of an even number of positions, at least 16, at least 16 channels of A (its vector
    /// lanes) and 8 of B. (Not an RGB first layer's 3: its 3→64 7×7 at 360×480 ran 13.2–17.1 ms by rows of 4, medians
    /// 16.3–21.5, erratic with the host's memory phases — its work is mostly A's transposition — against the direct engine's
    /// steady 15.2–15.5; kbench, alternated, session 12.)</summary>
    public static bool Applies(VectorPath path, int aC, int aH, int aW, int bC, int bH, int bW, int k, int s, int p) =>
        Winograd.Enabled && KernelOptions.WinogradAllowed && path == VectorPath.Vector512 && (k == 5 || k == 7) && s == 1 && p == k / 2
        && aH == bH && aW == bW && aW % 2 == 0 && aW >= 16 && aC >= 16 && bC >= 8;

    /// <summary>dw[a, b, u, v] += Σ_{n, r, c} A[n, a, r, c]·B[n, b, r − k/2 + u, c − k/2 + v] (zero padding); A [N, aC, h, w],
    /// B [N, bC, h, w], dw [aC, bC, k, k]. With <paramref name="unpoolA"/> A is that MaxUnpool2d's output (a is ignored),
    /// unpooled row by row (where some argmax lies outside its own pool cell, unpooled first).</summary>
    public static void Accumulate(VectorPath path, int threads, Workspace ws, float* a, int aC, int h, int w, float* b, int bC, int k,
        float* dw, int batch, UnpooledInput* unpoolA)
    {
        var set = WinogradRows.ForRows(k, w);
        int planes = set.Count, tw = w / set.Outputs;
        int aStride = WeightGradientByChannelTiles.RoundUp(aC, 16);
        int pairs = bC * k, pairBlocks = (pairs + 3) / 4;
        long productFloats = (long)planes * pairBlocks * 4 * aStride;
        var plan = SegmentPlan.Make(h, (long)planes * sizeof(float) * tw * (aStride + bC), ChunkBytes, productFloats,
            ProductBytesCap > 0 ? ProductBytesCap : MaxProductBytes, batch, pairBlocks, MinTasks, threads);
        int chunkRows = plan.ChunkRows, perSample = plan.PerSample, segmentRows = plan.SegmentRows, segments = plan.Segments;
        int groups = plan.Groups, blocksPerGroup = plan.BlocksPerGroup;
        int rowsA = Math.Min(chunkRows, segmentRows);
        int maxTiles = (rowsA * tw + 15) / 16 * 16;
        long tileStride = Winograd.OddLines((long)(rowsA + k - 1) * tw + 16), bProductStride = Winograd.OddLines(bC * tileStride);
        long aProductStride = Winograd.OddLines((long)maxTiles * aStride);

        int* taps = SegmentPlan.Taps(ws, maxTiles, aStride, threads);
        int* transformedA = taps + 2 * maxTiles;
        float* products = ws.Get<float>(ScratchSlot.Grid, segments * productFloats);
        var job = new SegmentJob
        {
            Path = path, A = a, AC = aC, AStride = aStride, H = h, W = w, B = b, BC = bC, K = k, Outputs = set.Outputs, Planes = planes,
            PairBlocks = pairBlocks,
            Plan = plan, TileStride = tileStride, BProductStride = bProductStride,
            AProductStride = aProductStride, Taps = taps, Weights = taps + maxTiles, Products = products, ProductFloats = productFloats,
            TransformedA = transformedA,
        };
        if (unpoolA != null)
        {
            job.Unpool = *unpoolA;
            job.SegmentHits = ws.Get<long>(ScratchSlot.Counts, segments);
        }
        SegmentPlan.Run(ref job, plan, threads, ws, unpoolA, job.SegmentHits, transformedA, batch, aC, (long)h * w);

        int tapCount = bC * k * k;
        float* dwT = ws.Get<float>(ScratchSlot.PerWorker, (long)tapCount * aStride);
        var finish = new FinishJob
        {
            Products = products, ProductFloats = productFloats, Segments = segments, AStride = aStride, BC = bC, K = k, Outputs = set.Outputs,
            DwT = dwT,
            PairBlocks = pairBlocks,
            Sums = new WeightGradientByChannel.TransposedSums
            {
                Path = path, DwT = dwT, Segments = 1, AStride = aStride, AChannels = aC, TapCount = tapCount, Dw = dw,
            },
        };
        WorkerPool.Run(ref finish, (bC + 3) / 4, threads);
    }

    /// <summary>One segment (sample n, rows y0 ..) and group of blocks of B's (b, kh) pairs: the rows of those pairs' channels
    /// packed and transformed, [ξ][b][row][tile]; A's rows transposed to [position][a] and transformed, [ξ][tile][a]; then per
    /// product ξ and block of 4 pairs the 4-channel grid tiles sum over the segment's tiles, channels of A in the lanes,
    /// into the segment's products [ξ][pair][a].</summary>
    private struct SegmentJob : IParallelJob, ISegmentChunks
    {
        public VectorPath Path;
        public float* A, B, Products;
        public int AC, AStride, H, W, BC, K, Outputs, Planes, PairBlocks;
        public SegmentPlan Plan;
        public long TileStride, BProductStride, AProductStride, ProductFloats;
        public int* Taps, Weights;
        public UnpooledInput Unpool;
        /// <summary>With Unpool: per segment, the argmax that hit their own cell in its rows.</summary>
        public long* SegmentHits;
        /// <summary>TransformedA[worker]: the segment whose A that thread's buffer holds transformed (−1: none).</summary>
        public int* TransformedA;

        public void UseUnpooled(float* a)
        {
            A = a;
            Unpool = default;
        }

        public void Execute(int task, int worker) =>
            SegmentPlan.RunTask(ref this, Plan, task, worker, H, PairBlocks, Planes, AStride, Products, ProductFloats,
                Unpool.Values != null ? SegmentHits : null);

        /// <summary>Rows y0 .. y0 + rows − 1 of sample n for pair blocks [block0, block1): their sums into `sums` [ξ][pair][a].
        /// Returns the argmax hits of the rows of A it unpooled, or −1 where its thread's transformed A was kept from an
        /// earlier task of the same (one-chunk) segment.</summary>
        public readonly long Chunk(int segment, int n, int y0, int rows, int block0, int block1, int worker, bool keepA, float* sums)
        {
            int k = K, planes = Planes, pairs = BC * k;
            var set = WinogradRows.SetFor(k, Outputs);
            int b0 = 4 * block0 / k, b1 = Math.Min(BC, (Math.Min(4 * block1, pairs) - 1) / k + 1);
            int tw = W / Outputs, tiles = rows * tw, tiles16 = (tiles + 15) / 16 * 16;
            var own = Workspace.Current;

            // B's channels of the group: input rows y0 − k/2 .. y0 + rows − 1 + k/2 with k/2 padding around, then their α
            // transformed planes (at their places in the thread's buffer).
            int pad = k / 2, cols = W + k - 1, height = rows + k - 1;
            long channelStride = (long)height * cols;
            float* packed = own.Get<float>(ScratchSlot.ThreadInput, BC * channelStride + 96);
            for (int i = b0; i < b1; i++)
                Packing.PhaseSplit(B + ((long)n * BC + i) * H * W, H, W, 1, pad - y0, pad, height, cols,
                    packed + (i - b0) * channelStride, 0, Path);
            Packing.Clear(packed + (b1 - b0) * channelStride, 96);
            float* bt = own.Get<float>(ScratchSlot.ThreadTransformedInput, planes * BProductStride);
            WinogradRows.TransformInput(set, packed, b1 - b0, channelStride, cols, height, tw, bt + b0 * TileStride, TileStride,
                BProductStride);

            // A: its rows position-major (unpooled on the way where it is an unpool's output), then transformed; a one-chunk
            // segment's once on each thread.
            float* at = own.Get<float>(ScratchSlot.ThreadTransformedWeights, planes * AProductStride);
            long hits = -1;
            if (!keepA || TransformedA[worker] != segment)
            {
                float* rowsA = own.Get<float>(ScratchSlot.ThreadOutput, (long)rows * W * AStride);
                long firstRow = (long)n * H + y0;
                var transpose = new WeightGradientTransposeJob
                {
                    Path = Path, Source = A, Channels = AC, H = H, W = W, Destination = rowsA - firstRow * W * AStride, Stride = AStride,
                    Unpool = Unpool,
                };
                for (int r = 0; r < rows; r++) transpose.Execute((int)firstRow + r, worker);
                hits = transpose.Hits;
                TransformTiles(set, rowsA, tiles, AStride, at, AProductStride);
                for (int q = tiles; q < tiles16; q++)
                for (int xi = 0; xi < planes; xi++)
                for (int c = 0; c < AStride; c += 16)
                    Vector512<float>.Zero.Store(at + xi * AProductStride + (long)q * AStride + c);
                TransformedA[worker] = keepA ? segment : -1;
            }

            for (int xi = 0; xi < planes; xi++)
            for (int block = block0; block < block1; block++)
            {
                float* plane = bt + xi * BProductStride;
                float* w0 = Row(plane, block, 0, tw), w1 = Row(plane, block, 1, tw), w2 = Row(plane, block, 2, tw), w3 = Row(plane, block, 3, tw);
                float* input = at + xi * AProductStride;
                float* tile = sums + ((long)xi * PairBlocks + block) * 4 * AStride;
                for (int c = 0; c < AStride; c += 96)
                {
                    var sink = new MemorySink { Tile = tile + c, Width = AStride };
                    Winograd.Products(Math.Min(6, (AStride - c) / 16), input + c, Taps, Weights, tiles16, w0, w1, w2, w3, ref sink);
                }
            }
            return hits;
        }

        // Pair 4·block + j = (b, kh) of B's transformed plane: channel b's row kh below the tiles' (the last real pair for
        // padding pairs, whose sums are not used).
        private readonly float* Row(float* plane, int block, int j, int tw)
        {
            int pair = Math.Min(4 * block + j, BC * K - 1);
            return plane + pair / K * TileStride + (long)(pair % K) * tw;
        }
    }

    /// <summary>at[ξ·productStride + tile·stride + a] = Σ_t p_ξ^t·h_t for the tile's m = set.Outputs positions h_t
    /// (position-major, `stride` floats each), or h_{m−1} where plane ξ's point is ∞: G·h of its segment's F(r, m) without the
    /// denominators, which the second pass applies. (Horner's rule; the points are 0, ±1, ±2 and ½: exact powers of two
    /// times small integers.)</summary>
    private static void TransformTiles(WinogradRows.PlaneSet set, float* rows, int tiles, int stride, float* at, long productStride)
    {
        int m = set.Outputs;
        var h = stackalloc Vector512<float>[4];
        for (int t = 0; t < tiles; t++)
        {
            float* first = rows + (long)m * t * stride;
            float* q = at + (long)t * stride;
            for (int c = 0; c < stride; c += 16)
            {
                for (int j = 0; j < m; j++) h[j] = Vector512.Load(first + j * stride + c);
                for (int xi = 0; xi < set.Count; xi++)
                {
                    float p = set.Point[xi];
                    Vector512<float> value;
                    if (float.IsInfinity(p)) value = h[m - 1];
                    else
                    {
                        var point = Vector512.Create(p);
                        value = h[m - 1];
                        for (int j = m - 2; j >= 0; j--) value = Vector512.FusedMultiplyAdd(value, point, h[j]);
                    }
                    value.Store(q + xi * productStride + c);
                }
            }
        }
    }

    /// <summary>Four channels of B: per (b, kh) pair its segments' products added up in order, then dwT[(b·k² + kh·k + kw)][a]
    /// = Σ_ξ TransposedOutput[kw][ξ]·m[ξ] (Aᵀ/f of the segment holding tap kw), then added into dw (TransposedSums).</summary>
    private struct FinishJob : IParallelJob
    {
        public float* Products, DwT;
        public long ProductFloats;
        public int Segments, AStride, BC, K, Outputs, PairBlocks;
        public WeightGradientByChannel.TransposedSums Sums;

        public void Execute(int task, int worker)
        {
            int k = K;
            var set = WinogradRows.SetFor(k, Outputs);
            int planes = set.Count;
            int b0 = 4 * task, b1 = Math.Min(BC, b0 + 4);
            var m = stackalloc Vector512<float>[16];
            fixed (float* coefficients = set.TransposedOutput)
                for (int bi = b0; bi < b1; bi++)
                for (int kh = 0; kh < k; kh++)
                for (int c = 0; c < AStride; c += 16)
                {
                    int pair = bi * k + kh;
                    for (int xi = 0; xi < planes; xi++)
                    {
                        float* p = Products + ((long)xi * PairBlocks * 4 + pair) * AStride + c;
                        var total = Vector512.Load(p);
                        for (int s = 1; s < Segments; s++) total += Vector512.Load(p + s * ProductFloats);
                        m[xi] = total;
                    }
                    float* d = DwT + ((long)bi * k * k + kh * k) * AStride + c;
                    for (int kw = 0; kw < k; kw++)
                    {
                        var sum = Vector512<float>.Zero;
                        for (int xi = 0; xi < planes; xi++)
                        {
                            float coefficient = coefficients[kw * planes + xi];
                            if (coefficient != 0f) sum = Vector512.FusedMultiplyAdd(m[xi], Vector512.Create(coefficient), sum);
                        }
                        sum.Store(d + kw * AStride);
                    }
                }
            Sums.Add(k * k * b0, k * k * b1, 0, AStride);
        }
    }
}

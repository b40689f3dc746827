// The weight gradient of a 3×3, stride-1, one-padding layer by Winograd's F(3×3, 2×2), the transpose of the forward's
// F(2×2, 3×3) (see Winograd): over each 2×2 tile of A the 3×3 sums Σ A·shifted B are Gᵀ·[(A·h·Aᵀ) ⊙ (Bᵀ·d·B)]·G, h the
// tile of A, d the 4×4 patch of B around it. Summed over tiles, the 16 elementwise products are 16 matrix products
// (B's transformed channels × A's transformed channels, the tiles being the sum), 16 multiply-adds per tile and channel
// pair instead of 36. On rows of a multiple of 64 (Winograd4.Applies) it runs F(3×3, 4×4) the same way: 4×4 tiles of A,
// 6×6 patches of B, 36 products, 2.25 multiply-adds per position against 4 (TransformTiles4, FinishJob.FinishFour). A task is a
// segment of tile rows and a group of B's channel blocks: it packs and transforms its rows of those channels of B, and (once
// per segment on each thread) of A, in its thread's buffers, so no data crosses between the cores, and sums its products; a
// second pass adds the segments up in order, applies Gᵀ·m·G and adds the result into dw. Segments and groups depend on the shape alone, so the sums do not depend on the threads.
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace NetGen.Kernels;

internal static unsafe class WinogradWeightGradient
{
    // Bytes of a segment's transformed A and B (16 products each) that should stay in L2 while its products run.
    private const int SegmentBytes = 512 << 10;

    // Tasks a call is split into at least (where B has the channel blocks): work for 2 threads with room to balance.
    private const int MinTasks = 8;

    // Bytes of the segments' sums, each segment keeping its own: beyond it, segments grow and loop over several chunks of rows.
    // The second pass reads them all: with 32 MB, batch 8 (kbench, 2 threads, alternated) ran 16→16 on 256×256 in 13.3 ms
    // against 10.2 with 4 MB (tiles of 4×4: 512 segments of 36 KB), 32→64 on 64×64 in 6.9 against 4.1 (2×2); batch 1 and the
    // tiny net's 16- and 32-wide levels alike either way.
    private const long MaxProductBytes = 4L << 20;

    /// <summary>Tests lower MaxProductBytes on their thread (0: the constant) to run segments of several chunks on small shapes.</summary>
    [ThreadStatic] internal static long ProductBytesCap;

    /// <summary>Whether WeightGradient.Accumulate takes this route: Vector512, a 3×3 kernel at stride 1 with one padding and
    /// B as large as A, rows of whole vectors, an even height, at least 16 channels of A (its vector lanes) and 8 of B.</summary>
    public static bool Applies(VectorPath path, int aC, int aH, int aW, int bC, int bH, int bW, int k, int s, int p) =>
        Winograd.Enabled && KernelOptions.WinogradAllowed && path == VectorPath.Vector512 && k == 3 && s == 1 && p == 1
        && aH == bH && aW == bW && aW % 16 == 0 && aH % 2 == 0 && aC >= 16 && bC >= 8;

    /// <summary>dw[a, b, u, v] += Σ_{n, r, c} A[n, a, r, c]·B[n, b, r − 1 + u, c − 1 + v] (zero padding); A [N, aC, h, w],
    /// B [N, bC, h, w], dw [aC, bC, 3, 3]. With <paramref name="unpoolA"/> A is that MaxUnpool2d's output (a is ignored),
    /// unpooled row by row (where some argmax lies outside its own pool cell, unpooled first).</summary>
    public static void Accumulate(VectorPath path, int threads, Workspace ws, float* a, int aC, int h, int w, float* b, int bC,
        float* dw, int batch, UnpooledInput* unpoolA)
    {
        // Rows of a multiple of 64 take tiles of 4×4, F(3×3, 4×4), as the forward does (Winograd4.Applies).
        bool four = Winograd4.Applies(h, w);
        int tile = four ? 4 : 2, planes = four ? Winograd4.Planes : 16;
        int tw = w / tile, th = h / tile;
        int aStride = WeightGradientByChannelTiles.RoundUp(aC, 16);
        int bBlocks = (bC + 3) / 4;
        // Tile rows per chunk: as many as fit SegmentBytes (a whole sample on the small planes); a segment is a chunk, or on
        // large planes and batches several (MaxProductBytes). Tasks are (segment, group of channel blocks of B), at least
        // MinTasks where B has the blocks: a thread transforms a one-chunk segment of A once for all the groups it runs there.
        long productFloats = (long)planes * 4 * bBlocks * aStride;
        var plan = SegmentPlan.Make(th, (long)planes * sizeof(float) * tw * (aStride + bC), SegmentBytes, productFloats,
            ProductBytesCap > 0 ? ProductBytesCap : MaxProductBytes, batch, bBlocks, MinTasks, threads);
        int chunkRows = plan.ChunkRows, perSample = plan.PerSample, segmentRows = plan.SegmentRows, segments = plan.Segments;
        int groups = plan.Groups, blocksPerGroup = plan.BlocksPerGroup;
        int maxTiles = (Math.Min(chunkRows, segmentRows) * tw + 15) / 16 * 16;
        long tileStride = Winograd.OddLines(maxTiles), bProductStride = Winograd.OddLines(bC * tileStride);
        long aProductStride = Winograd.OddLines((long)maxTiles * aStride);

        int* taps = SegmentPlan.Taps(ws, maxTiles, aStride, threads);
        int* transformedA = taps + 2 * maxTiles;
        float* products = ws.Get<float>(ScratchSlot.Grid, segments * productFloats);
        var job = new SegmentJob
        {
            Path = path, A = a, AC = aC, AStride = aStride, H = h, W = w, B = b, BC = bC, BBlocks = bBlocks, Four = four,
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

        int tapCount = bC * 9;
        float* dwT = ws.Get<float>(ScratchSlot.PerWorker, (long)tapCount * aStride);
        var sums = new WeightGradientByChannel.TransposedSums
        {
            Path = path, DwT = dwT, Segments = 1, AStride = aStride, AChannels = aC, TapCount = tapCount, Dw = dw,
        };
        var finish = new FinishJob
        {
            Products = products, ProductFloats = productFloats, Segments = segments, AStride = aStride, BC = bC, DwT = dwT, Sums = sums,
            Four = four,
        };
        WorkerPool.Run(ref finish, bBlocks, threads);
    }

    /// <summary>A vector of products summed over the segments, in order (segment s at p + s·productFloats).</summary>
    private static Vector512<float> SegmentTotal(float* p, int segments, long productFloats)
    {
        var total = Vector512.Load(p);
        for (int s = 1; s < segments; s++) total += Vector512.Load(p + s * productFloats);
        return total;
    }

    internal static long TotalHits(long* hits, int segments)
    {
        long total = 0;
        for (int i = 0; i < segments; i++) total += hits[i];
        return total;
    }

    /// <summary>One segment (sample n, tile rows ty0 ..) and group of B's channel blocks: those channels' padded rows packed and
    /// transformed, [ξ][b][tile]; A's rows transposed to [position][a] and transformed, [ξ][tile][a]; then per product ξ and
    /// block of 4 channels of B the 4-channel grid tiles sum over the segment's tiles, channels of A in the lanes, into the
    /// segment's products [ξ][b][a].</summary>
    private struct SegmentJob : IParallelJob, ISegmentChunks
    {
        public VectorPath Path;
        public float* A, B, Products;
        public int AC, AStride, H, W, BC, BBlocks;
        /// <summary>Tiles of 4×4 (F(3×3, 4×4): 36 products; see Winograd4) instead of 2×2.</summary>
        public bool Four;
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
            SegmentPlan.RunTask(ref this, Plan, task, worker, H / (Four ? 4 : 2), BBlocks, Four ? Winograd4.Planes : 16, AStride, Products,
                ProductFloats,
                Unpool.Values != null ? SegmentHits : null);

        /// <summary>Tile rows ty0 .. ty0 + rows − 1 of sample n for channel blocks [block0, block1) of B: their sums into
        /// `sums` [ξ][b][a]. Returns the argmax hits of the rows of A it unpooled, or −1 where its thread's transformed A was
        /// kept from an earlier task of the same (one-chunk) segment.</summary>
        public readonly long Chunk(int segment, int n, int ty0, int rows, int block0, int block1, int worker, bool keepA, float* sums)
        {
            int b0 = 4 * block0, b1 = Math.Min(BC, 4 * block1);
            int side = Four ? 4 : 2, planes = Four ? Winograd4.Planes : 16;
            int tw = W / side, tiles = rows * tw, tiles16 = (tiles + 15) / 16 * 16;
            var own = Workspace.Current;

            // B's channels of the group: input rows side·ty0 − 1 .. side·(ty0 + rows), one padding around, then their
            // transformed planes (at their places in the thread's buffer).
            float* bt = own.Get<float>(ScratchSlot.ThreadTransformedInput, planes * BProductStride);
            if (Four)
                // Tiles of 4×4 transform B straight from its planes (no packed rows), as the forward does.
                Winograd4.TransformInput(B + ((long)n * BC + b0) * H * W, (long)H * W, H, W, side * ty0, b1 - b0, rows, bt + b0 * TileStride,
                    TileStride, BProductStride, own.Get<float>(ScratchSlot.ThreadTile, Winograd4.ScratchFloats));
            else
            {
                int cols = W + 2, height = side * rows + 2;
                long channelStride = (long)height * cols;
                float* packed = own.Get<float>(ScratchSlot.ThreadInput, BC * channelStride + 64);
                for (int i = b0; i < b1; i++)
                    Packing.PhaseSplit(B + ((long)n * BC + i) * H * W, H, W, 1, 1 - side * ty0, 1, height, cols,
                        packed + (i - b0) * channelStride, 0, Path);
                Winograd.TransformInput(packed, b1 - b0, channelStride, cols, rows, tw, bt + b0 * TileStride, TileStride, BProductStride);
            }

            // A: its side·rows rows position-major (unpooled on the way where it is an unpool's output), then transformed; a
            // one-chunk segment's once on each thread.
            float* at = own.Get<float>(ScratchSlot.ThreadTransformedWeights, planes * AProductStride);
            long hits = -1;
            if (!keepA || TransformedA[worker] != segment)
            {
                float* rowsA = own.Get<float>(ScratchSlot.ThreadOutput, (long)side * rows * W * AStride);
                long firstRow = (long)n * H + side * ty0;
                var transpose = new WeightGradientTransposeJob
                {
                    Path = Path, Source = A, Channels = AC, H = H, W = W, Destination = rowsA - firstRow * W * AStride, Stride = AStride,
                    Unpool = Unpool,
                };
                for (int r = 0; r < side * rows; r++) transpose.Execute((int)firstRow + r, worker);
                hits = transpose.Hits;
                if (Four) TransformTiles4(rowsA, rows, tw, AStride, at, AProductStride);
                else TransformTiles(rowsA, rows, tw, AStride, at, AProductStride);
                for (int q = tiles; q < tiles16; q++)
                for (int xi = 0; xi < planes; xi++)
                for (int c = 0; c < AStride; c += 16)
                    Vector512<float>.Zero.Store(at + xi * AProductStride + (long)q * AStride + c);
                TransformedA[worker] = keepA ? segment : -1;
            }

            if (AStride == 16)
            {
                // One vector of A's channels: a product alone would have 4 chains of multiply-adds; two at a time have 8.
                for (int xi = 0; xi < planes; xi += 2)
                for (int block = block0; block < block1; block++)
                {
                    float* v0 = bt + xi * BProductStride, v1 = v0 + BProductStride;
                    PairOfProducts(at + xi * AProductStride, at + (xi + 1) * AProductStride, tiles16,
                        Row(v0, block, 0), Row(v0, block, 1), Row(v0, block, 2), Row(v0, block, 3),
                        Row(v1, block, 0), Row(v1, block, 1), Row(v1, block, 2), Row(v1, block, 3),
                        sums + ((long)xi * BBlocks + block) * 4 * 16, sums + ((long)(xi + 1) * BBlocks + block) * 4 * 16);
                }
                return hits;
            }
            for (int xi = 0; xi < planes; xi++)
            for (int block = block0; block < block1; block++)
            {
                float* w0 = Row(bt + xi * BProductStride, block, 0), w1 = Row(bt + xi * BProductStride, block, 1);
                float* w2 = Row(bt + xi * BProductStride, block, 2), w3 = Row(bt + xi * BProductStride, block, 3);
                float* input = at + xi * AProductStride;
                float* tile = sums + ((long)xi * BBlocks + block) * 4 * AStride;
                for (int c = 0; c < AStride; c += 96)
                {
                    var sink = new MemorySink { Tile = tile + c, Width = AStride };
                    Winograd.Products(Math.Min(6, (AStride - c) / 16), input + c, Taps, Weights, tiles16, w0, w1, w2, w3, ref sink);
                }
            }
            return hits;
        }

        // Channel 4·block + j of B's transformed plane (the last real one for padding channels, whose sums are not used).
        private readonly float* Row(float* plane, int block, int j) => plane + Math.Min(4 * block + j, BC - 1) * TileStride;
    }

    /// <summary>Products ξ and ξ + 1 of one vector of 16 channels of A (rows of 16 floats per tile) against 4 channels of B
    /// each (their transformed rows p0..p3 and q0..q3, a float per tile), summed over `tiles` tiles: out0[16·j ..] and
    /// out1[16·j ..] for channel j. The same sums in the same order as the grid tiles run on each product alone.</summary>
    private static void PairOfProducts(float* a0, float* a1, int tiles, float* p0, float* p1, float* p2, float* p3,
        float* q0, float* q1, float* q2, float* q3, float* out0, float* out1)
    {
        Vector512<float> c00 = default, c01 = default, c02 = default, c03 = default;
        Vector512<float> c10 = default, c11 = default, c12 = default, c13 = default;
        for (int t = 0; t < tiles; t++, a0 += 16, a1 += 16)
        {
            var x = Vector512.Load(a0);
            c00 = Vector512.FusedMultiplyAdd(x, Vector512.Create(p0[t]), c00);
            c01 = Vector512.FusedMultiplyAdd(x, Vector512.Create(p1[t]), c01);
            c02 = Vector512.FusedMultiplyAdd(x, Vector512.Create(p2[t]), c02);
            c03 = Vector512.FusedMultiplyAdd(x, Vector512.Create(p3[t]), c03);
            var y = Vector512.Load(a1);
            c10 = Vector512.FusedMultiplyAdd(y, Vector512.Create(q0[t]), c10);
            c11 = Vector512.FusedMultiplyAdd(y, Vector512.Create(q1[t]), c11);
            c12 = Vector512.FusedMultiplyAdd(y, Vector512.Create(q2[t]), c12);
            c13 = Vector512.FusedMultiplyAdd(y, Vector512.Create(q3[t]), c13);
        }
        c00.Store(out0); c01.Store(out0 + 16); c02.Store(out0 + 32); c03.Store(out0 + 48);
        c10.Store(out1); c11.Store(out1 + 16); c12.Store(out1 + 32); c13.Store(out1 + 48);
    }

    /// <summary>at[ξ·productStride + tile·stride + a] = (A·h·Aᵀ)[ξ] of each 2×2 tile h of the position-major rows (2·rows rows of
    /// 2·tw positions, `stride` floats each). A = [1 0; 1 1; 1 −1; 0 −1].</summary>
    private static void TransformTiles(float* rows, int tileRows, int tw, int stride, float* at, long productStride)
    {
        long rowFloats = 2L * tw * stride;
        for (int r = 0; r < tileRows; r++)
        for (int tx = 0; tx < tw; tx++)
        {
            float* h0 = rows + 2 * r * rowFloats + 2L * tx * stride, h1 = h0 + rowFloats;
            float* q = at + ((long)r * tw + tx) * stride;
            for (int c = 0; c < stride; c += 16)
            {
                Vector512<float> h00 = Vector512.Load(h0 + c), h01 = Vector512.Load(h0 + stride + c);
                Vector512<float> h10 = Vector512.Load(h1 + c), h11 = Vector512.Load(h1 + stride + c);
                // A·h, row by row: x[α][col].
                Vector512<float> x20 = h00 - h10, x21 = h01 - h11;
                Vector512<float> x10 = h00 + h10, x11 = h01 + h11;
                // (A·h)·Aᵀ, column by column: product ξ = 4α + β.
                Put(q + c, productStride, 0, h00, h01);
                Put(q + c, productStride, 4, x10, x11);
                Put(q + c, productStride, 8, x20, x21);
                Put(q + c, productStride, 12, -h10, -h11);
            }
        }
    }

    /// <summary>at[ξ·productStride + tile·stride + a] = (A·h·Aᵀ)[ξ] of each 4×4 tile h of the position-major rows (4·rows rows
    /// of 4·tw positions, `stride` floats each), A = F(4, 3)'s Aᵀ transposed (Winograd4.Table): row α of A·h is h's rows as
    /// a polynomial evaluated at point α (h0 + p·h1 + p²·h2 + p³·h3; h3 for ∞). Along the tile's rows first, into scratch.</summary>
    private static void TransformTiles4(float* rows, int tileRows, int tw, int stride, float* at, long productStride)
    {
        long rowFloats = 4L * tw * stride;
        var e = stackalloc Vector512<float>[24];
        for (int r = 0; r < tileRows; r++)
        for (int tx = 0; tx < tw; tx++)
        {
            float* h0 = rows + 4 * r * rowFloats + 4L * tx * stride;
            float* q = at + ((long)r * tw + tx) * stride;
            for (int c = 0; c < stride; c += 16)
            {
                // Row t of the tile: its 4 positions evaluated at the 6 points, e[6t + β].
                for (int t = 0; t < 4; t++)
                {
                    float* p = h0 + t * rowFloats + c;
                    Evaluate(Vector512.Load(p), Vector512.Load(p + stride), Vector512.Load(p + 2 * stride), Vector512.Load(p + 3 * stride),
                        out e[6 * t], out e[6 * t + 1], out e[6 * t + 2], out e[6 * t + 3], out e[6 * t + 4], out e[6 * t + 5]);
                }
                // Column β: the 4 rows evaluated at the 6 points, products ξ = 6α + β.
                for (int beta = 0; beta < 6; beta++)
                {
                    Evaluate(e[beta], e[6 + beta], e[12 + beta], e[18 + beta], out var x0, out var x1, out var x2, out var x3, out var x4,
                        out var x5);
                    x0.Store(q + c + beta * productStride);
                    x1.Store(q + c + (6 + beta) * productStride);
                    x2.Store(q + c + (12 + beta) * productStride);
                    x3.Store(q + c + (18 + beta) * productStride);
                    x4.Store(q + c + (24 + beta) * productStride);
                    x5.Store(q + c + (30 + beta) * productStride);
                }
            }
        }
    }

    /// <summary>h0 + p·h1 + p²·h2 + p³·h3 at Winograd4's points 0, 1, −1, ½, −2, and h3 for ∞ (Horner).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Evaluate(Vector512<float> h0, Vector512<float> h1, Vector512<float> h2, Vector512<float> h3, out Vector512<float> e0,
        out Vector512<float> e1, out Vector512<float> e2, out Vector512<float> e3, out Vector512<float> e4, out Vector512<float> e5)
    {
        var half = Vector512.Create(0.5f);
        var minusTwo = Vector512.Create(-2f);
        var even = h0 + h2;
        var odd = h1 + h3;
        e0 = h0;
        e1 = even + odd;
        e2 = even - odd;
        e3 = Vector512.FusedMultiplyAdd(half, Vector512.FusedMultiplyAdd(half, Vector512.FusedMultiplyAdd(half, h3, h2), h1), h0);
        e4 = Vector512.FusedMultiplyAdd(minusTwo, Vector512.FusedMultiplyAdd(minusTwo, Vector512.FusedMultiplyAdd(minusTwo, h3, h2), h1), h0);
        e5 = h3;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Put(float* q, long productStride, int first, Vector512<float> x0, Vector512<float> x1)
    {
        x0.Store(q + first * productStride);
        (x0 + x1).Store(q + (first + 1) * productStride);
        (x0 - x1).Store(q + (first + 2) * productStride);
        (-x1).Store(q + (first + 3) * productStride);
    }

    /// <summary>One block of 4 channels of B: its segments' products added up in order, Gᵀ·m·G into dwT[(b·9 + 3u + v)][a],
    /// then added into dw (TransposedSums). 2×2 tiles: G = [1 0 0; ½ ½ ½; ½ −½ ½; 0 0 1], in float; 4×4 tiles (Four): F(4, 3)'s
    /// G (Winograd4.Table: fractions such as ⅓ and 16/15) in float64, rounded once.</summary>
    private struct FinishJob : IParallelJob
    {
        public float* Products, DwT;
        public long ProductFloats;
        public int Segments, AStride, BC;
        public bool Four;
        public WeightGradientByChannel.TransposedSums Sums;

        public void Execute(int task, int worker)
        {
            int b0 = 4 * task, b1 = Math.Min(BC, b0 + 4);
            if (Four) FinishFour(b0, b1);
            else FinishTwo(b0, b1);
            Sums.Add(9 * b0, 9 * b1, 0, AStride);
        }

        private readonly void FinishTwo(int b0, int b1)
        {
            int bBlocks = (BC + 3) / 4;
            var m = stackalloc Vector512<float>[16];
            var r0 = stackalloc Vector512<float>[4];
            var r1 = stackalloc Vector512<float>[4];
            var r2 = stackalloc Vector512<float>[4];
            var half = Vector512.Create(0.5f);
            for (int bi = b0; bi < b1; bi++)
            for (int c = 0; c < AStride; c += 16)
            {
                for (int xi = 0; xi < 16; xi++)
                    m[xi] = SegmentTotal(Products + ((long)xi * bBlocks * 4 + bi) * AStride + c, Segments, ProductFloats);
                // Gᵀ·m, row by row: r[u][β].
                for (int beta = 0; beta < 4; beta++)
                {
                    Vector512<float> m0 = m[beta], m1 = m[4 + beta], m2 = m[8 + beta], m3 = m[12 + beta];
                    r0[beta] = m0 + half * (m1 + m2);
                    r1[beta] = half * (m1 - m2);
                    r2[beta] = half * (m1 + m2) + m3;
                }
                float* d = DwT + (long)bi * 9 * AStride + c;
                Row(r0, d, AStride, half);
                Row(r1, d + 3 * AStride, AStride, half);
                Row(r2, d + 6 * AStride, AStride, half);
            }
        }

        private readonly void FinishFour(int b0, int b1)
        {
            int bBlocks = (BC + 3) / 4;
            var g = Winograd4.Table.G;
            var m = stackalloc double[Winograd4.Planes * 16];
            var r = stackalloc double[18 * 16];
            for (int bi = b0; bi < b1; bi++)
            for (int c = 0; c < AStride; c += 16)
            {
                for (int xi = 0; xi < Winograd4.Planes; xi++)
                {
                    var total = SegmentTotal(Products + ((long)xi * bBlocks * 4 + bi) * AStride + c, Segments, ProductFloats);
                    Vector512.WidenLower(total).Store(m + xi * 16);
                    Vector512.WidenUpper(total).Store(m + xi * 16 + 8);
                }
                // Gᵀ·m: r[u][β] = Σ_α G[α][u]·m[α][β], 16 lanes as two vectors of 8.
                for (int u = 0; u < 3; u++)
                for (int beta = 0; beta < 6; beta++)
                for (int half = 0; half < 16; half += 8)
                {
                    var sum = Vector512<double>.Zero;
                    for (int alpha = 0; alpha < 6; alpha++)
                        if (g[alpha * 3 + u] != 0)
                            sum = Vector512.FusedMultiplyAdd(Vector512.Create(g[alpha * 3 + u]), Vector512.Load(m + (alpha * 6 + beta) * 16 + half), sum);
                    sum.Store(r + (u * 6 + beta) * 16 + half);
                }
                // (Gᵀ·m)·G: tap (u, v) = Σ_β r[u][β]·G[β][v].
                float* d = DwT + (long)bi * 9 * AStride + c;
                for (int u = 0; u < 3; u++)
                for (int v = 0; v < 3; v++)
                {
                    var low = Vector512<double>.Zero;
                    var high = Vector512<double>.Zero;
                    for (int beta = 0; beta < 6; beta++)
                    {
                        if (g[beta * 3 + v] == 0) continue;
                        var coefficient = Vector512.Create(g[beta * 3 + v]);
                        low = Vector512.FusedMultiplyAdd(coefficient, Vector512.Load(r + (u * 6 + beta) * 16), low);
                        high = Vector512.FusedMultiplyAdd(coefficient, Vector512.Load(r + (u * 6 + beta) * 16 + 8), high);
                    }
                    Vector512.Narrow(low, high).Store(d + (3 * u + v) * AStride);
                }
            }
        }

        // (Gᵀ·m)·G for one row u: its three taps v, AStride apart.
        private static void Row(Vector512<float>* r, float* d, int stride, Vector512<float> half)
        {
            (r[0] + half * (r[1] + r[2])).Store(d);
            (half * (r[1] - r[2])).Store(d + stride);
            (half * (r[1] + r[2]) + r[3]).Store(d + 2 * stride);
        }
    }
}

/// <summary>How the Winograd weight gradients split their rows: chunks whose transformed A and B fit chunkBytes, segments of
/// one or more chunks (each keeps its own sums, at most cap bytes in all), and groups of B's blocks per segment so that there
/// are at least minTasks tasks. Depends on the shape alone.</summary>
internal readonly record struct SegmentPlan(int ChunkRows, int PerSample, int SegmentRows, int Segments, int Groups, int BlocksPerGroup)
{
    public static SegmentPlan Make(int rows, long bytesPerRow, long chunkBytes, long productFloats, long cap, int batch, int blocks,
        int minTasks, int threads)
    {
        int chunkRows = (int)Math.Clamp(chunkBytes / bytesPerRow, 1, rows);
        int maxSegments = (int)Math.Clamp(cap / (productFloats * sizeof(float)), 1, int.MaxValue);
        int perSample = Math.Clamp(maxSegments / batch, 1, (rows + chunkRows - 1) / chunkRows);
        int segmentRows = (rows + perSample - 1) / perSample;
        perSample = (rows + segmentRows - 1) / segmentRows;
        int segments = batch * perSample;
        int groups = Math.Clamp((minTasks + segments - 1) / segments, 1, blocks);
        // Few tasks are made a whole number per thread by more groups: 9 one-group segments on 2 threads ran 5 against 4
        // (64→64 7×7 at 180×240 in Winograd's rows of 4: 46.7 ms, 43.3 in 18 tasks). Groups split the pairs, not the sums:
        // the results do not depend on them.
        while (segments * groups < 16 * threads && segments * groups % threads != 0 && groups < blocks) groups++;
        int blocksPerGroup = (blocks + groups - 1) / groups;
        groups = (blocks + blocksPerGroup - 1) / blocksPerGroup;
        return new SegmentPlan(chunkRows, perSample, segmentRows, batch * perSample, groups, blocksPerGroup);
    }

    /// <summary>Tap tables for a job over `maxTiles` tiles: [tile·aStride (A's offsets)][tile (B's)], then a "transformed A"
    /// mark per thread, −1 (none).</summary>
    public static unsafe int* Taps(Workspace ws, int maxTiles, int aStride, int threads)
    {
        int* taps = ws.Get<int>(ScratchSlot.Taps, 2L * maxTiles + threads);
        for (int t = 0; t < maxTiles; t++)
        {
            taps[t] = t * aStride;
            taps[maxTiles + t] = t;
        }
        for (int i = 0; i < threads; i++) taps[2 * maxTiles + i] = -1;
        return taps;
    }

    /// <summary>Runs every task of the job. Where A is an unpool's output and some argmax left its cell (or windows overlap:
    /// the segments' hits fall short), A is unpooled as MaxUnpool2d does (an index outside the plane throws here, before dw
    /// is touched) and the tasks run again on that, the same sums a call given the unpooled tensor makes.</summary>
    public static unsafe void Run<TJob>(ref TJob job, in SegmentPlan plan, int threads, Workspace ws, UnpooledInput* unpoolA,
        long* segmentHits, int* transformedA, int batch, int aC, long plane) where TJob : unmanaged, IParallelJob, ISegmentChunks
    {
        int tasks = plan.Segments * plan.Groups;
        WorkerPool.Run(ref job, tasks, threads);
        if (unpoolA == null || WinogradWeightGradient.TotalHits(segmentHits, plan.Segments) == (long)batch * aC * unpoolA->Pool.OutPlane)
            return;
        float* unpooled = ws.Get<float>(ScratchSlot.BandOutput, batch * aC * plane);
        unpoolA->WriteTo(unpooled, batch * aC);
        job.UseUnpooled(unpooled);
        for (int i = 0; i < threads; i++) transformedA[i] = -1;
        WorkerPool.Run(ref job, tasks, threads);
    }

    /// <summary>One task of a segment job: segment task / Groups, group of blocks task % Groups; its rows chunk by chunk
    /// (job.Chunk), each chunk after the first summed apart and added on in order; the argmax hits its chunks counted go
    /// to segmentHits (where not null and not −1: a thread that kept its transformed A counts none).</summary>
    public static unsafe void RunTask<TJob>(ref TJob job, in SegmentPlan plan, int task, int worker, int totalRows, int blocks, int planes,
        int aStride, float* products, long productFloats, long* segmentHits) where TJob : struct, ISegmentChunks
    {
        int segment = task / plan.Groups, group = task % plan.Groups;
        int n = segment / plan.PerSample, row0 = segment % plan.PerSample * plan.SegmentRows;
        int block0 = group * plan.BlocksPerGroup, block1 = Math.Min(blocks, block0 + plan.BlocksPerGroup);
        int rows = Math.Min(plan.SegmentRows, totalRows - row0);
        float* sums = products + segment * productFloats;
        float* partial = rows > plan.ChunkRows ? Workspace.Current.Get<float>(ScratchSlot.ThreadProducts, productFloats) : null;
        long hits = 0;
        for (int r0 = 0; r0 < rows; r0 += plan.ChunkRows)
        {
            hits += job.Chunk(segment, n, row0 + r0, Math.Min(plan.ChunkRows, rows - r0), block0, block1, worker, rows <= plan.ChunkRows,
                r0 == 0 ? sums : partial);
            if (r0 > 0) AddChunk(sums, partial, planes, blocks, block0, block1, aStride);
        }
        if (segmentHits != null && hits >= 0) segmentHits[segment] = hits;
    }

    /// <summary>sums += partial over blocks [block0, block1) of each of the planes (layout [plane][block][4][aStride]).</summary>
    public static unsafe void AddChunk(float* sums, float* partial, int planes, int blocks, int block0, int block1, int aStride)
    {
        for (int xi = 0; xi < planes; xi++)
        {
            long at = ((long)xi * blocks + block0) * 4 * aStride, end = ((long)xi * blocks + block1) * 4 * aStride;
            for (long i = at; i < end; i += 16) (Vector512.Load(sums + i) + Vector512.Load(partial + i)).Store(sums + i);
        }
    }
}

/// <summary>A segment job's chunk: rows row0 .. row0 + rows − 1 of sample n for blocks [block0, block1), summed into `sums`;
/// returns the argmax hits of the rows of A it unpooled, or −1 where its thread kept an earlier task's transformed A.</summary>
internal unsafe interface ISegmentChunks
{
    long Chunk(int segment, int n, int row0, int rows, int block0, int block1, int worker, bool keepA, float* sums);

    /// <summary>Reads A from `a` from now on, unpooled already.</summary>
    void UseUnpooled(float* a);
}

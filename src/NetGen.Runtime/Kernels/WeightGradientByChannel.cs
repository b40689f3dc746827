// The weight gradient vectorized over A's channels: A is transposed to position-major [n, r, c][a] and each tap of B is
// broadcast onto a vector of channels, so every accumulator lane is a whole dw entry. Vectorizing over positions instead
// (WeightGradient's tiles) ends every task with a 16-lane sum per dw entry, which on a 16×16 plane costs about as much as
// the multiply-adds; here nothing is left to reduce, and only A's own positions are visited, no grid padding.
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace NetGen.Kernels;

internal static unsafe class WeightGradientByChannel
{
    // Fewer tasks than this leave a thread idle; the count depends on the shape alone, so the sums do too.
    private const int MinTasks = 8;

    // Bytes of A (one row chunk of a channel block) that should stay in L1 while a task's tiles pass over them.
    private const int ChunkBytes = 16 << 10;

    // Bytes of a channel block of A that stay in L2 (1 MB on Zen 4), next to B's grid, while the tap groups read it again.
    // 16→16 3×3 on 64×64 (256 KB) gained nothing from 12 tap groups over 8 segments (2 threads: 0.118 vs 0.116 ms).
    private const int L2Block = 128 << 10;

    // Transposed A up to this size is made by each thread for itself (see ByChannelJob.Local).
    private const int LocalBytes = 128 << 10;

    /// <summary>dw[a, t] += Σ_{n, r, c} A[n, a, r, c]·B[n·bSample + r·bRowStride + c + taps[t]].
    /// A [N, aC, aH, aW]; taps: [tapCount] padded with zeros to a whole number of the tile's taps; dw [aC, tapCount].
    /// The first packTasks tasks of packB (none if 0), which fills B, run alongside the transposition of A. With
    /// <paramref name="unpoolA"/> A is that MaxUnpool2d's output (a is ignored), unpooled row by row as it is transposed; where
    /// some argmax lies outside its own cell it is unpooled the general way first (no sum is taken before).</summary>
    public static void Accumulate(VectorPath path, int threads, Workspace ws, float* a, int aC, int aH, int aW, int batch,
        float* b, long bSample, int bRowStride, int* taps, int tapCount, float* dw, in PackJob packB, int packTasks,
        UnpooledInput* unpoolA = null)
    {
        var tile = WeightGradientByChannelTiles.Pick(path, aC);
        int tileChannels = WeightGradientByChannelTiles.Channels(tile), tileTaps = WeightGradientByChannelTiles.Taps(tile);
        int aStride = WeightGradientByChannelTiles.RoundUp(aC, tileChannels);
        long positions = (long)batch * aH * aW;
        int aBlocks = aStride / tileChannels, tapBlocks = (tapCount + tileTaps - 1) / tileTaps;
        int rows = batch * aH;
        var (tapGroups, groupSize, segments) = Split(aBlocks, tapBlocks, tileTaps, aStride, tileChannels, rows, positions);
        // A small A read whole by every task is transposed by each thread for itself, inside the main job: a copy made by
        // the other thread would cross between the cores, which on this host's slow minutes cost more than making it.
        bool local = threads > 1 && segments == 1 && positions * aStride * sizeof(float) <= LocalBytes && unpoolA == null;
        long atFloats = positions * aStride;
        // Each thread's own copy comes from its own workspace (ScratchSlot.ThreadInput); a shared one from the caller's.
        float* at = local ? null : ws.Get<float>(ScratchSlot.Grid, atFloats);
        var transpose = new WeightGradientTransposeJob { Path = path, Source = a, Channels = aC, H = aH, W = aW, Destination = at, Stride = aStride };
        if (unpoolA != null)
        {
            transpose.Unpool = *unpoolA;
        }
        var prepare = new PrepareJob { Pack = packB, PackTasks = packTasks, Transpose = transpose };
        int prepareTasks = packTasks + (local ? 0 : rows);
        if (prepareTasks > 0) WorkerPool.Run(ref prepare, prepareTasks, threads);
        if (unpoolA != null && prepare.Transpose.Hits != (long)batch * aC * unpoolA->Pool.OutPlane)
        {
            // Some argmax left its cell (or windows overlap): unpool as MaxUnpool2d does, then transpose that.
            float* unpooled = ws.Get<float>(ScratchSlot.BandOutput, (long)batch * aC * aH * aW);
            unpoolA->WriteTo(unpooled, batch * aC);
            transpose.Unpool = default;
            transpose.Source = unpooled;
            prepare = new PrepareJob { Transpose = transpose };
            WorkerPool.Run(ref prepare, rows, threads);
        }

        // The sums land transposed, dwT[segment][tap][a], where a tile's channels are one contiguous vector per tap; the
        // threads' marks for their own copies of A follow.
        long segmentStride = (long)tapBlocks * tileTaps * aStride;
        float* dwT = ws.Get<float>(ScratchSlot.PerWorker, segments * segmentStride + threads);
        int* transposed = (int*)(dwT + segments * segmentStride);
        for (int i = 0; i < threads; i++) transposed[i] = 0;
        var sums = new TransposedSums
        {
            Path = path, DwT = dwT, Segments = segments,
            SegmentStride = segmentStride, AStride = aStride, AChannels = aC, TapCount = tapCount, Dw = dw,
        };
        var job = new ByChannelJob
        {
            Tile = tile, At = at, AStride = aStride, H = aH, W = aW, B = b, BSample = bSample, BRowStride = bRowStride,
            Taps = taps, TileChannels = tileChannels, TileTaps = tileTaps, ABlocks = aBlocks, TapBlocks = tapBlocks,
            TapGroups = tapGroups, GroupSize = groupSize, Rows = rows, Segments = segments,
            ChunkRows = Math.Max(1, ChunkBytes / (aW * tileChannels * sizeof(float))), Sums = sums,
            Local = local, Transpose = transpose, AtFloats = atFloats, Transposed = transposed,
        };
        WorkerPool.Run(ref job, segments * aBlocks * tapGroups, threads);
        // With one segment each task has added its own sums into dw; several are added up once all are done.
        if (segments == 1) return;
        WorkerPool.Run(ref sums, (tapCount + 15) / 16, threads);
    }

    /// <summary>Tap groups and row segments, leaving at least MinTasks tasks. Every task reads its channel block of A once
    /// per tap group, and with several segments the sums are added up in a pass of their own: one more fork/join, and
    /// dwT written and read back per segment. Where a channel block of A stays in L2, reading it again costs little, so
    /// the taps alone are split (16→32 3×3 on 32×32: 4 groups × 2 blocks; 32→64 on 16×16: 8 groups); on large planes A
    /// would stream from memory once per group, so the split that reads and writes the fewest floats wins (64→64 7×7 on
    /// 180×240: 1 group, 8 segments). With one segment the split does not change any sum's order.</summary>
    private static (int TapGroups, int GroupSize, int Segments) Split(int aBlocks, int tapBlocks, int tileTaps,
        int aStride, int tileChannels, int rows, long positions)
    {
        if (positions * tileChannels * sizeof(float) <= L2Block)
            for (int groups = (MinTasks + aBlocks - 1) / aBlocks; groups <= tapBlocks; groups++)
            {
                int size = (tapBlocks + groups - 1) / groups;
                if ((tapBlocks + size - 1) / size == groups) return (groups, size, 1);
            }
        long aFloats = positions * aStride;
        var best = (TapGroups: 1, GroupSize: tapBlocks, Segments: 1);
        long bestCost = long.MaxValue;
        for (int groups = 1; groups <= tapBlocks; groups++)
        {
            int size = (tapBlocks + groups - 1) / groups;
            if ((tapBlocks + size - 1) / size != groups) continue;
            int segments = Math.Clamp((MinTasks + aBlocks * groups - 1) / (aBlocks * groups), 1, rows);
            long cost = groups * aFloats + 2L * segments * tapBlocks * tileTaps * aStride;
            if (cost < bestCost)
            {
                bestCost = cost;
                best = (groups, size, segments);
            }
        }
        return best;
    }

    /// <summary>Packs B (the first PackTasks tasks) and transposes A (the rest, a row each).</summary>
    private struct PrepareJob : IParallelJob
    {
        public PackJob Pack;
        public WeightGradientTransposeJob Transpose;
        public int PackTasks;

        public void Execute(int task, int worker)
        {
            if (task < PackTasks) Pack.Execute(task, worker);
            else Transpose.Execute(task - PackTasks, worker);
        }
    }

    /// <summary>One (segment of rows, group of tap blocks, channel block): runs the group's tiles over the segment's rows,
    /// a chunk of rows at a time, so the chunk's channels of A stay in L1 while the group's taps pass over them. Tap groups
    /// go before channel blocks: with the pool's contiguous shares a thread then reads the channels of B it packed itself.</summary>
    private struct ByChannelJob : IParallelJob
    {
        /// <summary>Each thread transposes A into its own copy (AtFloats, its workspace's ThreadInput) before its first task.</summary>
        public bool Local;
        public WeightGradientTransposeJob Transpose;
        public long AtFloats;
        public int* Transposed;

        public ByChannelTile Tile;
        public float* At, B;
        public int AStride, H, W, BRowStride, TileChannels, TileTaps;
        public int ABlocks, TapBlocks, TapGroups, GroupSize, Rows, Segments, ChunkRows;
        public long BSample;
        public int* Taps;
        public TransposedSums Sums;

        public void Execute(int task, int worker)
        {
            int segment = task / (ABlocks * TapGroups), local = task % (ABlocks * TapGroups);
            int aBlock = local % ABlocks, tb0 = local / ABlocks * GroupSize, tbEnd = Math.Min(TapBlocks, tb0 + GroupSize);
            float* transposedA = Local ? Workspace.Current.Get<float>(ScratchSlot.ThreadInput, AtFloats) : At;
            if (Local && Transposed[worker] == 0)
            {
                var transpose = Transpose;
                transpose.Destination = transposedA;
                for (int r = 0; r < Rows; r++) transpose.Execute(r, worker);
                Transposed[worker] = 1;
            }
            float* acc = Sums.DwT + segment * Sums.SegmentStride + (long)tb0 * TileTaps * AStride + aBlock * TileChannels;
            // Zeroed in place: a call to clear 16 floats per tap took 7% of 16→32 3×3 on 32×32.
            for (int t = 0; t < (tbEnd - tb0) * TileTaps; t++)
            for (int j = 0; j < TileChannels; j += 4) Vector128<float>.Zero.Store(acc + (long)t * AStride + j);

            int row = (int)((long)Rows * segment / Segments), end = (int)((long)Rows * (segment + 1) / Segments);
            while (row < end)
            {
                int n = row / H, r = row % H, count = Math.Min(Math.Min(end - row, H - r), ChunkRows);
                float* at = transposedA + (long)row * W * AStride + aBlock * TileChannels;
                float* b = B + n * BSample + (long)r * BRowStride;
                for (int tb = tb0; tb < tbEnd; tb++)
                    WeightGradientByChannelTiles.Run(Tile, at, AStride, b, BRowStride, Taps + tb * TileTaps, count, W,
                        acc + (long)(tb - tb0) * TileTaps * AStride, AStride);
                row += count;
            }
            if (Segments == 1)
                Sums.Add(tb0 * TileTaps, tbEnd * TileTaps, aBlock * TileChannels, (aBlock + 1) * TileChannels);
        }
    }

    /// <summary>dw[a, t] += Σ_s dwT[s][t][a], segments in order; as a job, one task per 16 taps.</summary>
    internal struct TransposedSums : IParallelJob
    {
        public VectorPath Path;
        public float* DwT, Dw;
        public int Segments, AStride, AChannels, TapCount;
        public long SegmentStride;

        public void Execute(int task, int worker) => Add(task * 16, task * 16 + 16, 0, AStride);

        /// <summary>Adds taps [t0, t1) of channels [a0, a1) (clipped to the real ones), 16×16 blocks transposed in registers.</summary>
        [SkipLocalsInit]
        public readonly void Add(int t0, int t1, int a0, int a1)
        {
            t1 = Math.Min(t1, TapCount);
            a1 = Math.Min(a1, AChannels);
            if (Path == VectorPath.Vector512 && AStride % 16 == 0 && a0 % 16 == 0)
            {
                var block = stackalloc float[256];
                for (int tb = t0; tb < t1; tb += 16)
                {
                    int taps = Math.Min(16, t1 - tb);
                    var mask = Vector512.LessThan(Vector512<int>.Indices, Vector512.Create(taps)).AsSingle();
                    for (int ab = a0; ab < a1; ab += 16)
                    {
                        // Rows past the last tap are left as they are: their columns are masked off below.
                        for (int i = 0; i < taps; i++)
                        {
                            float* src = DwT + (long)(tb + i) * AStride + ab;
                            var total = Vector512.Load(src);
                            for (int s = 1; s < Segments; s++) total += Vector512.Load(src + s * SegmentStride);
                            total.Store(block + 16 * i);
                        }
                        WeightGradientTransposeJob.Transpose16(block, 16, block, 16);
                        for (int j = 0; j < Math.Min(16, a1 - ab); j++)
                        {
                            float* d = Dw + (long)(ab + j) * TapCount + tb;
                            Avx512F.MaskStore(d, mask, Avx512F.MaskLoad(d, mask, Vector512<float>.Zero) + Vector512.Load(block + 16 * j));
                        }
                    }
                }
                return;
            }
            for (int a = a0; a < a1; a++)
            for (int t = t0; t < t1; t++)
            {
                float* src = DwT + (long)t * AStride + a;
                float total = src[0];
                for (int s = 1; s < Segments; s++) total += src[s * SegmentStride];
                Dw[(long)a * TapCount + t] += total;
            }
        }
    }
}

// Stride-1 correlations (every stride-1 convolution's forward pass and input gradient) in bands of output rows: each task
// packs the padded input rows its band reads into its own thread's buffer and runs the tiles over them, so there is one
// dispatch, each thread reads only what it packed (no lines pulled from the other core), and no padding rows are computed.
// In inference two neighbours ride along: an unpool before the layer is done while packing (each band unpools the rows it
// reads), and a pool after it while storing (each band is stored in its thread's buffer and pooled from there), or a
// 1×1 classifier after it (each band, all its channels, stored in the thread's buffer and classified from there).
// 3×3 layers with one padding on rows of whole vectors run the band's products by Winograd's F(2×2, 3×3), 5×5 and 7×7 ones
// by Winograd along rows (WinogradRows; WinogradBands.cs).
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using NetGen.Model;

namespace NetGen.Kernels;

internal static unsafe class CorrelationBands
{
    // Estimated costs in multiply-adds: a task's fixed cost, a tile's store, and one float packed.
    private const long TaskCost = 16_000, StoreCost = 1_600, PackCost = 2;
    // The search costs a few microseconds, as much as a small layer's packing: each thread remembers the plans it made.
    [ThreadStatic] private static Dictionary<PlanKey, BandPlan>? plans;

    /// <summary>out[n, o, y, x] = bias[o] + Σ_{i, u, v} W(o, i, ky, kx)·padded[n, i, y + u, x + v], with (ky, kx) = (u, v),
    /// or (k − 1 − u, k − 1 − v) when `flip`; `pad` zeros (a negative pad crops) surround the input.
    /// in [N, inC, inH, inW] → out [N, outC, outH, outW]; bias may be null; <paramref name="relu"/> stores max(out, 0);
    /// a <paramref name="gate"/> laid out like out stores 0 wherever it is not positive (a ReLU's backward).
    /// With <paramref name="unpool"/> the input is that MaxUnpool2d's output, never written: each band unpools the rows it
    /// packs (input is then ignored; pad must be ≥ 0). Same sums as unpooling first. With <paramref name="pool"/> (kernel =
    /// stride, input = out's shape, no gate) out is never written: each task stores its band in its thread's buffer and pools
    /// it into pool's values and argmax, bands a whole number of windows tall; same values and argmax as pooling out. With
    /// <paramref name="classify"/> out is not written either (unless given: then each band is stored there and classified from
    /// there): each task computes all channels of its band into its thread's buffer and runs the classifier on it
    /// (Pointwise.RunBand), writing the logits' rows; the same sums as classifying out. With <paramref name="gather"/> (out an
    /// unpool's output gradient, no gate) out is never written: each task stores its band in its thread's buffer and gathers it
    /// through the unpool's argmax (GatherBand), bands a whole number of cells tall; gather.Missed says where that failed.</summary>
    public static void Run(float* input, int inC, int inH, int inW, WeightView w, float* bias,
        float* output, int outC, int outH, int outW, int k, int pad, bool flip, int batch, bool relu, float* gate = null,
        UnpooledInput* unpool = null, PooledOutput* pool = null, ClassifiedOutput* classify = null, GatheredOutput* gather = null)
    {
        var path = KernelOptions.Path;
        int threads = KernelOptions.Threads;
        var ws = Workspace.Current;
        int tileChannels = outC == 1 ? 1 : CorrelationTiles.Channels;
        int tileWidth = outC == 1 ? CorrelationTiles.SingleWidth(path) : CorrelationTiles.Width(path);
        int coBlocks = (outC + tileChannels - 1) / tileChannels;
        int cols = outW + k - 1;
        // A one-channel 3×3 layer (a grayscale network's first) runs its nine taps for every output channel at once, a band
        // per task: see CorrelationBandJob.RunNineTaps.
        bool nineTaps = path == VectorPath.Vector512 && inC * k * k == 9 && outW >= 16;
        // A 2- or 3-channel 3×3 layer (an RGB network's first) with its ReLU and a 2×2, stride-2 pool after it takes the nine-tap
        // rows' pooled form too, its taps channel by channel (RunTapsPooled): no band buffer, no pass over it.
        bool pooledTaps = path == VectorPath.Vector512 && k == 3 && inC is 2 or 3 && pool != null && pool->Pool.Kernel == 2
            && pool->Pool.Stride == 2 && relu && outW >= 32 && outW % 2 == 0 && gate == null && gather == null && classify == null
            && unpool == null;
        nineTaps |= pooledTaps;
        int planBlocks = nineTaps ? 1 : coBlocks;
        // Rows of 16, 32 or 48 outputs take tiles of whole rows (CorrelationBandJob.RunGrid): no padding columns computed.
        // Their bands are still planned as for 96-position tiles: costed by whole-row tiles, the plans took 3- to 6-row
        // bands, which ran 10–16 % slower (more packing per output row) than the taller bands planned this way.
        int gridVectors = path == VectorPath.Vector512 && tileChannels == CorrelationTiles.Channels && !nineTaps
            && outW % 16 == 0 && outW <= 48 ? outW / 16 : 0;
        // A 3×3 kernel with one padding on rows of whole vectors takes Winograd's F(2×2, 3×3) (see Winograd): bands of whole
        // 2×2 tiles, an even number of rows.
        // A pool or gather after it needs bands of whole windows: strides of 2 only, which the tiles' rows are a multiple of.
        int windowRows = pool != null ? pool->Pool.Stride : gather != null ? gather->Pool.Stride : 1;
        bool winograd = !nineTaps && Winograd.Applies(path, inC, inH, inW, outC, outH, outW, k, pad) && windowRows is 1 or 2;
        // Rows of a multiple of 64 take tiles of 4×4 (see Winograd4): bands a multiple of 4 rows.
        // A training forward takes them where its ReLU is fused and checked (ReLUCheck) and nothing else decides in the call.
        // A fused 2×2 pool after the ReLU is checked too: windows whose two largest values lie within twice tau have their
        // values summed again (CorrelationBandJob.CheckWindows).
        bool reluChecked = KernelOptions.TrainingForward && relu && gate == null && gather == null
            && (pool == null || (pool->Pool.Kernel == 2 && pool->Pool.Stride == 2));
        bool winograd4 = winograd && Winograd4.Applies(outH, outW, reluChecked);
        bool checkReLU = winograd4 && reluChecked;
        // A 5×5 or 7×7 kernel with "same" padding on rows of an even width takes Winograd along rows (see WinogradRows).
        bool winogradRows = !nineTaps && !winograd && WinogradRows.Applies(path, inC, inH, inW, outC, outH, outW, k, pad);
        var rowsSet = winogradRows ? WinogradRows.ForRows(k, outW) : null;
        if (winograd || winogradRows) gridVectors = 0;
        int rowMultiple = winograd4 ? 4 : winograd ? 2 : windowRows;
        // A classified band needs all its channels in one task. Winograd's rows with up to 64 output channels take them all in
        // one task too: each chunk's transformed input is read by every block while it is in L2 (64→64 7×7 on 180×240:
        // 58–60 ms against 61–64 in channel groups; more channels would make each chunk's products outgrow L2).
        bool oneGroup = classify != null || (winogradRows && outC <= 64);
        var key = new PlanKey(inC, outH, outW, k, planBlocks, tileChannels, tileWidth, batch, threads, rowMultiple, oneGroup, winograd,
            winogradRows, winograd4 ? 4 : rowsSet?.Outputs ?? 0);
        plans ??= [];
        if (!plans.TryGetValue(key, out var plan))
            plans[key] = plan = Plan(inC, outH, outW, k, planBlocks, tileChannels, tileWidth, batch, threads, rowMultiple, oneGroup,
                winograd4 ? Winograd4.MaxRows(inC, outW) : winograd ? Winograd.MaxRows(inC, outW) : winogradRows ? WinogradRows.MaxRows(rowsSet!, inC, outW) : int.MaxValue);
        int lastRows = outH - (plan.BandsPerSample - 1) * plan.Rows;

        // A 2×2 pool after the nine-tap rows runs in their registers (RunNineTapsPooled): no band buffer, no pass over it.
        bool poolInRegisters = nineTaps && pool != null && pool->Pool.Kernel == 2 && pool->Pool.Stride == 2
            && outW >= 32 && outW % 2 == 0 && relu;
        // A classifier after 4-channel tiles stored from registers sums its logits from their registers too (ClassifySink):
        // no band buffer holding every channel of the band, no classifier taps or scratch.
        // With an output as well (a training forward keeps it), each band is stored there and classified from there.
        bool classifyInRegisters = classify != null && output == null && path == VectorPath.Vector512 && tileChannels == CorrelationTiles.Channels
            && !nineTaps && !winograd && !winogradRows && cols >= 16 && classify->Classes <= ClassifySink.MaxClasses;
        bool classifyBand = classify != null && !classifyInRegisters;

        // Two tap tables: the last band of a sample may be shorter, and a band's channels lie (rows + k − 1)·cols apart.
        int tapCount = inC * k * k;
        // An unpooled input also counts, per sample, band and channel, the argmax hits on the rows the band owns.
        long hitCount = unpool == null ? 0 : (long)batch * plan.BandsPerSample * inC;
        // The classifier's taps (Pointwise.BandTaps) come last.
        long classifierTaps = classifyBand ? 4L * outC : 0;
        // Winograd marks, per thread and block of 4 output channels, the blocks whose weights it has transformed.
        long winogradMarks = winograd && !winograd4 ? (long)threads * coBlocks : 0;
        int* taps = ws.Get<int>(ScratchSlot.Taps, 3L * tapCount + threads + hitCount + classifierTaps + winogradMarks);
        int* lastTaps = taps + tapCount, weightIndex = taps + 2 * tapCount, packedBand = taps + 3 * tapCount;
        long fullStride = (long)(plan.Rows + k - 1) * cols, lastStride = (long)(lastRows + k - 1) * cols;
        int t = 0;
        for (int i = 0; i < inC; i++)
        for (int u = 0; u < k; u++)
        for (int v = 0; v < k; v++, t++)
        {
            taps[t] = checked((int)(i * fullStride + u * cols + v));
            lastTaps[t] = (int)(i * lastStride + u * cols + v);
            int ky = flip ? k - 1 - u : u, kx = flip ? k - 1 - v : v;
            weightIndex[t] = i * w.InStride + ky * k + kx;
        }
        for (int i = 0; i < threads; i++) packedBand[i] = -1;
        // Winograd's products are 1×1 correlations over the transformed input: tap i is input channel i, its weight the
        // i-th of an output channel's 16-float transformed weights.
        long transformedStride = 0, productStride = 0;
        if (winograd)
        {
            // Channels and the 16 products' planes an odd number of cache lines apart: the input transform stores to all 16.
            int tile = winograd4 ? 4 : 2;
            transformedStride = Winograd.OddLines((long)plan.Rows / tile * (outW / tile));
            productStride = Winograd.OddLines(inC * transformedStride);
            for (int i = 0; i < inC; i++)
            {
                taps[i] = checked((int)(i * transformedStride));
                weightIndex[i] = (winograd4 ? Winograd4.Planes : 16) * i;
            }
        }
        // The rows' products: tap (i, kh) reads input channel i's transformed row kh rows below the tile's, its weight the
        // (i·k + kh)-th of an output channel's transformed weights for that product.
        if (winogradRows)
        {
            int tw = outW / rowsSet!.Outputs;
            transformedStride = Winograd.OddLines((long)(plan.Rows + k - 1) * tw + 16);
            productStride = Winograd.OddLines(inC * transformedStride);
            for (int i = 0, tap = 0; i < inC; i++)
            for (int kh = 0; kh < k; kh++, tap++)
            {
                taps[tap] = checked((int)(i * transformedStride + kh * tw));
                weightIndex[tap] = tap;
            }
        }

        // A short band's tiles read up to one tile past its last channel: that slack is zeroed with each packing.
        long bandFloats = inC * fullStride + tileWidth;
        var job = new CorrelationBandJob
        {
            Path = path, Input = input, InC = inC, InH = inH, InW = inW, Pad = pad, K = k, Cols = cols, NineTaps = nineTaps,
            Weights = w, Bias = bias, Output = output, Gate = gate, OutC = outC, OutH = outH, OutW = outW, Relu = relu,
            Taps = taps, LastTaps = lastTaps, WeightIndex = weightIndex, TapCount = tapCount, PackedBand = packedBand,
            Rows = plan.Rows, BandsPerSample = plan.BandsPerSample, Groups = plan.Groups, CbPerGroup = plan.CbPerGroup,
            CoBlocks = coBlocks, TileWidth = tileWidth, TileChannels = tileChannels, GridVectors = gridVectors,
            BandFloats = bandFloats, ByWinograd = winograd, Winograd4x4 = winograd4, ByWinogradRows = winogradRows, Flip = flip, TransformedStride = transformedStride, ProductStride = productStride,
            ScratchFloats = Math.Max((long)tileChannels * tileWidth,
                    winograd4 ? Winograd4.ProductFloats + Winograd4.ScratchFloats : winograd ? Winograd.ProductFloats : winogradRows ? WinogradRows.ProductFloats(rowsSet!, plan.CbPerGroup * tileChannels) : 0)
                + (classifyBand ? Pointwise.BandScratch(path, outC) : 0),
            PoolInRegisters = poolInRegisters, ClassifyInRegisters = classifyInRegisters,
        };
        if (nineTaps)
        {
            int stride = job.TapStride = pooledTaps ? 32 : CorrelationBandJob.NineTapStride;
            float* nine = job.NineTapWeights = ws.Get<float>(ScratchSlot.Weights, (long)outC * stride);
            for (int o = 0; o < outC; o++, nine += stride)
            {
                float* row = w.Data + (long)o * w.OutStride;
                for (int tap = 0; tap < tapCount; tap++) nine[tap] = row[weightIndex[tap]];
                nine[tapCount] = bias != null ? bias[o] : 0f;
            }
        }
        int tasks = batch * plan.BandsPerSample * plan.Groups;
        if (winograd && !winograd4)
        {
            job.WinogradMarks = packedBand + threads + hitCount + classifierTaps;
            for (long i = 0; i < winogradMarks; i++) job.WinogradMarks[i] = 0;
        }
        if (winograd4)
        {
            job.FromPlanes = unpool == null;
            // Tiles of 4×4: every block's weights transformed once before the bands by all threads (36 per tap pair, in float64).
            job.RowsWeights = ws.Get<float>(ScratchSlot.Weights, (long)Winograd4.Planes * coBlocks * 4 * inC);
            if (checkReLU)
            {
                // Per output channel Σ|W|, then per thread the largest input of the band it holds (ReLUCheck.Tau).
                job.TapSums = ws.Get<float>(ScratchSlot.Counts, outC + threads);
                job.BandMax = job.TapSums + outC;
            }
            Winograd4.TransformAllWeights(w, flip, outC, inC, job.RowsWeights, coBlocks, threads, job.TapSums);
        }
        if (winogradRows)
        {
            // The rows' weights, every block's, transformed once before the bands by all threads (not once per thread).
            long xiWeights = (long)coBlocks * 4 * inC * k;
            job.RowTiles = rowsSet!.Outputs;
            job.RowsWeights = ws.Get<float>(ScratchSlot.Weights, rowsSet.Count * xiWeights);
            WinogradRows.TransformAllWeights(rowsSet, w, flip, outC, inC, job.RowsWeights, xiWeights, coBlocks, threads);
        }
        if (pool != null) job.Pooled = *pool;
        job.BandPlane = (long)plan.Rows * outW;
        if (classify != null) job.Classify = *classify;
        if (classifyBand)
        {
            job.ClassifierTaps = packedBand + threads + hitCount;
            Pointwise.BandTaps(path, job.ClassifierTaps, outC, output != null ? (long)outH * outW : job.BandPlane, classify->Weights);
        }
        if (gather != null) job.Gathered = *gather;
        if ((pool != null && !poolInRegisters) || (classifyBand && output == null) || gather != null)
        {
            // A task's channels: all of them with nine taps, else its group's blocks.
            int taskChannels = nineTaps ? outC : Math.Min(outC, plan.CbPerGroup * tileChannels);
            job.BandOutFloats = (long)taskChannels * job.BandPlane + 64;
        }
        if (unpool == null)
        {
            WorkerPool.Run(ref job, tasks, threads);
            if (gather != null) gather->Missed = job.Gathered.Missed;
            return;
        }
        job.Unpool = *unpool;
        job.Hits = packedBand + threads;
        // Rows are unpooled densely (UnpoolRows) where windows do not overlap and every argmax lies in its own window, as a
        // pool's do; otherwise the run is redone with each band scanning its planes' every index, as ScatterJob's general way.
        job.ScanAll = unpool->Pool.Kernel > unpool->Pool.Stride;
        WorkerPool.Run(ref job, tasks, threads);
        if (!job.ScanAll && !AllHit(job.Hits, batch * inC, plan.BandsPerSample, inC, unpool->Pool.OutPlane))
        {
            job.ScanAll = true;
            for (int i = 0; i < threads; i++) packedBand[i] = -1;
            WorkerPool.Run(ref job, tasks, threads);
        }
        if (job.Bad != 0) throw new ArgumentException("An index lies outside the output plane.", "indices");
        if (gather != null) gather->Missed = job.Gathered.Missed;
    }

    // Whether each plane (sample n, channel i) had all its argmax hits, summed over its bands.
    private static bool AllHit(int* hits, int planes, int bandsPerSample, int inC, int outPlane)
    {
        for (int plane = 0; plane < planes; plane++)
        {
            int n = plane / inC, i = plane % inC, sum = 0;
            for (int b = 0; b < bandsPerSample; b++) sum += hits[((long)n * bandsPerSample + b) * inC + i];
            if (sum != outPlane) return false;
        }
        return true;
    }

    internal readonly record struct BandPlan(int Rows, int BandsPerSample, int Groups, int CbPerGroup);

    private readonly record struct PlanKey(int InC, int OutH, int OutW, int K, int CoBlocks, int TileChannels, int TileWidth, int Batch, int Threads,
        int RowMultiple, bool OneGroup, bool Winograd, bool WinogradRows, int RowTiles);

    /// <summary>Rows per band and output-channel groups per band that minimize the estimated time on `threads` threads: a
    /// task's tiles (the last one partial), its packing (k − 1 rows more than it computes) and fixed cost, times the tasks
    /// a thread runs, plus a quarter task of imbalance at the end. One thread takes the fewest, largest bands. Bands are a
    /// multiple of <paramref name="rowMultiple"/> rows tall (a fused pool's windows), but for the last, and at most
    /// <paramref name="maxRows"/> tall where a smaller count of bands allows it (Winograd's transformed input, kept in L2). With
    /// <paramref name="oneGroup"/> every task computes all output channels of its band (a fused classifier reads them all).</summary>
    internal static BandPlan Plan(int inC, int outH, int outW, int k, int coBlocks, int tileChannels, int tileWidth, int batch, int threads,
        int rowMultiple = 1, bool oneGroup = false, int maxRows = int.MaxValue)
    {
        int cols = outW + k - 1;
        long tileWork = (long)inC * k * k * tileChannels * tileWidth + StoreCost;
        var best = new BandPlan(outH, 1, 1, coBlocks);
        double bestCost = double.MaxValue;
        // Up to 64 bands, or as many as maxRows (a whole number of pool windows) needs: a wide plane of many channels by Winograd.
        if (maxRows < outH) maxRows = Math.Max(rowMultiple, maxRows / rowMultiple * rowMultiple);
        int maxBands = Math.Min(outH, Math.Max(64, maxRows >= outH ? 1 : (outH + maxRows - 1) / maxRows));
        for (int bands = 1; bands <= maxBands; bands++)
        {
            int rows = (outH + bands - 1) / bands;
            // Bands taller than maxRows only where no count up to maxBands is (then the most bands).
            if (rows > maxRows && bands < maxBands) continue;
            // Every count of bands that rounds to the same rows gives the same tasks; the smallest one has the fewest (and
            // was weighed, unless it was too tall).
            if (bands > 1 && (outH + bands - 2) / (bands - 1) == rows && rows <= maxRows) continue;
            if (rows < outH && rows % rowMultiple != 0) continue;
            int bandsPerSample = (outH + rows - 1) / rows;
            long positions = (long)(rows - 1) * cols + outW;
            long tiles = (positions + tileWidth - 1) / tileWidth;
            long packed = (long)inC * (rows + k - 1) * cols;
            for (int groups = 1; groups <= (oneGroup ? 1 : coBlocks); groups *= 2)
            {
                int cbPerGroup = (coBlocks + groups - 1) / groups;
                int realGroups = (coBlocks + cbPerGroup - 1) / cbPerGroup;
                if (realGroups != groups && groups > 1) continue;
                double task = tiles * cbPerGroup * tileWork + packed * PackCost + TaskCost;
                long tasks = (long)batch * bandsPerSample * groups;
                double cost = (tasks + threads - 1) / threads * task + (threads > 1 ? task / 4 : 0);
                if (cost < bestCost)
                {
                    bestCost = cost;
                    best = new BandPlan(rows, bandsPerSample, groups, cbPerGroup);
                }
            }
        }
        // No count of bands rounds to a whole number of windows within maxRows (a short plane): bands of maxRows rows.
        if (bestCost == double.MaxValue && maxRows < outH) best = new BandPlan(maxRows, (outH + maxRows - 1) / maxRows, 1, coBlocks);
        return best;
    }
}

/// <summary>One band of output rows of one sample, for one group of output-channel blocks: packs the band's input rows
/// (unless this thread's buffer holds them already), then runs and stores its tiles.</summary>
internal unsafe partial struct CorrelationBandJob : IParallelJob
{
    public VectorPath Path;
    public float* Input;
    public int InC, InH, InW, Pad, K, Cols;
    public bool NineTaps;
    /// <summary>Classify set, and its logits summed from the tiles' registers: see RunClassified.</summary>
    public bool ClassifyInRegisters;
    /// <summary>NineTaps with its ReLU and a 2×2, stride-2 pool after it, on rows of at least 32 outputs, an even number:
    /// see RunNineTapsPooled.</summary>
    public bool PoolInRegisters;
    /// <summary>With NineTaps: per output channel, its weights in tap order (nine per input channel) and its bias (0 without),
    /// TapStride apart.</summary>
    public float* NineTapWeights;
    public const int NineTapStride = 16;
    /// <summary>NineTapWeights' stride: NineTapStride, or 32 for RunTapsPooled's 18 or 27 taps and bias.</summary>
    public int TapStride;
    public WeightView Weights;
    public float* Bias;
    public float* Output, Gate;
    public int OutC, OutH, OutW;
    public bool Relu;
    public int* Taps, LastTaps, WeightIndex, PackedBand;
    public int TapCount;
    public int Rows, BandsPerSample, Groups, CbPerGroup, CoBlocks, TileWidth, TileChannels;
    /// <summary>Set when the band runs Winograd's F(2×2, 3×3) (see Winograd, RunWinograd): the weights are flipped with Flip;
    /// the transformed input's channels lie TransformedStride apart and its 16 products ProductStride apart;
    /// WinogradMarks[worker·CoBlocks + block] says whether that thread has transformed the block's weights in this call.</summary>
    public bool ByWinograd, Flip;
    /// <summary>With ByWinograd: tiles of 4×4 outputs, F(4×4, 3×3) (see Winograd4), instead of 2×2.</summary>
    public bool Winograd4x4;
    /// <summary>Winograd4x4 on an input that is not unpooled: transformed straight from its planes (TransformPlanes), no
    /// packed band.</summary>
    public bool FromPlanes;
    /// <summary>Set (non-null) when Winograd4x4 runs a training forward's ReLU checked (ReLUCheck): TapSums[o] = Σ|W(o, ·)|,
    /// BandMax[worker] the largest |input| of the band that thread has packed.</summary>
    public float* TapSums, BandMax;
    /// <summary>Set when the band runs Winograd along rows (see WinogradRows, RunWinogradRows), with the same fields.</summary>
    public bool ByWinogradRows;
    public long TransformedStride, ProductStride;
    public int* WinogradMarks;
    /// <summary>With ByWinogradRows or Winograd4x4: every block's transformed weights, made before the bands
    /// (WinogradRows.TransformAllWeights, Winograd4.TransformAllWeights).</summary>
    public float* RowsWeights;
    /// <summary>With ByWinogradRows: outputs per tile, 2 (WinogradRows.Forward) or 4 (WinogradRows.Wide).</summary>
    public int RowTiles;
    /// <summary>Vectors of 16 columns per output row when the tiles cover whole rows (RunGrid), else 0.</summary>
    public int GridVectors;
    // Floats in each thread's buffers: packed input band, tile scratch, and band output (0: none, the output is written).
    public long BandFloats, ScratchFloats;
    /// <summary>Set (Pool.C &gt; 0) when the input is a MaxUnpool2d's output, unpooled band by band: see PackUnpooled.</summary>
    public UnpooledInput Unpool;
    public int* Hits;
    public bool ScanAll;
    public int Bad;
    /// <summary>Set (Values non-null) when a pool follows: see PoolBand.</summary>
    public PooledOutput Pooled;
    /// <summary>Set (Output non-null) when the correlation computes an input gradient that goes back through an unpool: see GatherBand.</summary>
    public GatheredOutput Gathered;
    /// <summary>Set (Output non-null) when a classifier follows: see ClassifyBand.</summary>
    public ClassifiedOutput Classify;
    public int* ClassifierTaps;
    public long BandOutFloats;
    public long BandPlane;

    public void Execute(int task, int worker)
    {
        int band = task / Groups, group = task % Groups;
        int n = band / BandsPerSample, y0 = band % BandsPerSample * Rows;
        int rows = Math.Min(Rows, OutH - y0);
        // Each thread's buffers come from its own workspace, allocated by that thread. One block for all threads, allocated
        // by the caller, made the second thread write its band outputs 2–8× slower in some processes on this machine.
        var own = Workspace.Current;
        float* packed = own.Get<float>(ScratchSlot.ThreadInput, BandFloats);
        float* scratch = own.Get<float>(ScratchSlot.ThreadTile, ScratchFloats);
        if (PackedBand[worker] != band)
        {
            if (FromPlanes) TransformPlanes(n, y0, rows, own, scratch);
            else
            {
                if (Unpool.Values != null) PackUnpooled(n, band % BandsPerSample, y0, rows, packed);
                else Pack(n, y0, rows, packed);
                if (ByWinograd) TransformBand(packed, rows, own, scratch);
                else if (ByWinogradRows) TransformBandRows(packed, rows, own);
            }
            if (TapSums != null) BandMax[worker] = FromPlanes ? PlanesMax(n, y0, rows) : ReLUCheck.MaxAbs(packed, InC * (long)(rows + K - 1) * Cols);
            PackedBand[worker] = band;
        }

        int* taps = rows == Rows ? Taps : LastTaps;
        int cbStart = group * CbPerGroup, cbEnd = Math.Min(CoBlocks, cbStart + CbPerGroup);
        int firstChannel = NineTaps ? 0 : cbStart * TileChannels, endChannel = NineTaps ? OutC : Math.Min(OutC, cbEnd * TileChannels);
        // With a pool or a classifier after the layer, channel o's rows go to this thread's band buffer instead, [channel][Rows][OutW].
        float* bandOut = BandOutFloats == 0 ? null : own.Get<float>(ScratchSlot.ThreadOutput, BandOutFloats) - (long)firstChannel * BandPlane;
        if (PoolInRegisters)
        {
            if (InC == 1) RunNineTapsPooled(packed, n, y0, rows);
            else RunTapsPooled(packed, n, y0, rows);
            return;
        }
        if (ByWinograd) RunWinograd(n, y0, rows, cbStart, cbEnd, worker, own, scratch, bandOut);
        else if (ByWinogradRows) RunWinogradRows(n, y0, rows, cbStart, cbEnd, own, scratch, bandOut);
        else if (NineTaps) RunNineTaps(packed, taps, n, y0, rows, bandOut);
        else RunTiles(packed, taps, n, y0, rows, cbStart, cbEnd, scratch, bandOut);
        if (Pooled.Values != null)
        {
            if (TapSums != null) CheckWindows(own, n, y0, rows, firstChannel, endChannel, bandOut, worker);
            PoolBand(n, y0, rows, firstChannel, endChannel, bandOut);
        }
        if (Gathered.Output != null) GatherBand(n, y0, rows, firstChannel, endChannel, bandOut);
        if (Classify.Output != null && !ClassifyInRegisters) ClassifyBand(n, y0, rows, bandOut, scratch + TileChannels * TileWidth);
    }

    /// <summary>Classifies the band from its buffer, or without one from the output's rows it just stored (all channels: one
    /// group): logits rows y0 .. y0 + rows − 1 of sample n.</summary>
    private readonly void ClassifyBand(int n, int y0, int rows, float* bandOut, float* scratch)
    {
        long plane = (long)OutH * OutW;
        float* logits = Classify.Output + n * Classify.Classes * plane + (long)y0 * OutW;
        float* band = bandOut != null ? bandOut : Output + (long)n * OutC * plane + (long)y0 * OutW;
        Pointwise.RunBand(Path, band, OutC, bandOut != null ? BandPlane : plane, Classify.Weights, Classify.Bias, logits, Classify.Classes,
            plane, rows * OutW, ClassifierTaps, scratch);
    }

    /// <summary>Pools channels [first, end) of the band from its buffer: pooled rows y0 / s up to the last whose windows
    /// the band holds, with the argmax as offsets in the whole output plane.</summary>
    private readonly void PoolBand(int n, int y0, int rows, int first, int end, float* bandOut)
    {
        var g = Pooled.Pool;
        int oyFrom = y0 / g.Stride, oyTo = Math.Min(g.OutH, (y0 + rows) / g.Stride);
        if (oyTo <= oyFrom) return;
        long planeFloats = BandPlane;
        for (int o = first; o < end; o++)
        {
            float* plane = bandOut + o * planeFloats;
            long at = ((long)n * OutC + o) * g.OutPlane;
            // The pool reads rows oy·s .. oy·s + s − 1 of a plane that starts y0 rows above the buffer.
            var job = new MaxPoolJob { Path = Path, XEnd = plane + (long)rows * OutW, G = g };
            job.Rows(plane - (long)y0 * OutW, Pooled.Values + at, Pooled.Indices + at, oyFrom, oyTo);
        }
    }

    /// <summary>Gathers channels [first, end) of the band from its buffer through the unpool's argmax (see GatheredOutput):
    /// pooled rows y0 / s up to the last whose cells the band holds.</summary>
    private void GatherBand(int n, int y0, int rows, int first, int end, float* bandOut)
    {
        var g = Gathered.Pool;
        int oyFrom = y0 / g.Stride, oyTo = Math.Min(g.OutH, (y0 + rows) / g.Stride);
        if (oyTo <= oyFrom) return;
        int missed = 0;
        for (int o = first; o < end; o++)
        {
            long at = ((long)n * OutC + o) * g.OutPlane;
            // The gather reads rows oy·s .. oy·s + s − 1 of a plane that starts y0 rows above the buffer.
            missed += UnpoolGather.Rows(Path, bandOut + o * BandPlane - (long)y0 * OutW, Gathered.Gate == null ? null : Gathered.Gate + at,
                Gathered.Indices + at, Gathered.Output + at, g, oyFrom, oyTo);
        }
        if (missed != 0) Volatile.Write(ref Gathered.Missed, 1);
    }

    private readonly void RunTiles(float* packed, int* taps, int n, int y0, int rows, int cbStart, int cbEnd, float* tile, float* bandOut)
    {
        if (GridVectors > 0)
        {
            RunGrid(packed, taps, n, y0, rows, cbStart, cbEnd, bandOut);
            return;
        }
        // Storing from registers needs a vector to touch at most two output rows.
        bool placed = Path == VectorPath.Vector512 && Cols >= 16;
        VectorPlacement* placements = stackalloc VectorPlacement[CorrelationStore.MaxVectors];
        // Band positions q = r·Cols + c; the last valid one is on row rows − 1 at column OutW − 1.
        int positions = (rows - 1) * Cols + OutW;
        for (int from = 0; from < positions; from += TileWidth)
        {
            // The last tile ends at the last position, overlapping the one before: no positions are computed past it.
            int start = Math.Max(0, Math.Min(from, positions - TileWidth));
            int to = Math.Min(from + TileWidth, positions);
            if (placed)
            {
                CorrelationStore.Place(placements, TileWidth / 16, start, from, to, Cols, OutW);
                if (ClassifyInRegisters) RunClassified(packed + start, taps, placements, TileWidth / 16, 0, n, y0, cbStart, cbEnd);
                else
                    for (int cb = cbStart; cb < cbEnd; cb++) RunPlaced(packed + start, taps, placements, n, y0, cb, bandOut);
                continue;
            }
            for (int cb = cbStart; cb < cbEnd; cb++)
            {
                if (TileChannels == 1)
                    CorrelationTiles.RunSingle(Path, packed + start, taps, WeightIndex, TapCount, Row(cb, 0), tile);
                else
                    CorrelationTiles.Run(Path, packed + start, taps, WeightIndex, TapCount,
                        Row(cb, 0), Row(cb, 1), Row(cb, 2), Row(cb, 3), tile);
                int channels = Math.Min(TileChannels, OutC - cb * TileChannels);
                for (int j = 0; j < channels; j++)
                {
                    int o = cb * TileChannels + j;
                    float* dst = Dest(n, y0, o, bandOut);
                    CorrelationStore.Rows(tile + j * TileWidth - start, from, to, Cols, OutW,
                        Bias != null ? Bias[o] : 0f, dst, Path, Relu, Gate == null ? null : Gate + (dst - Output));
                }
            }
        }
    }

    /// <summary>Vector512, nine taps, rows at least a vector wide: each 16 columns of an output row load their nine shifted
    /// inputs once and every output channel reuses them. The tiles would reload them per block of 4 channels and spend more
    /// on set-up and stores than on the 9 multiply-adds of an output; here a vector of outputs is 9 multiply-adds with
    /// broadcast weights and one whole store. Same sums in the same order as the tiles (bias first, taps in order).</summary>
    private readonly void RunNineTaps(float* packed, int* taps, int n, int y0, int rows, float* bandOut)
    {
        int t0 = taps[0], t1 = taps[1], t2 = taps[2], t3 = taps[3], t4 = taps[4], t5 = taps[5], t6 = taps[6], t7 = taps[7], t8 = taps[8];
        // Every value the channel loop reads is a local (through pointers it would be reloaded after each store), and its
        // weights are NineTapWeights' rows, at fixed offsets: with nine weight indices the loop ran out of registers.
        float* weights = NineTapWeights, gate = Gate, output = Output;
        long plane = bandOut == null ? (long)OutH * OutW : BandPlane;
        float* first = Dest(n, y0, 0, bandOut);
        int outC = OutC, outW = OutW, cols = Cols;
        bool relu = Relu;
        // Two blocks of 16 columns at a time where the row has them: two independent chains of 9 multiply-adds per channel,
        // each broadcast weight used twice. The last block (or pair) of a row overlaps the one before and stores the same
        // values again.
        int width = outW >= 32 ? 32 : 16;
        for (int r = 0; r < rows; r++)
        for (int c = 0; c < outW; c += width)
        {
            int c0 = Math.Min(c, outW - width);
            float* x = packed + r * cols + c0;
            float* dst = first + (long)r * outW + c0;
            float* w = weights, end = weights + (long)outC * NineTapStride;
            Vector512<float> x0 = Vector512.Load(x + t0), x1 = Vector512.Load(x + t1), x2 = Vector512.Load(x + t2);
            Vector512<float> x3 = Vector512.Load(x + t3), x4 = Vector512.Load(x + t4), x5 = Vector512.Load(x + t5);
            Vector512<float> x6 = Vector512.Load(x + t6), x7 = Vector512.Load(x + t7), x8 = Vector512.Load(x + t8);
            if (width == 16)
            {
                for (; w < end; dst += plane, w += NineTapStride)
                {
                    var acc = Vector512.Create(w[9]);
                    acc = Vector512.FusedMultiplyAdd(x0, Vector512.Create(w[0]), acc);
                    acc = Vector512.FusedMultiplyAdd(x1, Vector512.Create(w[1]), acc);
                    acc = Vector512.FusedMultiplyAdd(x2, Vector512.Create(w[2]), acc);
                    acc = Vector512.FusedMultiplyAdd(x3, Vector512.Create(w[3]), acc);
                    acc = Vector512.FusedMultiplyAdd(x4, Vector512.Create(w[4]), acc);
                    acc = Vector512.FusedMultiplyAdd(x5, Vector512.Create(w[5]), acc);
                    acc = Vector512.FusedMultiplyAdd(x6, Vector512.Create(w[6]), acc);
                    acc = Vector512.FusedMultiplyAdd(x7, Vector512.Create(w[7]), acc);
                    acc = Vector512.FusedMultiplyAdd(x8, Vector512.Create(w[8]), acc);
                    Store(acc, dst, relu, gate, output);
                }
                continue;
            }
            x += 16;
            Vector512<float> y0v = Vector512.Load(x + t0), y1 = Vector512.Load(x + t1), y2 = Vector512.Load(x + t2);
            Vector512<float> y3 = Vector512.Load(x + t3), y4 = Vector512.Load(x + t4), y5 = Vector512.Load(x + t5);
            Vector512<float> y6 = Vector512.Load(x + t6), y7 = Vector512.Load(x + t7), y8 = Vector512.Load(x + t8);
            for (; w < end; dst += plane, w += NineTapStride)
            {
                var a = Vector512.Create(w[9]);
                var b = a;
                var k = Vector512.Create(w[0]); a = Vector512.FusedMultiplyAdd(x0, k, a); b = Vector512.FusedMultiplyAdd(y0v, k, b);
                k = Vector512.Create(w[1]); a = Vector512.FusedMultiplyAdd(x1, k, a); b = Vector512.FusedMultiplyAdd(y1, k, b);
                k = Vector512.Create(w[2]); a = Vector512.FusedMultiplyAdd(x2, k, a); b = Vector512.FusedMultiplyAdd(y2, k, b);
                k = Vector512.Create(w[3]); a = Vector512.FusedMultiplyAdd(x3, k, a); b = Vector512.FusedMultiplyAdd(y3, k, b);
                k = Vector512.Create(w[4]); a = Vector512.FusedMultiplyAdd(x4, k, a); b = Vector512.FusedMultiplyAdd(y4, k, b);
                k = Vector512.Create(w[5]); a = Vector512.FusedMultiplyAdd(x5, k, a); b = Vector512.FusedMultiplyAdd(y5, k, b);
                k = Vector512.Create(w[6]); a = Vector512.FusedMultiplyAdd(x6, k, a); b = Vector512.FusedMultiplyAdd(y6, k, b);
                k = Vector512.Create(w[7]); a = Vector512.FusedMultiplyAdd(x7, k, a); b = Vector512.FusedMultiplyAdd(y7, k, b);
                k = Vector512.Create(w[8]); a = Vector512.FusedMultiplyAdd(x8, k, a); b = Vector512.FusedMultiplyAdd(y8, k, b);
                Store(a, dst, relu, gate, output);
                Store(b, dst + 16, relu, gate, output);
            }
        }
    }

    /// <summary>The nine-tap rows with their ReLU and 2×2, stride-2 max pool, pooled in registers: each pair of output rows
    /// and 32 columns loads the 4 input rows × 3 shifts × 2 blocks it reads once, and each output channel computes its 4
    /// vectors (bias first, taps in order, as RunNineTaps), clamps them at zero and pools them the way MaxPoolJob.Row2x2
    /// does (window order, strictly greater), storing 16 pooled values and their argmax. The convolution's output is never
    /// stored. A last pair of columns overlapping the one before stores the same values again; an odd last row (which the
    /// pool drops) is not computed.</summary>
    private readonly void RunNineTapsPooled(float* packed, int n, int y0, int rows)
    {
        float* weights = NineTapWeights, end = weights + (long)OutC * NineTapStride;
        var g = Pooled.Pool;
        int outW = OutW, cols = Cols, pooledW = g.OutW;
        long pooledPlane = g.OutPlane;
        float* values = Pooled.Values + (long)n * OutC * pooledPlane;
        int* indices = Pooled.Indices + (long)n * OutC * pooledPlane;
        var evens = Vector512.Create(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
        for (int r = 0; r + 1 < rows; r += 2)
        for (int c = 0; c < outW; c += 32)
        {
            int c0 = Math.Min(c, outW - 32);
            // Input row q (of the 4 the two output rows read), shift v (0–2), block b (columns c0 + 16b ..): p{q}{v} for
            // block 0, q{q}{v} for block 1. Rows 1 and 2 (read by both output rows) stay in registers; rows 0 and 3 are
            // loaded by each channel that reads them (12 L1 loads beside its 36 multiply-adds): with all 24 in registers
            // the JIT spilled two of them around the pooling.
            float* top = packed + (long)r * cols + c0, bottom = top + 3 * cols, x = top + cols;
            Vector512<float> p10 = Vector512.Load(x), p11 = Vector512.Load(x + 1), p12 = Vector512.Load(x + 2);
            Vector512<float> q10 = Vector512.Load(x + 16), q11 = Vector512.Load(x + 17), q12 = Vector512.Load(x + 18);
            x += cols;
            Vector512<float> p20 = Vector512.Load(x), p21 = Vector512.Load(x + 1), p22 = Vector512.Load(x + 2);
            Vector512<float> q20 = Vector512.Load(x + 16), q21 = Vector512.Load(x + 17), q22 = Vector512.Load(x + 18);
            int first = (y0 + r) * outW + c0;
            var at = evens + Vector512.Create(first);
            long pooledAt = (long)(y0 + r) / 2 * pooledW + c0 / 2;
            float* v = values + pooledAt;
            int* ix = indices + pooledAt;
            for (float* w = weights; w < end; w += NineTapStride, v += pooledPlane, ix += pooledPlane)
            {
                // a, b: the top output row's two blocks; d, e: the bottom row's.
                var a = Vector512.Create(w[9]);
                var b = a;
                var d = a;
                var e = a;
                // Weight t (tap (u, v) = (t / 3, t % 3)) meets input rows u (top) and u + 1 (bottom), shift v.
                Quad(w + 0, Vector512.Load(top), Vector512.Load(top + 16), p10, q10, ref a, ref b, ref d, ref e);
                Quad(w + 1, Vector512.Load(top + 1), Vector512.Load(top + 17), p11, q11, ref a, ref b, ref d, ref e);
                Quad(w + 2, Vector512.Load(top + 2), Vector512.Load(top + 18), p12, q12, ref a, ref b, ref d, ref e);
                Quad(w + 3, p10, q10, p20, q20, ref a, ref b, ref d, ref e);
                Quad(w + 4, p11, q11, p21, q21, ref a, ref b, ref d, ref e);
                Quad(w + 5, p12, q12, p22, q22, ref a, ref b, ref d, ref e);
                Quad(w + 6, p20, q20, Vector512.Load(bottom), Vector512.Load(bottom + 16), ref a, ref b, ref d, ref e);
                Quad(w + 7, p21, q21, Vector512.Load(bottom + 1), Vector512.Load(bottom + 17), ref a, ref b, ref d, ref e);
                Quad(w + 8, p22, q22, Vector512.Load(bottom + 2), Vector512.Load(bottom + 18), ref a, ref b, ref d, ref e);
                PoolStore(a, b, d, e, at, outW, v, ix);
            }
        }
    }

    /// <summary>RunNineTapsPooled for 2 or 3 input channels: per pair of output rows and 32 columns, output channels two at a
    /// time sum their 4 vectors each (bias first, then each input channel's nine taps in order) from the band's rows in L1,
    /// every input vector loaded once for both; then each is clamped at zero and pooled as RunNineTapsPooled does. The
    /// convolution's output is never stored.</summary>
    private readonly void RunTapsPooled(float* packed, int n, int y0, int rows)
    {
        int inC = InC, stride = TapStride, outC = OutC;
        var g = Pooled.Pool;
        int outW = OutW, cols = Cols, pooledW = g.OutW;
        long pooledPlane = g.OutPlane, channelStride = (long)(rows + K - 1) * cols;
        float* values = Pooled.Values + (long)n * outC * pooledPlane;
        int* indices = Pooled.Indices + (long)n * outC * pooledPlane;
        for (int r = 0; r + 1 < rows; r += 2)
        for (int c = 0; c < outW; c += 32)
        {
            int c0 = Math.Min(c, outW - 32);
            float* top = packed + (long)r * cols + c0;
            var at = Vector512.Create(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30) + Vector512.Create((y0 + r) * outW + c0);
            long pooledAt = (long)(y0 + r) / 2 * pooledW + c0 / 2;
            // An odd last channel runs with itself as the pair's second, stored once.
            for (int o = 0; o < outC; o += 2)
            {
                int o1 = Math.Min(o + 1, outC - 1);
                float* w0 = NineTapWeights + (long)o * stride, w1 = NineTapWeights + (long)o1 * stride;
                TapsPair(top, channelStride, cols, inC, w0, w1, out var a0, out var b0, out var d0, out var e0, out var a1, out var b1,
                    out var d1, out var e1);
                PoolStore(a0, b0, d0, e0, at, outW, values + o * pooledPlane + pooledAt, indices + o * pooledPlane + pooledAt);
                if (o1 != o)
                    PoolStore(a1, b1, d1, e1, at, outW, values + o1 * pooledPlane + pooledAt, indices + o1 * pooledPlane + pooledAt);
            }
        }
    }

    // Two output channels' 4 vectors over inC input channels (bias at 9·inC, then tap t of channel i at 9·i + t): tap (u, v)
    // meets input rows u (top row's a, b) and u + 1 (bottom row's d, e), shift v; each input vector feeds both channels.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void TapsPair(float* top, long channelStride, int cols, int inC, float* w0, float* w1,
        out Vector512<float> a0, out Vector512<float> b0, out Vector512<float> d0, out Vector512<float> e0,
        out Vector512<float> a1, out Vector512<float> b1, out Vector512<float> d1, out Vector512<float> e1)
    {
        a0 = b0 = d0 = e0 = Vector512.Create(w0[9 * inC]);
        a1 = b1 = d1 = e1 = Vector512.Create(w1[9 * inC]);
        // The nine taps written out (loops of 3 stayed loops: 8 multiply-adds and their addressing per iteration).
        for (int i = 0; i < inC; i++, top += channelStride, w0 += 9, w1 += 9)
        {
            float* x1 = top + cols, x2 = x1 + cols, x3 = x2 + cols;
            Tap2(top, x1, 0, w0 + 0, w1 + 0, ref a0, ref b0, ref d0, ref e0, ref a1, ref b1, ref d1, ref e1);
            Tap2(top, x1, 1, w0 + 1, w1 + 1, ref a0, ref b0, ref d0, ref e0, ref a1, ref b1, ref d1, ref e1);
            Tap2(top, x1, 2, w0 + 2, w1 + 2, ref a0, ref b0, ref d0, ref e0, ref a1, ref b1, ref d1, ref e1);
            Tap2(x1, x2, 0, w0 + 3, w1 + 3, ref a0, ref b0, ref d0, ref e0, ref a1, ref b1, ref d1, ref e1);
            Tap2(x1, x2, 1, w0 + 4, w1 + 4, ref a0, ref b0, ref d0, ref e0, ref a1, ref b1, ref d1, ref e1);
            Tap2(x1, x2, 2, w0 + 5, w1 + 5, ref a0, ref b0, ref d0, ref e0, ref a1, ref b1, ref d1, ref e1);
            Tap2(x2, x3, 0, w0 + 6, w1 + 6, ref a0, ref b0, ref d0, ref e0, ref a1, ref b1, ref d1, ref e1);
            Tap2(x2, x3, 1, w0 + 7, w1 + 7, ref a0, ref b0, ref d0, ref e0, ref a1, ref b1, ref d1, ref e1);
            Tap2(x2, x3, 2, w0 + 8, w1 + 8, ref a0, ref b0, ref d0, ref e0, ref a1, ref b1, ref d1, ref e1);
        }
    }

    // One tap (shift v) for two channels: rows x (top outputs a, b) and y (bottom outputs d, e), two blocks of 16 each. The
    // weights are broadcast from memory: passed as floats they were loaded, then broadcast on port 5 beside the multiply-adds
    // (Wide128's 3→64 forward 0.38 → 0.34 ms).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Tap2(float* x, float* y, int v, float* w0, float* w1,
        ref Vector512<float> a0, ref Vector512<float> b0, ref Vector512<float> d0, ref Vector512<float> e0,
        ref Vector512<float> a1, ref Vector512<float> b1, ref Vector512<float> d1, ref Vector512<float> e1)
    {
        Vector512<float> p = Vector512.Load(x + v), q = Vector512.Load(x + 16 + v);
        Vector512<float> s = Vector512.Load(y + v), t = Vector512.Load(y + 16 + v);
        var k0 = Vector512.Create(*w0);
        var k1 = Vector512.Create(*w1);
        a0 = Vector512.FusedMultiplyAdd(p, k0, a0); b0 = Vector512.FusedMultiplyAdd(q, k0, b0);
        d0 = Vector512.FusedMultiplyAdd(s, k0, d0); e0 = Vector512.FusedMultiplyAdd(t, k0, e0);
        a1 = Vector512.FusedMultiplyAdd(p, k1, a1); b1 = Vector512.FusedMultiplyAdd(q, k1, b1);
        d1 = Vector512.FusedMultiplyAdd(s, k1, d1); e1 = Vector512.FusedMultiplyAdd(t, k1, e1);
    }

    // A channel's 4 vectors (top row a, b; bottom row d, e) clamped at zero and pooled 2×2 in window order (top-left,
    // top-right, bottom-left, bottom-right), a later value winning only if strictly greater, as MaxPoolJob.Row2x2: 16 pooled
    // values and their argmax (offsets from `at`).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void PoolStore(Vector512<float> a, Vector512<float> b, Vector512<float> d, Vector512<float> e, Vector512<int> at,
        int outW, float* value, int* index)
    {
        var evens = Vector512.Create(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
        var odds = evens + Vector512<int>.One;
        var zero = Vector512<float>.Zero;
        a = Avx512F.Max(a, zero); b = Avx512F.Max(b, zero); d = Avx512F.Max(d, zero); e = Avx512F.Max(e, zero);
        var max = Avx512F.PermuteVar16x32x2(a, evens, b);
        var where = at;
        Keep(Avx512F.PermuteVar16x32x2(a, odds, b), at + Vector512<int>.One, ref max, ref where);
        Keep(Avx512F.PermuteVar16x32x2(d, evens, e), at + Vector512.Create(outW), ref max, ref where);
        Keep(Avx512F.PermuteVar16x32x2(d, odds, e), at + Vector512.Create(outW + 1), ref max, ref where);
        max.Store(value);
        where.Store(index);
    }

    // Weight w meets one input vector per accumulator: a += i0·w, b += i1·w, d += i2·w, e += i3·w.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Quad(float* w, Vector512<float> i0, Vector512<float> i1, Vector512<float> i2, Vector512<float> i3,
        ref Vector512<float> a, ref Vector512<float> b, ref Vector512<float> d, ref Vector512<float> e)
    {
        // Broadcast from memory (a load port), not a float in a register (a shuffle on the multiply-adds' port 5).
        var k = Vector512.Create(*w);
        a = Vector512.FusedMultiplyAdd(i0, k, a);
        b = Vector512.FusedMultiplyAdd(i1, k, b);
        d = Vector512.FusedMultiplyAdd(i2, k, d);
        e = Vector512.FusedMultiplyAdd(i3, k, e);
    }

    // A later window tap replaces the maximum only where strictly greater (the first maximum in window order stays).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Keep(Vector512<float> value, Vector512<int> at, ref Vector512<float> max, ref Vector512<int> index)
    {
        var greater = Vector512.GreaterThan(value, max);
        max = Vector512.ConditionalSelect(greater, value, max);
        index = Vector512.ConditionalSelect(greater.AsInt32(), at, index);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store(Vector512<float> value, float* dst, bool relu, float* gate, float* output)
    {
        if (relu) value = Avx512F.Max(value, Vector512<float>.Zero);
        if (gate != null) value &= Vector512.GreaterThan(Vector512.Load(gate + (dst - output)), Vector512<float>.Zero);
        value.Store(dst);
    }

    /// <summary>Rows of 16·GridVectors outputs (Vector512, 4-channel tiles): tiles of whole rows (Grid512), 6 / GridVectors
    /// rows at a time and the band's last rows in a smaller tile, so no padding column or position past the band is
    /// computed. Vector m of a tile lands at (its row)·OutW + 16·(its column block), always whole.</summary>
    private readonly void RunGrid(float* packed, int* taps, int n, int y0, int rows, int cbStart, int cbEnd, float* bandOut)
    {
        int vectors = GridVectors, tileRows = 6 / vectors;
        VectorPlacement* placements = stackalloc VectorPlacement[6];
        for (int r0 = 0; r0 < rows; r0 += tileRows)
        {
            int height = Math.Min(tileRows, rows - r0);
            for (int m = 0; m < height * vectors; m++)
            {
                placements[m].Full = true;
                placements[m].Offset = (r0 + m / vectors) * OutW + 16 * (m % vectors);
            }
            float* input = packed + (long)r0 * Cols;
            if (ClassifyInRegisters)
            {
                RunClassified(input, taps, placements, height * vectors, height, n, y0, cbStart, cbEnd);
                continue;
            }
            for (int cb = cbStart; cb < cbEnd; cb++)
            {
                var sink = Sink(placements, n, y0, cb, bandOut);
                GridTile(input, taps, cb, height, ref sink);
            }
        }
    }

    // The grid tile of `height` rows × GridVectors vectors for output channels cb·4 .. cb·4 + 3.
    private readonly void GridTile<TSink>(float* input, int* taps, int cb, int height, ref TSink sink) where TSink : struct, ITileSink
    {
        float* w0 = Row(cb, 0), w1 = Row(cb, 1), w2 = Row(cb, 2), w3 = Row(cb, 3);
        int* wi = WeightIndex;
        int count = TapCount, cols = Cols;
        switch (GridVectors * 8 + height)
        {
            case 8 + 6: CorrelationTiles.Grid512<Grid6x1, TSink>(input, cols, taps, wi, count, w0, w1, w2, w3, ref sink); break;
            case 8 + 5: CorrelationTiles.Grid512<Grid5x1, TSink>(input, cols, taps, wi, count, w0, w1, w2, w3, ref sink); break;
            case 8 + 4: CorrelationTiles.Grid512<Grid4x1, TSink>(input, cols, taps, wi, count, w0, w1, w2, w3, ref sink); break;
            case 8 + 3: CorrelationTiles.Grid512<Grid3x1, TSink>(input, cols, taps, wi, count, w0, w1, w2, w3, ref sink); break;
            case 8 + 2: CorrelationTiles.Grid512<Grid2x1, TSink>(input, cols, taps, wi, count, w0, w1, w2, w3, ref sink); break;
            case 8 + 1: CorrelationTiles.Grid512<Grid1x1, TSink>(input, cols, taps, wi, count, w0, w1, w2, w3, ref sink); break;
            case 16 + 3: CorrelationTiles.Grid512<Grid3x2, TSink>(input, cols, taps, wi, count, w0, w1, w2, w3, ref sink); break;
            case 16 + 2: CorrelationTiles.Grid512<Grid2x2, TSink>(input, cols, taps, wi, count, w0, w1, w2, w3, ref sink); break;
            case 16 + 1: CorrelationTiles.Grid512<Grid1x2, TSink>(input, cols, taps, wi, count, w0, w1, w2, w3, ref sink); break;
            case 24 + 2: CorrelationTiles.Grid512<Grid2x3, TSink>(input, cols, taps, wi, count, w0, w1, w2, w3, ref sink); break;
            default: CorrelationTiles.Grid512<Grid1x3, TSink>(input, cols, taps, wi, count, w0, w1, w2, w3, ref sink); break;
        }
    }

    /// <summary>One tile's positions (its `vectors` placements) through every channel block of the band and the classifier:
    /// each block's tile (Tile512, or GridTile of `gridHeight` rows) adds its 4 channels, clamped at zero when Relu, times
    /// their classifier weights into the logits, which start at the classifier's bias; the logits are stored through the
    /// placements. Channels are added in order, as the classifier over a stored band adds them (Pointwise.RunBand): the
    /// same sums.</summary>
    [SkipLocalsInit]
    private readonly void RunClassified(float* input, int* taps, VectorPlacement* placements, int vectors, int gridHeight,
        int n, int y0, int cbStart, int cbEnd)
    {
        int classes = Classify.Classes;
        float* logits = stackalloc float[ClassifySink.MaxClasses * ClassifySink.Stride];
        for (int c = 0; c < classes; c++)
        {
            var b = Vector512.Create(Classify.Bias != null ? Classify.Bias[c] : 0f);
            for (int m = 0; m < vectors; m++) b.Store(logits + c * ClassifySink.Stride + 16 * m);
        }
        for (int cb = cbStart; cb < cbEnd; cb++)
        {
            int o = cb * TileChannels;
            var sink = new ClassifySink
            {
                Logits = logits, Classes = classes, ClassStride = Classify.Weights.OutStride,
                W0 = ClassifierColumn(o), W1 = ClassifierColumn(o + 1), W2 = ClassifierColumn(o + 2), W3 = ClassifierColumn(o + 3),
                Bias0 = BiasOf(o), Bias1 = BiasOf(o + 1), Bias2 = BiasOf(o + 2), Bias3 = BiasOf(o + 3),
                Channels = Math.Min(TileChannels, OutC - o), Relu = Relu,
            };
            if (gridHeight > 0) GridTile(input, taps, cb, gridHeight, ref sink);
            else CorrelationTiles.Tile512(input, taps, WeightIndex, TapCount, Row(cb, 0), Row(cb, 1), Row(cb, 2), Row(cb, 3), ref sink);
        }
        long plane = (long)OutH * OutW;
        float* output = Classify.Output + (n * (long)classes * plane) + (long)y0 * OutW;
        for (int c = 0; c < classes; c++, output += plane)
        for (int m = 0; m < vectors; m++)
            CorrelationStore.Put(Vector512.Load(logits + c * ClassifySink.Stride + 16 * m), output, placements + m);
    }

    // The classifier's weights for output channel o, one class ClassStride apart; channels past the last reuse it (dropped).
    private readonly float* ClassifierColumn(int o) => Classify.Weights.Data + (long)Math.Min(o, OutC - 1) * Classify.Weights.InStride;

    // The sink that stores output channels cb·4 .. cb·4 + 3 of sample n, band row y0 on, from registers through placements.
    private readonly PlacedSink Sink(VectorPlacement* placements, int n, int y0, int cb, float* bandOut)
    {
        int o = cb * TileChannels;
        return new PlacedSink
        {
            Output0 = Plane(n, y0, o, bandOut), Output1 = Plane(n, y0, o + 1, bandOut),
            Output2 = Plane(n, y0, o + 2, bandOut), Output3 = Plane(n, y0, o + 3, bandOut),
            Bias0 = BiasOf(o), Bias1 = BiasOf(o + 1), Bias2 = BiasOf(o + 2), Bias3 = BiasOf(o + 3),
            Placements = placements, Channels = Math.Min(TileChannels, OutC - o), Relu = Relu,
            Gated = Gate != null, GateShift = Gate - Output,
        };
    }

    private readonly void RunPlaced(float* input, int* taps, VectorPlacement* placements, int n, int y0, int cb, float* bandOut)
    {
        var sink = Sink(placements, n, y0, cb, bandOut);
        if (TileChannels == 1)
            CorrelationTiles.Single512(input, taps, WeightIndex, TapCount, Row(cb, 0), ref sink);
        else
            CorrelationTiles.Tile512(input, taps, WeightIndex, TapCount, Row(cb, 0), Row(cb, 1), Row(cb, 2), Row(cb, 3), ref sink);
    }

    // Output channel o of sample n from row y0 on; channels past the last one are never stored to.
    private readonly float* Plane(int n, int y0, int o, float* bandOut) => Dest(n, y0, Math.Min(o, OutC - 1), bandOut);

    // Where output channel o of sample n stores its rows from y0 on: the output, or the band buffer (see Execute).
    private readonly float* Dest(int n, int y0, int o, float* bandOut) =>
        bandOut == null ? Output + (((long)n * OutC + o) * OutH + y0) * OutW : bandOut + o * BandPlane;

    private readonly float BiasOf(int o) => Bias != null && o < OutC ? Bias[o] : 0f;

    // Channel i of the band holds padded rows y0 .. y0 + rows + k − 2 of input channel i, (rows + k − 1)·Cols floats.
    private readonly void Pack(int n, int y0, int rows, float* packed)
    {
        int height = rows + K - 1;
        long channelStride = (long)height * Cols;
        for (int i = 0; i < InC; i++)
            Packing.PhaseSplit(Input + ((long)n * InC + i) * InH * InW, InH, InW, 1, Pad - y0, Pad, height, Cols,
                packed + i * channelStride, 0, Path);
        Packing.Clear(packed + InC * channelStride, TileWidth);
    }

    /// <summary>Pack's band of the unpooled input, built from the pooled values and argmax: each input row the band reads is
    /// written densely (UnpoolRows.Fill) between its pad columns, and the argmax hits on the rows this band owns (its output
    /// rows, the first band also those above, the last those below; together every input row once) go to Hits. With
    /// ScanAll the band is cleared and every index of the plane placed if its row is in the band, later ones last.</summary>
    private void PackUnpooled(int n, int bandOfSample, int y0, int rows, float* packed)
    {
        int height = rows + K - 1, top = y0 - Pad;
        long channelStride = (long)height * Cols;
        int ownLo = y0 == 0 ? 0 : y0, ownHi = y0 + rows >= OutH ? InH : Math.Min(y0 + rows, InH);
        var pool = Unpool.Pool;
        for (int i = 0; i < InC; i++)
        {
            long plane = (long)n * InC + i;
            float* values = Unpool.Values + plane * pool.OutPlane;
            int* indices = Unpool.Indices + plane * pool.OutPlane;
            float* dst = packed + i * channelStride;
            if (ScanAll)
            {
                Packing.Clear(dst, channelStride);
                for (int o = 0; o < pool.OutPlane; o++)
                {
                    int at = indices[o];
                    if ((uint)at >= (uint)pool.InPlane)
                    {
                        Volatile.Write(ref Bad, 1);
                        continue;
                    }
                    int r = at / InW - top;
                    if ((uint)r < (uint)height) dst[(long)r * Cols + Pad + at % InW] = values[o];
                }
                continue;
            }
            int hits = 0;
            for (int r = 0; r < height; r++)
            {
                float* d = dst + (long)r * Cols;
                int iy = top + r;
                if ((uint)iy >= (uint)InH)
                {
                    Packing.Clear(d, Cols);
                    continue;
                }
                Packing.Clear(d, Pad);
                int rowHits = UnpoolRows.Fill(values, null, indices, pool, iy, d + Pad, Path, accumulate: false);
                Packing.Clear(d + Pad + InW, Cols - Pad - InW);
                if (iy >= ownLo && iy < ownHi) hits += rowHits;
            }
            Hits[((long)n * BandsPerSample + bandOfSample) * InC + i] = hits;
        }
        Packing.Clear(packed + InC * channelStride, TileWidth);
    }

    // Channels past the last one reuse its row; their results are not stored.
    private readonly float* Row(int cb, int j) =>
        Weights.Data + (long)Math.Min(cb * TileChannels + j, OutC - 1) * Weights.OutStride;
}

/// <summary>A MaxUnpool2d's output given by its input and its pool's argmax: Values and Indices [N, Pool.C, Pool.OutH, Pool.OutW]
/// unpool to [N, Pool.C, Pool.InH, Pool.InW].</summary>
internal unsafe struct UnpooledInput
{
    public float* Values;
    public int* Indices;
    public PoolGeometry Pool;

    /// <summary>Writes the unpooled tensor of <paramref name="planes"/> planes to output, as MaxUnpool2d does (later argmax
    /// win); throws, naming "indices", if one lies outside its plane. For the paths that cannot unpool as they read.</summary>
    public readonly void WriteTo(float* output, int planes) =>
        ScatterJob.Run(Values, null, Indices, output, planes, Pool, accumulate: false, "indices");
}

/// <summary>A MaxPool2d right after a correlation: Values and Indices [N, Pool.C, Pool.OutH, Pool.OutW], Pool.Kernel =
/// Pool.Stride, Pool.InH × Pool.InW the correlation's output plane.</summary>
internal unsafe struct PooledOutput
{
    public float* Values;
    public int* Indices;
    public PoolGeometry Pool;
}

/// <summary>The backward of a MaxUnpool2d right before the layer whose input gradient the correlation computes: Output
/// [N, Pool.C, Pool.OutH, Pool.OutW] gathers the correlation's output at Indices (laid out like Output, offsets in the
/// correlation's output plane, Pool.InH × Pool.InW), zero wherever Gate (laid out like Output; null: none) is not positive.
/// Set Missed when an argmax lay outside its own Pool.Stride × Pool.Stride cell: the band could not read it and the caller
/// redoes the gather from the whole output (see Correlation.DirectGathered).</summary>
internal unsafe struct GatheredOutput
{
    public float* Output, Gate;
    public int* Indices;
    public PoolGeometry Pool;
    public int Missed;
}

/// <summary>A 1×1 classifier right after a correlation: Output [N, Classes, outH, outW] = Bias + Weights [Classes, outC]
/// applied at each position of the correlation's output.</summary>
internal unsafe struct ClassifiedOutput
{
    public float* Output;
    public WeightView Weights;
    public float* Bias;
    public int Classes;
}

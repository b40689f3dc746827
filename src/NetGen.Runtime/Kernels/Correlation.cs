// The engine behind every convolution's forward pass and input gradient: it correlates a zero-padded (and, for a stride,
// phase-split) copy of the input with the weights, four output channels at a time. Positions are numbered on one flat
// grid per channel, padded rows after padded rows and sample after sample, so a tile of 96 consecutive positions is just
// 6 vector loads per tap; the few grid columns and rows outside the output are computed and dropped. Stride-1
// correlations take CorrelationBands instead, which packs per task; this grid serves the strided and phase-split ones.
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace NetGen.Kernels;

/// <summary>W(o, i, ky, kx) = Data[o·OutStride + i·InStride + ky·K + kx]: a [o][i] or [i][o] weight layout, read in place.</summary>
internal readonly unsafe struct WeightView(float* data, int outStride, int inStride)
{
    public readonly float* Data = data;
    public readonly int OutStride = outStride, InStride = inStride;
}

/// <summary>A stride-1 correlation over the grid of packed input positions, whose results land on a strided sub-lattice of
/// the output: grid (n, r, c) → output (n, Row0 + r·Step, Col0 + c·Step) for r &lt; Rows, c &lt; Cols. A strided transposed
/// convolution splits into Step² of these.</summary>
internal unsafe struct CorrelationPhase
{
    public int* Taps;         // input offset of each tap, relative to the grid position
    public int* WeightIndex;  // i·InStride + ky·K + kx of each tap
    public int TapCount;
    public int Rows, Cols;
    public int Row0, Col0, Step;
}

internal static unsafe class Correlation
{
    // Below this many multiply-adds a task is not worth a trip through the pool's task counter.
    private const long MinTaskWork = 1 << 18;

    /// <summary>out[n, o, oy, ox] = bias[o] + Σ_{i, ky, kx} W(o, i, ky, kx)·in[n, i, oy·s − p + ky, ox·s − p + kx] (zero padding).
    /// in [N, inC, inH, inW] → out [N, outC, outH, outW]; bias may be null; <paramref name="relu"/> stores max(out, 0); a
    /// <paramref name="gate"/> laid out like out zeroes out wherever it is not positive (the backward of the ReLU whose
    /// output it is, when out is that output's gradient).</summary>
    public static void Direct(float* input, int inC, int inH, int inW, WeightView w, float* bias,
        float* output, int outC, int outH, int outW, int k, int s, int p, int batch, bool relu = false, float* gate = null)
    {
        if (batch == 0 || outC == 0 || outH == 0 || outW == 0) return;
        if (k == 1 && s == 1 && p == 0)
        {
            Pointwise.Run(input, inC, w, bias, output, outC, outH * outW, batch, relu, gate);
            return;
        }
        if (s == 1)
        {
            CorrelationBands.Run(input, inC, inH, inW, w, bias, output, outC, outH, outW, k, p, false, batch, relu, gate);
            return;
        }
        var ws = Workspace.Current;
        var grid = new Grid(batch, inC, s, outH + (k - 1) / s, outW + (k - 1) / s);
        int tapCount = inC * k * k;
        int* taps = ws.Get<int>(ScratchSlot.Taps, 2L * tapCount);
        int* weightIndex = taps + tapCount;
        int t = 0;
        for (int i = 0; i < inC; i++)
        for (int ky = 0; ky < k; ky++)
        for (int kx = 0; kx < k; kx++, t++)
        {
            taps[t] = grid.Offset(i, ky % s * s + kx % s, ky / s, kx / s);
            weightIndex[t] = i * w.InStride + ky * k + kx;
        }
        var phase = new CorrelationPhase
        {
            Taps = taps, WeightIndex = weightIndex, TapCount = tapCount, Rows = outH, Cols = outW, Step = 1,
        };
        Run(ws, input, inH, inW, grid, p, p, &phase, 1, w, bias, output, outC, outH, outW, relu);
        // The strided engine stores through a tile in memory; the gate is one pass over what it stored.
        if (gate != null) ReLUGate.Apply(gate, output, (long)batch * outC * outH * outW);
    }

    /// <summary>out[n, o, oy, ox] = bias[o] + Σ in[n, i, iy, ix]·W(o, i, ky, kx) over oy = iy·s − p + ky, ox = ix·s − p + kx.
    /// in [N, inC, inH, inW] → out [N, outC, outH, outW]; bias may be null; <paramref name="relu"/> stores max(out, 0); a
    /// <paramref name="gate"/> as in <see cref="Direct"/>.
    /// Output rows with (oy + p) mod s = ρ only see kernel rows ky ≡ ρ (mod s), so each of the s² output phases is a stride-1
    /// correlation of the padded input with a flipped sub-kernel: no multiply-adds are spent on inserted zeros.</summary>
    public static void Transposed(float* input, int inC, int inH, int inW, WeightView w, float* bias,
        float* output, int outC, int outH, int outW, int k, int s, int p, int batch, bool relu = false, float* gate = null)
    {
        if (batch == 0 || outC == 0 || outH == 0 || outW == 0) return;
        // A 1×1 kernel at stride 1 without padding is its own transpose.
        if (k == 1 && s == 1 && p == 0)
        {
            Pointwise.Run(input, inC, w, bias, output, outC, outH * outW, batch, relu, gate);
            return;
        }
        // At stride 1 the transposed convolution is a correlation with the flipped kernel and padding k − 1 − p.
        if (s == 1)
        {
            CorrelationBands.Run(input, inC, inH, inW, w, bias, output, outC, outH, outW, k, k - 1 - p, true, batch, relu, gate);
            return;
        }
        var ws = Workspace.Current;
        AxisPhase* ys = stackalloc AxisPhase[s];
        AxisPhase* xs = stackalloc AxisPhase[s];
        int padTop = AxisPhase.Plan(ys, outH, k, s, p, out int rows);
        int padLeft = AxisPhase.Plan(xs, outW, k, s, p, out int cols);
        var grid = new Grid(batch, inC, 1, rows, cols);

        int* taps = ws.Get<int>(ScratchSlot.Taps, 2L * inC * k * k);
        int* weightIndex = taps + inC * k * k;
        CorrelationPhase* phases = stackalloc CorrelationPhase[s * s];
        int phaseCount = 0;
        for (int ry = 0; ry < s; ry++)
        for (int rx = 0; rx < s; rx++)
        {
            AxisPhase py = ys[ry], px = xs[rx];
            if (py.Count == 0 || px.Count == 0) continue;
            int tapCount = inC * py.Taps * px.Taps;
            int t = 0;
            for (int i = 0; i < inC; i++)
            for (int u = 0; u < py.Taps; u++)
            for (int v = 0; v < px.Taps; v++, t++)
            {
                taps[t] = grid.Offset(i, 0, py.Base + u, px.Base + v);
                int ky = ry + (py.Taps - 1 - u) * s, kx = rx + (px.Taps - 1 - v) * s;
                weightIndex[t] = i * w.InStride + ky * k + kx;
            }
            phases[phaseCount++] = new CorrelationPhase
            {
                Taps = taps, WeightIndex = weightIndex, TapCount = tapCount,
                Rows = py.Count, Cols = px.Count, Row0 = py.First, Col0 = px.First, Step = s,
            };
            taps += tapCount;
            weightIndex += tapCount;
        }
        Run(ws, input, inH, inW, grid, padTop, padLeft, phases, phaseCount, w, bias, output, outC, outH, outW, relu);
        if (gate != null) ReLUGate.Apply(gate, output, (long)batch * outC * outH * outW);
    }

    /// <summary><see cref="Direct"/> followed by the MaxPool2d <paramref name="pool"/> (its values and argmax): at stride 1 with
    /// k &gt; 1 and a pool whose kernel is its stride, each band is pooled from its thread's buffer and out is never made;
    /// otherwise out is computed into scratch and pooled.</summary>
    public static void DirectPooled(float* input, int inC, int inH, int inW, WeightView w, float* bias, PooledOutput pool,
        int outC, int outH, int outW, int k, int s, int p, int batch, bool relu = false)
    {
        if (batch == 0 || outC == 0 || outH == 0 || outW == 0) return;
        if (s == 1 && k > 1 && pool.Pool.Kernel == pool.Pool.Stride)
        {
            CorrelationBands.Run(input, inC, inH, inW, w, bias, null, outC, outH, outW, k, p, false, batch, relu, pool: &pool);
            return;
        }
        float* output = Workspace.Current.Get<float>(ScratchSlot.BandOutput, (long)batch * outC * outH * outW);
        Direct(input, inC, inH, inW, w, bias, output, outC, outH, outW, k, s, p, batch, relu);
        MaxPoolJob.Run(output, pool.Values, pool.Indices, batch * outC, pool.Pool);
    }

    /// <summary>How many DirectGathered calls on this thread had to gather again from the whole output (tests).</summary>
    [ThreadStatic] internal static int GatherRedone;

    /// <summary><see cref="Direct"/> (no bias) whose output is a MaxUnpool2d's output gradient, taken back through the unpool
    /// (and through the ReLU before it where gather.Gate is set) into gather.Output: at stride 1 with k &gt; 1 and a pool whose
    /// kernel is its stride, each band is gathered from its thread's buffer and out is never made; otherwise, or where an
    /// argmax lay outside its cell, out is computed into scratch and gathered. Throws, naming "indices", where an index lies
    /// outside out's plane.</summary>

    public static void DirectGathered(float* input, int inC, int inH, int inW, WeightView w, GatheredOutput gather,
        int outC, int outH, int outW, int k, int s, int p, int batch)
    {
        if (batch == 0 || outC == 0 || outH == 0 || outW == 0) return;
        if (s == 1 && k > 1 && gather.Pool.Kernel == gather.Pool.Stride)
        {
            CorrelationBands.Run(input, inC, inH, inW, w, null, null, outC, outH, outW, k, p, false, batch, relu: false, gather: &gather);
            if (gather.Missed == 0) return;
            GatherRedone++;
        }
        float* output = Workspace.Current.Get<float>(ScratchSlot.BandOutput, (long)batch * outC * outH * outW);
        Direct(input, inC, inH, inW, w, null, output, outC, outH, outW, k, s, p, batch);
        GatherJob.Run(output, gather.Gate, gather.Indices, gather.Output, batch * outC, gather.Pool);
    }

    /// <summary><see cref="Transposed"/> of a MaxUnpool2d's output, given as its input and argmax: at stride 1 (with
    /// k − 1 − p ≥ 0 and k &gt; 1) each band unpools the input rows it packs and the unpooled tensor is never written;
    /// otherwise it is unpooled into scratch first. in [N, inC, inH, inW] = unpool's output, unpool.Pool.InH × InW = inH × inW.</summary>
    public static void TransposedFromUnpool(UnpooledInput unpool, int inC, int inH, int inW, WeightView w, float* bias,
        float* output, int outC, int outH, int outW, int k, int s, int p, int batch, bool relu = false)
    {
        if (batch == 0 || outC == 0 || outH == 0 || outW == 0) return;
        if (s == 1 && k > 1 && k - 1 - p >= 0)
        {
            CorrelationBands.Run(null, inC, inH, inW, w, bias, output, outC, outH, outW, k, k - 1 - p, true, batch, relu,
                unpool: &unpool);
            return;
        }
        float* unpooled = Workspace.Current.Get<float>(ScratchSlot.Unpooled, (long)batch * inC * inH * inW);
        unpool.WriteTo(unpooled, batch * inC);
        Transposed(unpooled, inC, inH, inW, w, bias, output, outC, outH, outW, k, s, p, batch, relu);
    }

    /// <summary><see cref="Transposed"/> (of <paramref name="input"/>, or with <paramref name="unpool"/> set of that MaxUnpool2d's
    /// output, as in <see cref="TransposedFromUnpool"/>) followed by the 1×1 classifier <paramref name="classify"/>: at stride 1
    /// (k − 1 − p ≥ 0, k &gt; 1) each band is classified from its thread's buffer and out is never made; otherwise out is
    /// computed into scratch and classified. With <paramref name="output"/> set, out is written there too (each band
    /// classified from it as it is stored).</summary>
    public static void TransposedClassified(float* input, UnpooledInput* unpool, int inC, int inH, int inW, WeightView w, float* bias,
        ClassifiedOutput classify, int outC, int outH, int outW, int k, int s, int p, int batch, bool relu = false, float* output = null)
    {
        if (batch == 0 || outC == 0 || outH == 0 || outW == 0) return;
        if (s == 1 && k > 1 && k - 1 - p >= 0)
        {
            CorrelationBands.Run(input, inC, inH, inW, w, bias, output, outC, outH, outW, k, k - 1 - p, true, batch, relu,
                unpool: unpool, classify: &classify);
            return;
        }
        if (output == null) output = Workspace.Current.Get<float>(ScratchSlot.BandOutput, (long)batch * outC * outH * outW);
        if (unpool != null) TransposedFromUnpool(*unpool, inC, inH, inW, w, bias, output, outC, outH, outW, k, s, p, batch, relu);
        else Transposed(input, inC, inH, inW, w, bias, output, outC, outH, outW, k, s, p, batch, relu);
        Pointwise.Run(output, outC, classify.Weights, classify.Bias, classify.Output, classify.Classes, outH * outW, batch);
    }

    /// <summary>Whether the weight gradient should copy each input channel k times, the u-th copy shifted up u rows, so
    /// that kernel rows become channels and the k − 1 padding rows of each sample on the padded grid cost nothing: on small
    /// planes those rows are a fifth of the work (22 rows, 7×7), and the copies (k times the packing, up to 16 MB) must cost
    /// less than the rows they save. Measured on the correlation: 64→64 7×7 on 22×30, 64% → 74% of FMA peak at batch 8;
    /// 32→64 3×3 on 16×16, 59% → 70% at batch 1; no gain on 32-row planes with a 3×3 kernel, nor past the L3 cache.</summary>
    internal static bool RowSplitPays(int batch, int inC, int k, int outH, int outW) =>
        k > 1 && (k - 1) * 10 > outH && (long)inC * k * batch * outH * (outW + k - 1) <= 1 << 22;

    /// <summary>Packs the input, then runs the tiles over (phase, chunk of tiles, group of output-channel blocks).</summary>
    private static void Run(Workspace ws, float* input, int inH, int inW, in Grid grid, int padTop, int padLeft,
        CorrelationPhase* phases, int phaseCount, WeightView w, float* bias, float* output, int outC, int outH, int outW,
        bool relu)
    {
        var path = KernelOptions.Path;
        int threads = KernelOptions.Threads;
        // One output channel takes the one-channel tile: a 4-channel tile would compute and drop 3 channels.
        int tileChannels = outC == 1 ? 1 : CorrelationTiles.Channels;
        int tileWidth = outC == 1 ? CorrelationTiles.SingleWidth(path) : CorrelationTiles.Width(path);
        int coBlocks = (outC + tileChannels - 1) / tileChannels;
        int tiles = (int)((grid.Length + tileWidth - 1) / tileWidth);

        // The last tiles read past the last channel's planes; that slack is zeroed along with the packing.
        long needed = grid.Channels * grid.ChannelStride;
        int maxTaps = 1;
        for (int i = 0; i < phaseCount; i++)
        {
            maxTaps = Math.Max(maxTaps, phases[i].TapCount);
            for (int t = 0; t < phases[i].TapCount; t++)
                needed = Math.Max(needed, phases[i].Taps[t] + (long)tiles * tileWidth);
        }
        float* packed = ws.Get<float>(ScratchSlot.Input, needed);
        grid.Pack(input, inH, inW, padTop, padLeft, packed, path, threads);
        Packing.Clear(packed + grid.Channels * grid.ChannelStride, needed - grid.Channels * grid.ChannelStride);

        // Chunks of tiles big enough to amortize a task, small enough to give every thread several; when there are few
        // tiles (small planes), the output-channel blocks are split between tasks too.
        long tileWork = (long)maxTaps * tileChannels * tileWidth * coBlocks;
        long totalTiles = (long)tiles * phaseCount;
        int tilesPerChunk = (int)Math.Clamp((MinTaskWork + tileWork - 1) / tileWork, 1, Math.Max(1, totalTiles / (4 * threads)));
        int cbGroups = totalTiles >= 4 * threads ? 1 : (int)Math.Min(coBlocks, (4 * threads + totalTiles - 1) / totalTiles);
        int cbPerGroup = (coBlocks + cbGroups - 1) / cbGroups;
        cbGroups = (coBlocks + cbPerGroup - 1) / cbPerGroup;
        int chunks = (tiles + tilesPerChunk - 1) / tilesPerChunk;

        var job = new CorrelationJob
        {
            Path = path, Input = packed, Grid = grid, Phases = phases, Weights = w, Bias = bias,
            Output = output, OutC = outC, OutH = outH, OutW = outW, Relu = relu,
            CoBlocks = coBlocks, CbGroups = cbGroups, CbPerGroup = cbPerGroup, Chunks = chunks, Tiles = tiles,
            TilesPerChunk = tilesPerChunk, TileWidth = tileWidth, TileChannels = tileChannels,
        };
        WorkerPool.Run(ref job, phaseCount * chunks * cbGroups, threads);
    }

    /// <summary>One output phase ρ along one axis of a transposed convolution: outputs o = First + r·s for r &lt; Count, each
    /// reading Taps kernel taps from padded input rows Base + r + u (u &lt; Taps).</summary>
    private struct AxisPhase
    {
        public int Taps, First, Count, Base;

        /// <summary>Fills phases[0..s) for an output axis of length `length`; returns the input's leading zero padding and
        /// sets `extent` to the padded input length the phases read.</summary>
        public static int Plan(AxisPhase* phases, int length, int k, int s, int p, out int extent)
        {
            int pad = 0;
            int* start = stackalloc int[s];
            for (int rho = 0; rho < s; rho++)
            {
                // Output o = m·s + ρ − p takes kernel taps ky = ρ + t·s from input m − t.
                int taps = rho < k ? (k - 1 - rho) / s + 1 : 0;
                int m0 = Packing.CeilDiv(p - rho, s);
                int first = m0 * s + rho - p;
                int count = first < length ? (length - 1 - first) / s + 1 : 0;
                phases[rho] = new AxisPhase { Taps = taps, First = first, Count = count };
                start[rho] = m0 - (taps - 1);
                if (taps > 0 && count > 0) pad = Math.Max(pad, -start[rho]);
            }
            extent = 1;
            for (int rho = 0; rho < s; rho++)
            {
                ref AxisPhase phase = ref phases[rho];
                phase.Base = start[rho] + pad;
                // A phase without taps (kernel < stride) reads nothing but still needs grid room for its outputs.
                if (phase.Count > 0) extent = Math.Max(extent, phase.Taps > 0 ? phase.Base + phase.Count + phase.Taps - 1 : phase.Count);
            }
            return pad;
        }
    }
}

/// <summary>The packed input's layout: [channel][phase][N][Rows][Cols] for a phase split by `Stride` (1: just padded).
/// Grid positions run over N·Rows·Cols; a tap is an offset from them.</summary>
internal readonly unsafe struct Grid(int batch, int channels, int stride, int rows, int cols)
{
    public readonly int Batch = batch, Channels = channels, Stride = stride, Rows = rows, Cols = cols;
    public long Plane => (long)Rows * Cols;
    public long Length => Batch * Plane;
    public long PhaseStride => Length;
    public long ChannelStride => Stride * Stride * Length;

    public int Offset(int channel, int phase, int row, int col) =>
        checked((int)(channel * ChannelStride + phase * PhaseStride + (long)row * Cols + col));

    /// <summary>Packs x [N, Channels / rowCopies, h, w]; with rowCopies &gt; 1 each input channel c fills grid channels
    /// c·rowCopies + u, the u-th copy shifted up u rows.</summary>
    public void Pack(float* input, int h, int w, int padTop, int padLeft, float* packed, VectorPath path, int threads, int rowCopies = 1)
    {
        var job = PackJobFor(input, h, w, padTop, padLeft, packed, path, rowCopies);
        WorkerPool.Run(ref job, Batch * job.Channels, threads);
    }

    /// <summary>Pack's job, for a caller that runs it inside a job of its own (one task per sample and input channel).</summary>
    public PackJob PackJobFor(float* input, int h, int w, int padTop, int padLeft, float* packed, VectorPath path, int rowCopies = 1) => new()
    {
        Path = path, Source = input, Batch = Batch, Channels = Channels / rowCopies, H = h, W = w,
        Stride = Stride, PadTop = padTop, PadLeft = padLeft, Rows = Rows, Cols = Cols,
        Destination = packed, ChannelStride = ChannelStride, PhaseStride = PhaseStride, RowCopies = rowCopies,
    };
}

/// <summary>Runs the tiles of one task and stores their valid positions, plus the bias (and clamped at zero when a ReLU is
/// fused), into the output.</summary>
internal unsafe struct CorrelationJob : IParallelJob
{
    public VectorPath Path;
    public float* Input;
    public Grid Grid;
    public CorrelationPhase* Phases;
    public WeightView Weights;
    public float* Bias;
    public float* Output;
    public int OutC, OutH, OutW;
    public bool Relu;
    public int CoBlocks, CbGroups, CbPerGroup, Chunks, Tiles, TilesPerChunk, TileWidth, TileChannels;

    public void Execute(int task, int worker)
    {
        CorrelationPhase* phase = Phases + task / (Chunks * CbGroups);
        int local = task % (Chunks * CbGroups);
        int chunk = local / CbGroups, group = local % CbGroups;
        int cbStart = group * CbPerGroup, cbEnd = Math.Min(CoBlocks, cbStart + CbPerGroup);
        int tileEnd = Math.Min(Tiles, (chunk + 1) * TilesPerChunk);
        float* tile = Workspace.Current.Get<float>(ScratchSlot.ThreadTile, (long)TileChannels * TileWidth);
        for (int ti = chunk * TilesPerChunk; ti < tileEnd; ti++)
        {
            long q0 = (long)ti * TileWidth;
            for (int cb = cbStart; cb < cbEnd; cb++)
            {
                if (TileChannels == 1)
                    CorrelationTiles.RunSingle(Path, Input + q0, phase->Taps, phase->WeightIndex, phase->TapCount, Row(cb, 0), tile);
                else
                    CorrelationTiles.Run(Path, Input + q0, phase->Taps, phase->WeightIndex, phase->TapCount,
                        Row(cb, 0), Row(cb, 1), Row(cb, 2), Row(cb, 3), tile);
                Store(tile, q0, phase, cb);
            }
        }
    }

    /// <summary>dst[2i] = src[i] + bias (max(·, 0) with relu) for i &lt; count: a stride-2 phase of a transposed convolution's
    /// output row, 8 values at a time spread to the even lanes of a vector and written by a masked store, which leaves the
    /// odd lanes (another phase's outputs, maybe another task's) untouched.</summary>
    private static void StoreEven(float* src, float bias, float* dst, int count, bool relu)
    {
        var spread = Vector512.Create(0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7);
        var even = Vector512.Create(-1, 0, -1, 0, -1, 0, -1, 0, -1, 0, -1, 0, -1, 0, -1, 0).AsSingle();
        var b = Vector256.Create(bias);
        for (int i = 0; i < count; i += 8)
        {
            int left = Math.Min(8, count - i);
            var lanes = Vector256.LessThan(Vector256<int>.Indices, Vector256.Create(left)).AsSingle();
            var v = Avx.MaskLoad(src + i, lanes) + b;
            if (relu) v = Avx.Max(v, Vector256<float>.Zero);
            // Lanes 2j and 2j + 1 both take value j; only the even lanes of the first 2·left are stored.
            var mask = even & Vector512.LessThan(Vector512<int>.Indices, Vector512.Create(2 * left)).AsSingle();
            Avx512F.MaskStore(dst + 2L * i, mask, Avx512F.PermuteVar16x32(v.ToVector512Unsafe(), spread));
        }
    }

    // Channels past the last one reuse its row; Store drops their results.
    private readonly float* Row(int cb, int j) =>
        Weights.Data + (long)Math.Min(cb * TileChannels + j, OutC - 1) * Weights.OutStride;

    // Walks the tile's grid positions row segment by row segment, skipping the rows and columns outside the output.
    private readonly void Store(float* tile, long q0, CorrelationPhase* phase, int cb)
    {
        int channels = Math.Min(TileChannels, OutC - cb * TileChannels);
        long plane = (long)OutH * OutW, end = Math.Min(q0 + TileWidth, Grid.Length);
        int cols = Grid.Cols, step = phase->Step;
        long row = q0 / cols;
        int c = (int)(q0 - row * cols);
        for (long q = q0; q < end; row++, c = 0)
        {
            int length = (int)Math.Min(cols - c, end - q);
            int n = (int)(row / Grid.Rows), r = (int)(row - (long)n * Grid.Rows);
            int valid = Math.Min(length, phase->Cols - c);
            if (r < phase->Rows && valid > 0)
            {
                long at = (long)(phase->Row0 + r * step) * OutW + phase->Col0 + c * step;
                for (int j = 0; j < channels; j++)
                {
                    int o = cb * TileChannels + j;
                    float b = Bias != null ? Bias[o] : 0f;
                    float* src = tile + j * TileWidth + (q - q0);
                    float* dst = Output + ((long)n * OutC + o) * plane + at;
                    if (step == 1) Simd.AddTo(src, b, dst, valid, Path, Relu);
                    else if (step == 2 && Path == VectorPath.Vector512) StoreEven(src, b, dst, valid, Relu);
                    else if (Relu) for (int i = 0; i < valid; i++) dst[(long)i * step] = Simd.Rectify(src[i] + b);
                    else for (int i = 0; i < valid; i++) dst[(long)i * step] = src[i] + b;
                }
            }
            q += length;
        }
    }
}

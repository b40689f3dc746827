// The forward pass of a stride-1 5×5 or 7×7 deconvolution whose input is a MaxUnpool2d's output, on the unpooled input's
// nonzeros only (see UnpooledBackward for why: one value per pool cell and channel, about half of them zero after a ReLU).
// 3×3 kernels to more than 16 channels stay on the dense engines (Winograd's 4×4 tiles already do 1/4 of the multiply-adds,
// and a kernel row of 3 taps is too short to pay for each run's adds into y): measured on Wide128, a 128→64 3×3 at 64×64
// gained (1.8 → 1.4 ms) but a 64→64 at 128×128 lost (2.4 → 4.0 ms) and inference as a whole (8.6 → 11.0 ms). 3×3 to 16
// channels, where Winograd's transforms outweigh its products, takes the narrow scatter (UnpooledForwardNarrow). 5×5, alone
// on 2 threads: 64→64 at 180×240 25.5 → 14.6 ms, 32→32 at 128×128 2.62 → 2.28 ms.
//   y[n, co, r − p + ky, c − p + kx] += x[n, ci, q]·w[ci, co, ky, kx]   for every nonzero x at (r, c) = argmax of q,
// scattered into a zero-padded copy of y laid out as [N, blocks of 16 co, rows, columns, 16] (the backward's layout of
// dy), then transposed to [N, OutC, OutH, OutW] with the bias (and, for one vector block, each row classified as it is
// written when a classifier follows). The channels of one pooled position whose argmax share a
// place in the cell share a window: their contributions to one kernel row (7 taps × 16 co) are summed in registers and
// added to y once, their weights read from a slice of all channels' weights for that kernel row and vector block (28 KB at
// 64 channels, in L1). Bands of pooled rows own the rows of y they write but the kernel's reach past them: bands two apart
// never meet, so the even bands run, then the odd ones; every sum runs in one order on any thread count. Vector512 only.
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using NetGen.Model;

namespace NetGen.Kernels;

internal static unsafe partial class UnpooledForward
{
    // Pooled columns per strip: wider strips reuse each weight slice (one vector block and kernel row of every channel's
    // weights, 28 KB at 64 channels) for more positions before the next one. Measured on SegNet's 64→64 7×7 forward at
    // 180×240 (2 threads): 4, 8, 16, 32, 64, 128 columns 23.6, 22.3, 21.3, 20.6, 20.2–20.5, 20.4 ms; at 360×480 32, 64, 128
    // columns 82.9, 79.5, 80.1 ms.
    private const int StripCols = 64;

    public static bool Applies(VectorPath path, in ConvGeometry g, in PoolGeometry pool) =>
        UnpooledBackward.Enabled && KernelOptions.SparseUnpooledAllowed && path == VectorPath.Vector512 && g.Stride == 1
        && g.OutC % 16 == 0 && g.OutC > 0 && g.InC > 0
        && ((g.Kernel is 5 or 7 && g.Kernel * g.Kernel * (g.OutC / 16) >= UnpooledBackward.MinSums) || NarrowApplies(g))
        && pool.C == g.InC && pool.InH == g.InH
        && pool.InW == g.InW && pool.OutH > 0 && pool.OutW > 0 && pool.Kernel == pool.Stride && pool.Stride is > 0 and <= 8
        && (long)g.InH * g.InW <= int.MaxValue / 64 && (long)(g.InH + g.Kernel) * (g.InW + g.Kernel) * g.OutC <= int.MaxValue / 2
        && g.InH + g.Kernel - 1 - g.Padding >= g.OutH && g.InW + g.Kernel - 1 - g.Padding >= g.OutW;

    /// <summary>3×3 to 16 channels, unless the dense engines could take Winograd's 4×4 tiles (rows of a multiple of 64):
    /// there the scatter does not pay. In inference they beat it (the tiny hourglass at 256×256: its 32→16 deconvolution
    /// 0.45–0.46 ms against their 0.38–0.40, the 16→16 one 0.85–0.88 against 0.85–0.89; profile, 2 runs each); in a
    /// training forward their decisions are checked in float64 (ReLUCheck), and the scatter's float32 decisions were not as
    /// good there: on the benchmark's data one ReLU of deconv1 at 1.2e-7 went the other way, and with it the tiny net's
    /// gradients 1.2e-4 from float64 against 1–2e-7 (on 6 of 7 other seeds the scatter's were the closer, 2.1–2.8e-7
    /// against 2.6–4.4e-7, on the seventh both 5.3e-4, a decision elsewhere); checking the scatter's outputs as well cost as much as it had saved (deconv2 0.46 against 0.33
    /// ms). Elsewhere the dense engines' tiles of 2×2 are not checked either, and the scatter's direct sums are the closer to
    /// float64; alone (16→16, 2 threads) 0.52–0.53 against 0.87–0.88 ms at 180×240.</summary>
    private static bool NarrowApplies(in ConvGeometry g) =>
        UnpooledBackward.Narrow(g) && !Winograd4.Applies(g.OutH, g.OutW, decisionsChecked: true);

    /// <summary>y [N, OutC, OutH, OutW] (overwritten) of a stride-1 5×5 or 7×7 deconvolution whose input is unpooled from
    /// pooled values and argmax indices (offsets in the InH × InW plane), plus bias (null: none), max(y, 0) with relu.
    /// Throws, naming "indices", where an index lies outside the plane, before anything is written; returns false, having
    /// written nothing, where an argmax lies outside its own cell (the dense engines must run: two cells may unpool to one
    /// place).</summary>
    public static bool Run(float* pooled, int* indices, in PoolGeometry pool, float* w, float* bias, float* y, bool relu,
        int batch, in ConvGeometry g, ClassifiedOutput* classify = null)
    {
        // Only a layer of one vector block classifies its rows as it writes them (all its channels in one output task).
        if (classify != null && g.OutC != 16) throw new ArgumentException("Only 16 output channels classify as they go.", nameof(classify));
        if (classify == null && y == null) throw new ArgumentNullException(nameof(y));
        if (batch == 0) return true;
        var ws = Workspace.Current;
        int threads = KernelOptions.Threads;
        int k = g.Kernel, blocks = g.OutC / 16, s = pool.Stride;
        int hp = g.InH + k - 1, wp = g.InW + k - 1;
        long planeStride = (long)hp * wp * 16;
        long pooledPlane = pool.OutPlane;

        int* offsets = ws.Get<int>(ScratchSlot.Counts, batch * pool.C * pooledPlane);
        // The narrow scatter needs no places in the cell.
        bool narrow = UnpooledBackward.Narrow(g);
        byte* phases = narrow ? null : ws.Get<byte>(ScratchSlot.Taps, batch * pool.C * pooledPlane);
        var offsetJob = new UnpooledBackward.OffsetJob
        {
            Indices = indices, Offsets = offsets, Phases = phases, Plane = pooledPlane, PW = pool.OutW, Stride = s,
            InW = g.InW, InPlane = g.InH * g.InW, Wp = wp,
        };
        WorkerPool.Run(ref offsetJob, batch * pool.C, threads);
        if (offsetJob.Bad != 0) throw new ArgumentException("An index lies outside the input plane.", "indices");
        if (offsetJob.Outside != 0) return false;

        // Weights as [blocks, ky, InC, kx, 16]: one slice per (vector block, kernel row).
        float* weights = ws.Get<float>(ScratchSlot.Weights, (long)g.InC * blocks * k * k * 16);
        var weightJob = new SliceJob { W = w, Weights = weights, InC = g.InC, OutC = g.OutC, K = k };
        WorkerPool.Run(ref weightJob, g.InC, threads);

        // y as [samples, blocks, hp, wp, 16], a chunk of samples at a time (see UnpooledBackward.SamplesPerChunk).
        int chunk = UnpooledBackward.SamplesPerChunk(batch, blocks * planeStride);
        float* padded = ws.Get<float>(ScratchSlot.Input, chunk * blocks * planeStride);
        // Bands of pooled rows whose reach (s·rows + k − 1 rows of y) overlaps only the next band's.
        int bandRows = Math.Max(2, (k - 1 + s - 1) / s);
        int bands = (pool.OutH + bandRows - 1) / bandRows;
        for (int n0 = 0; n0 < batch; n0 += chunk)
        {
            int samples = Math.Min(chunk, batch - n0);
            long pooledOffset = (long)n0 * pool.C * pooledPlane;
            var clear = new ClearJob { Data = padded, Row = wp * 16 };
            WorkerPool.Run(ref clear, samples * blocks * hp, threads);
            var job = new ScatterJob
            {
                Pooled = pooled + pooledOffset, Offsets = offsets + pooledOffset, Phases = narrow ? null : phases + pooledOffset, Padded = padded,
                Weights = weights, Batch = samples, C = pool.C, PH = pool.OutH, PW = pool.OutW, Stride = s, Blocks = blocks, K = k,
                RowStride = wp * 16, PlaneStride = planeStride, BandRows = bandRows, Bands = bands, Parity = 0,
            };
            int evenBands = (bands + 1) / 2, oddBands = bands / 2;
            if (narrow)
            {
                var narrowJob = new NarrowScatterJob { Common = job };
                WorkerPool.Run(ref narrowJob, samples * evenBands, threads);
                narrowJob.Common.Parity = 1;
                if (oddBands > 0) WorkerPool.Run(ref narrowJob, samples * oddBands, threads);
            }
            else
            {
                WorkerPool.Run(ref job, samples * evenBands, threads);
                job.Parity = 1;
                if (oddBands > 0) WorkerPool.Run(ref job, samples * oddBands, threads);
            }

            var output = new OutputJob
            {
                Padded = padded, Y = y == null ? null : y + (long)n0 * g.OutC * g.OutPlane, Bias = bias, Relu = relu, OutH = g.OutH,
                OutW = g.OutW, Hp = hp, Wp = wp, Padding = g.Padding, Blocks = blocks,
            };
            if (classify != null)
            {
                // Each row's 16 channels, once written (to y, or to the thread's scratch), are classified there: the sums of
                // Pointwise.Run over y (Pointwise.RunBand).
                output.Classify = *classify;
                output.Classify.Output += (long)n0 * classify->Classes * g.OutPlane;
                output.ClassTaps = ws.Get<int>(ScratchSlot.Grid, 4 * 16);
                Pointwise.BandTaps(VectorPath.Vector512, output.ClassTaps, 16, y == null ? g.OutW : g.OutPlane, classify->Weights);
            }
            WorkerPool.Run(ref output, samples * blocks * g.OutH, threads);
        }
        return true;
    }

    private struct SliceJob : IParallelJob
    {
        public float* W, Weights;
        public int InC, OutC, K;

        public void Execute(int ci, int worker)
        {
            int k = K;
            for (int co = 0; co < OutC; co++)
            {
                float* src = W + ((long)ci * OutC + co) * k * k;
                for (int ky = 0; ky < k; ky++)
                {
                    float* d = Weights + ((((long)(co / 16) * k + ky) * InC + ci) * k) * 16 + co % 16;
                    for (int kx = 0; kx < k; kx++) d[kx * 16] = src[ky * k + kx];
                }
            }
        }
    }

    private struct ClearJob : IParallelJob
    {
        public float* Data;
        public int Row;

        public void Execute(int task, int worker) => new Span<float>(Data + (long)task * Row, Row).Clear();
    }

    private struct ScatterJob : IParallelJob
    {
        public float* Pooled, Padded, Weights;
        public int* Offsets;
        public byte* Phases;
        public int Batch, C, PH, PW, Stride, Blocks, K, RowStride, BandRows, Bands, Parity;
        public long PlaneStride;

        public void Execute(int task, int worker)
        {
            int perSample = Parity == 0 ? (Bands + 1) / 2 : Bands / 2;
            int n = task / perSample, band = task % perSample * 2 + Parity;
            int r0 = band * BandRows, r1 = Math.Min(PH, r0 + BandRows);
            int s = Stride, phaseCount = s * s, k = K;
            long pooledPlane = (long)PH * PW;
            int maxPositions = BandRows * StripCols;
            var ws = Workspace.Current;
            // The strip's nonzero inputs sorted by (position, place in the cell): each run shares a window.
            int* runStart = ws.Get<int>(ScratchSlot.ThreadOutput, (long)maxPositions * phaseCount + 1);
            int* runWindow = ws.Get<int>(ScratchSlot.ThreadTile, (long)maxPositions * phaseCount);
            int* entryChannel = ws.Get<int>(ScratchSlot.ThreadInput, (long)maxPositions * C + 1);
            float* entryValue = ws.Get<float>(ScratchSlot.ThreadProducts, (long)maxPositions * C + 1);
            for (int c0 = 0; c0 < PW; c0 += StripCols)
            {
                int c1 = Math.Min(PW, c0 + StripCols), cols = c1 - c0, positions = (r1 - r0) * cols;
                int runs = positions * phaseCount;
                // Counting sort: run sizes, starts, then the entries.
                new Span<int>(runStart, runs + 1).Clear();
                for (int ci = 0; ci < C; ci++)
                {
                    long planeBase = ((long)n * C + ci) * pooledPlane;
                    for (int r = r0; r < r1; r++)
                    {
                        float* x = Pooled + planeBase + (long)r * PW;
                        byte* phase = Phases + planeBase + (long)r * PW;
                        int slot0 = (r - r0) * cols * phaseCount;
                        for (int col = c0; col < c1; col++)
                            runStart[slot0 + (col - c0) * phaseCount + phase[col] + 1] += x[col] != 0 ? 1 : 0;
                    }
                }
                for (int i = 0; i < runs; i++) runStart[i + 1] += runStart[i];
                int spare = runStart[runs];
                for (int r = r0; r < r1; r++)
                for (int col = c0; col < c1; col++)
                {
                    // Each run's window: the position's cell corner plus the place in the cell.
                    int slot0 = ((r - r0) * cols + col - c0) * phaseCount;
                    int corner = (r * s * (RowStride / 16) + col * s) * 16;
                    for (int f = 0; f < phaseCount; f++) runWindow[slot0 + f] = corner + (f / s * (RowStride / 16) + f % s) * 16;
                }
                // Fill: runStart[i] advances to the run's end, then is shifted back.
                for (int ci = 0; ci < C; ci++)
                {
                    long planeBase = ((long)n * C + ci) * pooledPlane;
                    for (int r = r0; r < r1; r++)
                    {
                        float* x = Pooled + planeBase + (long)r * PW;
                        byte* phase = Phases + planeBase + (long)r * PW;
                        int slot0 = (r - r0) * cols * phaseCount;
                        for (int col = c0; col < c1; col++)
                        {
                            // Branch-free (a ReLU's zeros are a coin toss): a zero goes to the spare slot past the entries.
                            float v = x[col];
                            int* start = runStart + slot0 + (col - c0) * phaseCount + phase[col];
                            int current = *start, nonzero = v != 0 ? 1 : 0;
                            int at = nonzero != 0 ? current : spare;
                            entryChannel[at] = ci * k * 16;
                            entryValue[at] = v;
                            *start = current + nonzero;
                        }
                    }
                }
                for (int i = runs; i > 0; i--) runStart[i] = runStart[i - 1];
                runStart[0] = 0;

                for (int block = 0; block < Blocks; block++)
                {
                    float* yBase = Padded + ((long)n * Blocks + block) * PlaneStride;
                    for (int ky = 0; ky < k; ky++)
                    {
                        float* slice = Weights + ((long)block * k + ky) * C * k * 16;
                        float* yRow = yBase + (long)ky * RowStride;
                        if (k == 7) ScatterRuns<Row7>(slice, entryChannel, entryValue, runStart, runWindow, runs, yRow);
                        else ScatterRuns<Row5>(slice, entryChannel, entryValue, runStart, runWindow, runs, yRow);
                    }
                }
            }
        }
    }

    /// <summary>Scatter for every run r &lt; runs: entries runStart[r] .. runStart[r + 1] into y + windows[r] (one call per
    /// kernel row and block, not per run: a run is ~8 entries).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ScatterRuns<TRow>(float* slice, int* channels, float* values, int* runStart, int* windows, int runs, float* y)
        where TRow : struct, IKernelRow
    {
        for (int run = 0; run < runs; run++)
        {
            int start = runStart[run], count = runStart[run + 1] - start;
            if (count != 0) Scatter<TRow>(slice, channels + start, values + start, count, y + windows[run]);
        }
    }

    /// <summary>y[16·kx] += Σ_e values[e]·slice[channels[e] + 16·kx] for kx &lt; TRow.Length (16 lanes each), in two sets of
    /// sums (even and odd entries: twice the chains of multiply-adds in flight).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Scatter<TRow>(float* slice, int* channels, float* values, int count, float* y) where TRow : struct, IKernelRow
    {
        bool seven = TRow.Length == 7;
        Vector512<float> a0 = default, a1 = default, a2 = default, a3 = default, a4 = default, a5 = default, a6 = default;
        Vector512<float> b0 = default, b1 = default, b2 = default, b3 = default, b4 = default, b5 = default, b6 = default;
        int e = 0;
        for (; e + 1 < count; e += 2)
        {
            float* w = slice + channels[e];
            float* v = slice + channels[e + 1];
            var x = Vector512.Create(values[e]);
            var z = Vector512.Create(values[e + 1]);
            a0 = Avx512F.FusedMultiplyAdd(x, Vector512.Load(w), a0);
            b0 = Avx512F.FusedMultiplyAdd(z, Vector512.Load(v), b0);
            a1 = Avx512F.FusedMultiplyAdd(x, Vector512.Load(w + 16), a1);
            b1 = Avx512F.FusedMultiplyAdd(z, Vector512.Load(v + 16), b1);
            a2 = Avx512F.FusedMultiplyAdd(x, Vector512.Load(w + 32), a2);
            b2 = Avx512F.FusedMultiplyAdd(z, Vector512.Load(v + 32), b2);
            a3 = Avx512F.FusedMultiplyAdd(x, Vector512.Load(w + 48), a3);
            b3 = Avx512F.FusedMultiplyAdd(z, Vector512.Load(v + 48), b3);
            a4 = Avx512F.FusedMultiplyAdd(x, Vector512.Load(w + 64), a4);
            b4 = Avx512F.FusedMultiplyAdd(z, Vector512.Load(v + 64), b4);
            if (seven)
            {
                a5 = Avx512F.FusedMultiplyAdd(x, Vector512.Load(w + 80), a5);
                b5 = Avx512F.FusedMultiplyAdd(z, Vector512.Load(v + 80), b5);
                a6 = Avx512F.FusedMultiplyAdd(x, Vector512.Load(w + 96), a6);
                b6 = Avx512F.FusedMultiplyAdd(z, Vector512.Load(v + 96), b6);
            }
        }
        if (e < count)
        {
            float* w = slice + channels[e];
            var x = Vector512.Create(values[e]);
            a0 = Avx512F.FusedMultiplyAdd(x, Vector512.Load(w), a0);
            a1 = Avx512F.FusedMultiplyAdd(x, Vector512.Load(w + 16), a1);
            a2 = Avx512F.FusedMultiplyAdd(x, Vector512.Load(w + 32), a2);
            a3 = Avx512F.FusedMultiplyAdd(x, Vector512.Load(w + 48), a3);
            a4 = Avx512F.FusedMultiplyAdd(x, Vector512.Load(w + 64), a4);
            if (seven)
            {
                a5 = Avx512F.FusedMultiplyAdd(x, Vector512.Load(w + 80), a5);
                a6 = Avx512F.FusedMultiplyAdd(x, Vector512.Load(w + 96), a6);
            }
        }
        (Vector512.Load(y) + (a0 + b0)).Store(y);
        (Vector512.Load(y + 16) + (a1 + b1)).Store(y + 16);
        (Vector512.Load(y + 32) + (a2 + b2)).Store(y + 32);
        (Vector512.Load(y + 48) + (a3 + b3)).Store(y + 48);
        (Vector512.Load(y + 64) + (a4 + b4)).Store(y + 64);
        if (seven)
        {
            (Vector512.Load(y + 80) + (a5 + b5)).Store(y + 80);
            (Vector512.Load(y + 96) + (a6 + b6)).Store(y + 96);
        }
    }

    private struct OutputJob : IParallelJob
    {
        public float* Padded, Y, Bias;
        public bool Relu;
        public int OutH, OutW, Hp, Wp, Padding, Blocks;
        public ClassifiedOutput Classify; // Classify.Output null: none
        public int* ClassTaps;

        public void Execute(int task, int worker)
        {
            int row = task % OutH, plane = task / OutH; // plane = n·blocks + block
            float* src = Padded + ((long)plane * Hp + row + Padding) * Wp * 16 + Padding * 16;
            long channelPlane = (long)OutH * OutW;
            // Without y (classified only) the row goes to the thread's scratch, channels OutW apart.
            var ws = Workspace.Current;
            long stride = Y == null ? OutW : channelPlane;
            float* d = Y == null ? ws.Get<float>(ScratchSlot.ThreadTile, 16L * OutW) : Y + (long)plane * 16 * channelPlane + (long)row * OutW;
            // The bias and the ReLU on the row's 16-channel vectors, in place, before they are transposed.
            if (Bias != null || Relu)
            {
                var b = Bias == null ? Vector512<float>.Zero : Vector512.Load(Bias + plane % Blocks * 16);
                for (int c = 0; c < OutW; c++)
                {
                    var v = Vector512.Load(src + c * 16) + b;
                    (Relu ? Vector512.Max(v, Vector512<float>.Zero) : v).Store(src + c * 16);
                }
            }
            int x = 0;
            for (; x + 16 <= OutW; x += 16) WeightGradientTransposeJob.Transpose16(src + x * 16, 16, d + x, (nint)stride);
            for (; x < OutW; x++)
            for (int i = 0; i < 16; i++)
                d[i * stride + x] = src[x * 16 + i];
            if (Classify.Output == null) return;
            float* logits = Classify.Output + (long)plane * Classify.Classes * channelPlane + (long)row * OutW;
            float* scratch = ws.Get<float>(ScratchSlot.ThreadProducts, Pointwise.BandScratch(VectorPath.Vector512, 16));
            Pointwise.RunBand(VectorPath.Vector512, d, 16, stride, Classify.Weights, Classify.Bias, logits, Classify.Classes,
                channelPlane, OutW, ClassTaps, scratch);
        }
    }
}

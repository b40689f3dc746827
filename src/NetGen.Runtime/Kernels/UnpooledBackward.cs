// The backward of a stride-1 deconvolution whose input is a MaxUnpool2d's output, on the unpooled input's nonzeros only.
// That input holds one value per pool cell (per channel, at the argmax), so 3/4 of it is zero under a 2×2 pool; after a
// ReLU about half of the rest is zero too. The dense engines (Winograd's rows) compute the input gradient at every unpooled
// position and keep a quarter; they sum the weight gradient over every position, zeros included. Here:
//   dPooled[n, ci, q] = Σ_{co, ky, kx} w[ci, co, ky, kx]·dy[n, co, r − p + ky, c − p + kx]   at (r, c) = argmax of q,
//   dw[ci, co, ky, kx] += Σ_{n, q: x ≠ 0} x[n, ci, q]·dy[n, co, r − p + ky, c − p + kx],
// each (channel, pooled position) on its own window of dy: the sums vectorize over co, with dy transposed to 16 channels
// per position (zero-padded by the kernel's reach), so each tap is one Vector512 load at the window's offset. The input
// gradient sums 8 windows of one channel at a time, their weights in a register (and skips every position whose ReLU gate
// is shut: its gradient is zero); the weight gradient runs a channel's sums for one kernel row and 32 output channels (14
// vectors at k = 7) in registers over the channel's nonzero inputs of a strip. Kernels of 3, 5 or 7 taps a side. Work ∝
// the nonzeros, not the unpooled plane. A 3×3 kernel to 16 output channels runs both gradients in one pass instead
// (UnpooledBackwardNarrow). Vector512 only; the other paths, and other layers with few taps × output channels, run the
// dense engines. Every (channel, position)'s sums run in one order and tasks own their outputs: the same bits on any
// thread count.
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using NetGen.Model;

namespace NetGen.Kernels;

internal static unsafe partial class UnpooledBackward
{
    /// <summary>NETGEN_SPARSE_UNPOOL=0 turns this path off (the dense engines run instead), for A/B runs.</summary>
    internal static readonly bool Enabled = Environment.GetEnvironmentVariable("NETGEN_SPARSE_UNPOOL") != "0";

    // Pooled positions per strip of the input gradient (rows × columns), one vector block of 16 output channels per pass:
    // the strip's window of dy (2·2 + k − 1 rows × 2·24 + k − 1 columns × 64 bytes: 34 KB at k = 7) stays in L1 while every
    // channel's positions in it are summed, and 24 of them (about half, after a ReLU) fill 3 groups of 8. Measured on
    // SegNet's 64→64 7×7 at 180×240 (one thread pair, the input gradient alone): strips of 8, 16, 24, 32, 48, 64 columns
    // 19.9, 16.8, 15.7, 16.1, 16.9, 17.9 ms; passes of 2 blocks 1–2 ms slower than of 1.
    private const int StripRows = 2, DxStripCols = 24, DxPassBlocks = 1;
    // The weight gradient's strips are wider: its accumulators go back to memory after each channel's pass over a strip,
    // and it runs one kernel row per pass (4 rows × 70 columns of dy in 2 blocks: 36 KB at k = 7). Measured (SegNet's 7×7
    // weight gradient at 180×240 alone): strips of 16, 32, 64 columns 13.7, 13.0, 15.1 ms.
    private const int WeightStripCols = 32, WeightStripSize = StripRows * WeightStripCols;
    // Vector blocks of 16 output channels per weight-gradient pass.
    private const int PassBlocks = 2;
    // Taps × vector blocks below which these kernels lose to the dense engines: each position's sums are too short to pay
    // for the lists, the offsets and the horizontal sums. Measured (backward): the tiny hourglass's 16-channel 3×3
    // deconvolution at 256×256 (9) 2.17 against 1.94 ms alone; Wide128's 64-channel 3×3 ones (36) 1.8 against 3.4–3.5 ms
    // and 3.9 against 4.8 in its profile. The narrow kernel takes that 3×3 to 16 channels (0.87–0.88 against 2.04–2.27 ms
    // alone, bias gradient included); 5×5 to 16 channels (25) stays dense.
    internal const int MinSums = 32;

    public static bool Applies(VectorPath path, in ConvGeometry g, in PoolGeometry pool) =>
        Enabled && KernelOptions.SparseUnpooledAllowed && path == VectorPath.Vector512 && g.Stride == 1
        && g.Kernel is 3 or 5 or 7 && g.OutC % 16 == 0 && g.OutC > 0 && g.InC > 0
        && (g.Kernel * g.Kernel * (g.OutC / 16) >= MinSums || Narrow(g))
        && pool.C == g.InC && pool.InH == g.InH && pool.InW == g.InW
        && pool.OutH > 0 && pool.OutW > 0 && pool.Kernel == pool.Stride && pool.Stride > 0
        && (long)g.InH * g.InW <= int.MaxValue / 64 && (long)(g.InH + g.Kernel) * (g.InW + g.Kernel) * g.OutC <= int.MaxValue / 2;

    /// <summary>dPooled [N, InC, pool.OutH, pool.OutW] (overwritten; null: skipped) and dw += [InC, OutC, K, K] (null: skipped) of
    /// a stride-1 deconvolution whose input is unpooled from pooled values and argmax indices (offsets in the InH × InW plane);
    /// gate: zero dPooled wherever pooled ≤ 0 (and skip computing it). Throws, naming "indices", where an index lies outside
    /// the plane, before anything is written. Returns false, having written nothing, where an argmax lies outside its own
    /// pool cell: then two cells may unpool to one position, where the unpooled tensor keeps one value and the dense engines
    /// must run.</summary>
    public static bool Run(float* pooled, int* indices, in PoolGeometry pool, float* w, float* dy, float* dPooled, bool gate,
        float* dw, int batch, in ConvGeometry g)
    {
        if (batch == 0 || (dPooled == null && dw == null)) return true;
        var ws = Workspace.Current;
        int threads = KernelOptions.Threads;
        int k = g.Kernel, kk = k * k, blocks = g.OutC / 16;
        int hp = g.InH + k - 1, wp = g.InW + k - 1;
        long planeStride = (long)hp * wp * 16;
        long pooledPlane = pool.OutPlane;

        // The window offset of each (sample, channel, pooled position) in dy's padded plane; rejects bad indices first.
        int* offsets = ws.Get<int>(ScratchSlot.Counts, batch * pool.C * pooledPlane);
        var offsetJob = new OffsetJob
        {
            Indices = indices, Offsets = offsets, Plane = pooledPlane, PW = pool.OutW, Stride = pool.Stride, InW = g.InW,
            InPlane = g.InH * g.InW, Wp = wp,
        };
        WorkerPool.Run(ref offsetJob, batch * pool.C, threads);
        if (offsetJob.Bad != 0) throw new ArgumentException("An index lies outside the input plane.", "indices");
        if (offsetJob.Outside != 0) return false;
        // Each (vector block within a pass, kernel row)'s offset: a row's k taps then lie 16 floats apart.
        int* rows = ws.Get<int>(ScratchSlot.Grid, PassBlocks * k);
        for (int r = 0; r < PassBlocks * k; r++) rows[r] = checked((int)(r / k * planeStride + r % k * wp * 16));

        // Weights as [InC, blocks, kk, 16]: one pass's weights for a channel are contiguous, in the order of taps.
        float* weights = ws.Get<float>(ScratchSlot.Weights, (long)g.InC * blocks * kk * 16);
        var weightJob = new WeightJob { W = w, Weights = weights, OutC = g.OutC, Kk = kk };
        WorkerPool.Run(ref weightJob, g.InC, threads);
        // dy as [samples, blocks, hp, wp, 16], zero where the window reaches past its edges, a chunk of samples at a time.
        int chunk = SamplesPerChunk(batch, blocks * planeStride);
        float* padded = ws.Get<float>(ScratchSlot.Input, chunk * blocks * planeStride);
        for (int n0 = 0; n0 < batch; n0 += chunk)
        {
            int samples = Math.Min(chunk, batch - n0);
            long pooledOffset = (long)n0 * pool.C * pooledPlane;
            var packJob = new PackJob
            {
                Dy = dy + (long)n0 * g.OutC * g.OutPlane, Padded = padded, OutH = g.OutH, OutW = g.OutW, Hp = hp, Wp = wp,
                Padding = g.Padding,
            };
            WorkerPool.Run(ref packJob, samples * blocks * hp, threads);
            var common = new Common
            {
                Pooled = pooled + pooledOffset, Offsets = offsets + pooledOffset, Padded = padded, Rows = rows,
                Weights = weights, Batch = samples, C = pool.C, PH = pool.OutH, PW = pool.OutW, Blocks = blocks, K = k, Kk = kk,
                PlaneStride = planeStride, RowStride = wp * 16,
            };
            if (Narrow(g))
            {
                RunNarrow(common, dPooled == null ? null : dPooled + pooledOffset, gate, dw);
                continue;
            }
            if (dPooled != null)
            {
                int bands = (pool.OutH + StripRows - 1) / StripRows;
                var job = new InputGradientJob { C = common, Output = dPooled + pooledOffset, Gate = gate };
                WorkerPool.Run(ref job, samples * bands, threads);
            }
            if (dw != null)
            {
                // Tasks own (pass, channel block) sets of dw and sum samples, strips and positions in one order.
                int passes = (blocks + PassBlocks - 1) / PassBlocks;
                int channelBlock = Math.Max(1, Math.Min(g.InC, (g.InC + 1) / 2));
                int channelBlocks = (g.InC + channelBlock - 1) / channelBlock;
                var job = new WeightGradientJob
                {
                    C = common, Dw = dw, OutC = g.OutC, ChannelBlock = channelBlock, ChannelBlocks = channelBlocks,
                };
                WorkerPool.Run(ref job, passes * channelBlocks, threads);
            }
        }
        return true;
    }

    // The most padded-copy floats a call keeps (64 MB; SegNet's 64 channels at 180×240 take 11.7 MB a sample, at 360×480
    // 45.5 MB): whole samples at a time, at least one. Tests lower it on their thread to run several chunks.
    private const long SampleBudget = 16L << 20;
    [ThreadStatic] internal static long SampleBudgetOverride;

    /// <summary>Samples per chunk whose padded copies (perSample floats each) fit the budget; at least one.</summary>
    internal static int SamplesPerChunk(int batch, long perSample) =>
        (int)Math.Clamp((SampleBudgetOverride > 0 ? SampleBudgetOverride : SampleBudget) / Math.Max(1, perSample), 1, batch);

    private struct Common
    {
        public float* Pooled, Padded, Weights;
        public int* Offsets, Rows;
        public int Batch, C, PH, PW, Blocks, K, Kk, RowStride;
        public long PlaneStride;
    }

    internal struct OffsetJob : IParallelJob
    {
        public int* Indices, Offsets;
        public byte* Phases; // optional: each argmax's place in its cell, row·Stride + column
        public long Plane;
        public int PW, Stride, InW, InPlane, Wp, Bad, Outside;

        public void Execute(int task, int worker)
        {
            int* index = Indices + task * Plane;
            int* offset = Offsets + task * Plane;
            byte* phases = Phases == null ? null : Phases + task * Plane;
            // Locals: the stores through offset could alias this job's fields, which the loop would then reload.
            int pw = PW, stride = Stride, inW = InW, inPlane = InPlane, wp = Wp, bad = 0, outside = 0;
            int ph = (int)(Plane / pw);
            var lanes = Vector512.Create(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
            var anyBad = Vector512<int>.Zero;
            var anyOutside = Vector512<int>.Zero;
            for (int qr = 0; qr < ph; qr++)
            {
                int rowStart = qr * stride * inW;
                int qc = 0;
                // 16 positions at a time (this path runs only where Vector512 does), as the scalar loop below.
                for (; qc + 16 <= pw; qc += 16)
                {
                    long q = (long)qr * pw + qc;
                    var i = Vector512.Load(index + q);
                    anyBad |= Vector512.GreaterThanOrEqual(i.AsUInt32(), Vector512.Create((uint)inPlane)).AsInt32();
                    var column = (Vector512.Create(qc) + lanes) * stride;
                    var within = i - Vector512.Create(rowStart) - column;
                    var dr = Vector512<int>.Zero;
                    for (int step = 1; step < stride; step++)
                    {
                        var down = Vector512.GreaterThanOrEqual(within, Vector512.Create(inW));
                        within -= down & Vector512.Create(inW);
                        dr -= down;
                    }
                    anyOutside |= Vector512.GreaterThanOrEqual(within.AsUInt32(), Vector512.Create((uint)stride)).AsInt32();
                    var place = ((Vector512.Create(qr * stride) + dr) * wp + column + within) * 16;
                    place.Store(offset + q);
                    if (phases != null) Avx512F.ConvertToVector128Byte(dr * stride + within).Store(phases + q);
                }
                for (; qc < pw; qc++)
                {
                    long q = (long)qr * pw + qc;
                    int i = index[q];
                    if ((uint)i >= (uint)inPlane)
                    {
                        bad = 1;
                        offset[q] = 0;
                        continue;
                    }
                    // The argmax's place in its cell: rows down, then columns across (branch-free: the argmax's row in its cell is
                    // as random as its value).
                    int within = i - rowStart - qc * stride, dr = 0;
                    for (int step = 1; step < stride; step++)
                    {
                        int down = within >= inW ? 1 : 0;
                        within -= down * inW;
                        dr += down;
                    }
                    if ((uint)within >= (uint)stride)
                    {
                        outside = 1;
                        offset[q] = 0;
                        continue;
                    }
                    offset[q] = ((qr * stride + dr) * wp + qc * stride + within) * 16;
                    if (phases != null) phases[q] = (byte)(dr * stride + within);
                }
            }
            if (bad != 0 || anyBad != Vector512<int>.Zero) Bad = 1;
            if (outside != 0 || anyOutside != Vector512<int>.Zero) Outside = 1;
        }
    }

    private struct WeightJob : IParallelJob
    {
        public float* W, Weights;
        public int OutC, Kk;

        public void Execute(int ci, int worker)
        {
            int blocks = OutC / 16;
            for (int block = 0; block < blocks; block++)
            {
                float* d = Weights + ((long)ci * blocks + block) * Kk * 16;
                for (int i = 0; i < 16; i++)
                {
                    float* s = W + ((long)ci * OutC + block * 16 + i) * Kk;
                    for (int t = 0; t < Kk; t++) d[t * 16 + i] = s[t];
                }
            }
        }
    }

    private struct PackJob : IParallelJob
    {
        public float* Dy, Padded;
        public int OutH, OutW, Hp, Wp, Padding;

        public void Execute(int task, int worker)
        {
            int row = task % Hp, plane = task / Hp; // plane = n·blocks + block
            float* d = Padded + ((long)plane * Hp + row) * Wp * 16;
            int y = row - Padding;
            if ((uint)y >= (uint)OutH)
            {
                new Span<float>(d, Wp * 16).Clear();
                return;
            }
            // Columns c ↔ dy column c − Padding.
            int first = Math.Min(Padding, Wp), last = Math.Min(Wp, Padding + OutW);
            new Span<float>(d, first * 16).Clear();
            if (last < Wp) new Span<float>(d + last * 16, (Wp - last) * 16).Clear();
            long channelPlane = (long)OutH * OutW;
            float* s = Dy + (long)plane * 16 * channelPlane + (long)y * OutW;
            int x = 0;
            for (; x + 16 <= last - first; x += 16)
                WeightGradientTransposeJob.Transpose16(s + x, channelPlane, d + (first + x) * 16, 16);
            for (; x < last - first; x++)
            for (int i = 0; i < 16; i++)
                d[(first + x) * 16 + i] = s[i * channelPlane + x];
        }
    }

    private struct InputGradientJob : IParallelJob
    {
        public Common C;
        public float* Output;
        public bool Gate;

        public void Execute(int task, int worker)
        {
            ref Common c = ref C;
            int bands = (c.PH + StripRows - 1) / StripRows;
            int n = task / bands, r0 = task % bands * StripRows, r1 = Math.Min(c.PH, r0 + StripRows);
            long pooledPlane = (long)c.PH * c.PW;
            int stripSize = StripRows * DxStripCols, groups = (stripSize + 7) / 8, room = groups * 8 + 1;
            var ws = Workspace.Current;
            // Per channel of a strip: the positions it computes and their windows' offsets (the last repeated to a whole
            // group of 8), and the sums of the passes so far.
            int* positions = ws.Get<int>(ScratchSlot.ThreadTile, 2L * c.C * room);
            int* windows = positions + c.C * room;
            int* counts = ws.Get<int>(ScratchSlot.ThreadOutput, c.C);
            float* partial = ws.Get<float>(ScratchSlot.ThreadProducts, (long)c.C * groups * 8 * 16);
            float* sums = stackalloc float[8];
            for (int c0 = 0; c0 < c.PW; c0 += DxStripCols)
            {
                int c1 = Math.Min(c.PW, c0 + DxStripCols);
                for (int ci = 0; ci < c.C; ci++)
                {
                    long planeBase = ((long)n * c.C + ci) * pooledPlane;
                    int* list = positions + ci * room;
                    int* offsets = windows + ci * room;
                    int count = 0;
                    for (int r = r0; r < r1; r++)
                    {
                        float* gate = c.Pooled + planeBase + (long)r * c.PW;
                        float* output = Output + planeBase + (long)r * c.PW;
                        int* offset = c.Offsets + planeBase + (long)r * c.PW;
                        if (!Gate)
                            for (int col = c0; col < c1; col++)
                            {
                                list[count] = r * c.PW + col;
                                offsets[count++] = offset[col];
                            }
                        else
                            // Positions whose gate is shut get zero; the others are listed, branch-free: whether a ReLU
                            // let a value through is a coin toss.
                            for (int col = c0; col < c1; col++)
                            {
                                output[col] = 0;
                                list[count] = r * c.PW + col;
                                offsets[count] = offset[col];
                                count += gate[col] > 0 ? 1 : 0;
                            }
                    }
                    counts[ci] = count;
                    for (int i = count; i < (count + 7) / 8 * 8; i++) offsets[i] = offsets[count - 1];
                }
                for (int block = 0; block < c.Blocks; block += DxPassBlocks)
                {
                    int sumsInPass = Math.Min(DxPassBlocks, c.Blocks - block) * c.Kk;
                    bool first = block == 0, last = block + DxPassBlocks >= c.Blocks;
                    float* dyBase = c.Padded + ((long)n * c.Blocks + block) * c.PlaneStride;
                    for (int ci = 0; ci < c.C; ci++)
                    {
                        int count = counts[ci];
                        int* list = positions + ci * room;
                        int* offsets = windows + ci * room;
                        float* output = Output + ((long)n * c.C + ci) * pooledPlane;
                        float* wc = c.Weights + ((long)ci * c.Blocks + block) * c.Kk * 16;
                        float* part = partial + (long)ci * groups * 128;
                        for (int g = 0; g < count; g += 8, part += 128)
                        {
                            Dot8Rows(wc, c.Rows, sumsInPass / c.K, c.K, dyBase, offsets + g, part, first, last, sums);
                            if (last)
                                for (int i = 0, m = Math.Min(8, count - g); i < m; i++) output[list[g + i]] = sums[i];
                        }
                    }
                }
            }
        }
    }

    /// <summary>Adds Σ_{r, kx} w[r·k + kx]·window_i[rows[r] + 16·kx] (16 lanes) to partial[i] for the 8 windows at
    /// dy + windows[i], starting from zero on the first pass; on the last pass writes each window's 16 lanes added up to
    /// sums[i] instead. rows[r] is kernel row r's offset (vector block and row), its k taps 16 floats apart: the loop loads
    /// only weights and windows.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Dot8Rows(float* w, int* rows, int rowCount, int k, float* dy, int* windows, float* partial, bool first,
        bool last, float* sums)
    {
        float* p0 = dy + windows[0], p1 = dy + windows[1], p2 = dy + windows[2], p3 = dy + windows[3];
        float* p4 = dy + windows[4], p5 = dy + windows[5], p6 = dy + windows[6], p7 = dy + windows[7];
        Vector512<float> a0, a1, a2, a3, a4, a5, a6, a7;
        if (first) a0 = a1 = a2 = a3 = a4 = a5 = a6 = a7 = default;
        else
        {
            a0 = Vector512.Load(partial); a1 = Vector512.Load(partial + 16);
            a2 = Vector512.Load(partial + 32); a3 = Vector512.Load(partial + 48);
            a4 = Vector512.Load(partial + 64); a5 = Vector512.Load(partial + 80);
            a6 = Vector512.Load(partial + 96); a7 = Vector512.Load(partial + 112);
        }
        for (int r = 0; r < rowCount; r++, w += k * 16)
        {
            nint o = rows[r];
            for (int kx = 0; kx < k; kx++)
            {
                var wv = Vector512.Load(w + kx * 16);
                nint t = o + kx * 16;
                a0 = Avx512F.FusedMultiplyAdd(wv, Vector512.Load(p0 + t), a0);
                a1 = Avx512F.FusedMultiplyAdd(wv, Vector512.Load(p1 + t), a1);
                a2 = Avx512F.FusedMultiplyAdd(wv, Vector512.Load(p2 + t), a2);
                a3 = Avx512F.FusedMultiplyAdd(wv, Vector512.Load(p3 + t), a3);
                a4 = Avx512F.FusedMultiplyAdd(wv, Vector512.Load(p4 + t), a4);
                a5 = Avx512F.FusedMultiplyAdd(wv, Vector512.Load(p5 + t), a5);
                a6 = Avx512F.FusedMultiplyAdd(wv, Vector512.Load(p6 + t), a6);
                a7 = Avx512F.FusedMultiplyAdd(wv, Vector512.Load(p7 + t), a7);
            }
        }
        Finish(a0, a1, a2, a3, a4, a5, a6, a7, partial, last, sums);
    }

    /// <summary>Stores the 8 accumulators to partial, or on the last pass each one's 16 lanes added up to sums[i].</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void Finish(Vector512<float> a0, Vector512<float> a1, Vector512<float> a2, Vector512<float> a3,
        Vector512<float> a4, Vector512<float> a5, Vector512<float> a6, Vector512<float> a7, float* partial, bool last, float* sums)
    {
        if (!last)
        {
            a0.Store(partial); a1.Store(partial + 16); a2.Store(partial + 32); a3.Store(partial + 48);
            a4.Store(partial + 64); a5.Store(partial + 80); a6.Store(partial + 96); a7.Store(partial + 112);
            return;
        }
        // Eight horizontal sums at once: halves added, then pairwise sums across the accumulators.
        var h0 = a0.GetLower() + a0.GetUpper(); var h1 = a1.GetLower() + a1.GetUpper();
        var h2 = a2.GetLower() + a2.GetUpper(); var h3 = a3.GetLower() + a3.GetUpper();
        var h4 = a4.GetLower() + a4.GetUpper(); var h5 = a5.GetLower() + a5.GetUpper();
        var h6 = a6.GetLower() + a6.GetUpper(); var h7 = a7.GetLower() + a7.GetUpper();
        var q01 = Avx.HorizontalAdd(h0, h1); var q23 = Avx.HorizontalAdd(h2, h3);
        var q45 = Avx.HorizontalAdd(h4, h5); var q67 = Avx.HorizontalAdd(h6, h7);
        var o0123 = Avx.HorizontalAdd(q01, q23); var o4567 = Avx.HorizontalAdd(q45, q67);
        // Each 128-bit half of o0123 holds [a0 a1 a2 a3] over half the lanes.
        (o0123.GetLower() + o0123.GetUpper()).Store(sums);
        (o4567.GetLower() + o4567.GetUpper()).Store(sums + 4);
    }

    private struct WeightGradientJob : IParallelJob
    {
        public Common C;
        public float* Dw;
        public int OutC, ChannelBlock, ChannelBlocks;

        public void Execute(int task, int worker)
        {
            ref Common c = ref C;
            int pass = task / ChannelBlocks, ciBlock = task % ChannelBlocks;
            int block = pass * PassBlocks, passBlocks = Math.Min(PassBlocks, c.Blocks - block);
            int sumsInPass = passBlocks * c.Kk;
            int ci0 = ciBlock * ChannelBlock, ci1 = Math.Min(c.C, ci0 + ChannelBlock);
            long pooledPlane = (long)c.PH * c.PW;
            var ws = Workspace.Current;
            // The task's sums: [channel, j = block within the pass·kk + tap, 16], zeroed.
            int sumsPerChannel = PassBlocks * c.Kk;
            float* acc = ws.Get<float>(ScratchSlot.Partials, (long)(ci1 - ci0) * sumsPerChannel * 16);
            new Span<float>(acc, (ci1 - ci0) * sumsPerChannel * 16).Clear();
            // Per channel of a strip: its nonzero inputs' window offsets and values.
            int* windows = ws.Get<int>(ScratchSlot.ThreadInput, (long)(ci1 - ci0) * (WeightStripSize + 1));
            float* values = ws.Get<float>(ScratchSlot.ThreadTile, (long)(ci1 - ci0) * (WeightStripSize + 1));
            int* counts = ws.Get<int>(ScratchSlot.ThreadOutput, ci1 - ci0);
            // A pass over a strip runs one kernel row (k taps × the pass's 16 or 32 output channels), the taps' offsets in
            // the instructions.
            int rowStride = c.RowStride;
            for (int n = 0; n < c.Batch; n++)
            {
                float* dyBase = c.Padded + ((long)n * c.Blocks + block) * c.PlaneStride;
                for (int r0 = 0; r0 < c.PH; r0 += StripRows)
                for (int c0 = 0; c0 < c.PW; c0 += WeightStripCols)
                {
                    int r1 = Math.Min(c.PH, r0 + StripRows), c1 = Math.Min(c.PW, c0 + WeightStripCols);
                    for (int ci = ci0; ci < ci1; ci++)
                    {
                        long planeBase = ((long)n * c.C + ci) * pooledPlane;
                        int* list = windows + (ci - ci0) * (WeightStripSize + 1);
                        float* listValues = values + (ci - ci0) * (WeightStripSize + 1);
                        int count = 0;
                        for (int r = r0; r < r1; r++)
                        {
                            float* x = c.Pooled + planeBase + (long)r * c.PW;
                            int* offset = c.Offsets + planeBase + (long)r * c.PW;
                            // Branch-free: whether a ReLU let a value through is a coin toss.
                            for (int col = c0; col < c1; col++)
                            {
                                list[count] = offset[col];
                                listValues[count] = x[col];
                                count += x[col] != 0 ? 1 : 0;
                            }
                        }
                        counts[ci - ci0] = count;
                    }
                    for (int ky = 0; ky < c.K; ky++)
                    for (int ci = ci0; ci < ci1; ci++)
                    {
                        int count = counts[ci - ci0];
                        if (count == 0) continue;
                        float* a = acc + ((long)(ci - ci0) * sumsPerChannel + ky * c.K) * 16;
                        float* row = dyBase + (long)ky * rowStride;
                        int* list = windows + (ci - ci0) * (WeightStripSize + 1);
                        float* listValues = values + (ci - ci0) * (WeightStripSize + 1);
                        switch (c.K * 2 + (passBlocks == 2 ? 1 : 0))
                        {
                            case 15: OuterRow<Row7, TwoBlocks>(a, a + c.Kk * 16, row, c.PlaneStride, list, listValues, count); break;
                            case 14: OuterRow<Row7, OneBlock>(a, a, row, 0, list, listValues, count); break;
                            case 11: OuterRow<Row5, TwoBlocks>(a, a + c.Kk * 16, row, c.PlaneStride, list, listValues, count); break;
                            case 10: OuterRow<Row5, OneBlock>(a, a, row, 0, list, listValues, count); break;
                            case 7: OuterRow<Row3, TwoBlocks>(a, a + c.Kk * 16, row, c.PlaneStride, list, listValues, count); break;
                            default: OuterRow<Row3, OneBlock>(a, a, row, 0, list, listValues, count); break;
                        }
                    }
                }
            }
            // dw[ci, co, tap] += acc[ci, j = (co / 16 − block)·kk + tap, co % 16].
            for (int ci = ci0; ci < ci1; ci++)
            for (int j = 0; j < sumsInPass; j++)
            {
                float* a = acc + ((long)(ci - ci0) * sumsPerChannel + j) * 16;
                int co0 = (block + j / c.Kk) * 16, t = j % c.Kk;
                float* d = Dw + ((long)ci * OutC + co0) * c.Kk + t;
                for (int i = 0; i < 16; i++) d[i * c.Kk] += a[i];
            }
        }
    }

    /// <summary>a[kx] += Σ_i values[i]·(dy + windows[i])[16·kx] for kx &lt; TRow.Length (16 lanes each), and with TwoBlocks
    /// b[kx] += the same at + blockStride: one kernel row for one or two vector blocks of output channels, the taps' offsets
    /// in the instructions (the unused sums and their loads vanish from each instantiation).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void OuterRow<TRow, TBlocks>(float* a, float* b, float* dy, long blockStride, int* windows, float* values, int count)
        where TRow : struct, IKernelRow where TBlocks : struct, IBlockCount
    {
        int n = TRow.Length;
        bool two = TBlocks.Two;
        var a0 = Vector512.Load(a); var a1 = Vector512.Load(a + 16); var a2 = Vector512.Load(a + 32);
        Vector512<float> a3 = default, a4 = default, a5 = default, a6 = default;
        Vector512<float> b0 = default, b1 = default, b2 = default, b3 = default, b4 = default, b5 = default, b6 = default;
        if (n > 3) { a3 = Vector512.Load(a + 48); a4 = Vector512.Load(a + 64); }
        if (n > 5) { a5 = Vector512.Load(a + 80); a6 = Vector512.Load(a + 96); }
        if (two)
        {
            b0 = Vector512.Load(b); b1 = Vector512.Load(b + 16); b2 = Vector512.Load(b + 32);
            if (n > 3) { b3 = Vector512.Load(b + 48); b4 = Vector512.Load(b + 64); }
            if (n > 5) { b5 = Vector512.Load(b + 80); b6 = Vector512.Load(b + 96); }
        }
        nint stride = (nint)blockStride;
        for (int i = 0; i < count; i++)
        {
            float* p = dy + windows[i];
            float* q = p + stride;
            var x = Vector512.Create(values[i]);
            a0 = Avx512F.FusedMultiplyAdd(x, Vector512.Load(p), a0);
            a1 = Avx512F.FusedMultiplyAdd(x, Vector512.Load(p + 16), a1);
            a2 = Avx512F.FusedMultiplyAdd(x, Vector512.Load(p + 32), a2);
            if (n > 3)
            {
                a3 = Avx512F.FusedMultiplyAdd(x, Vector512.Load(p + 48), a3);
                a4 = Avx512F.FusedMultiplyAdd(x, Vector512.Load(p + 64), a4);
            }
            if (n > 5)
            {
                a5 = Avx512F.FusedMultiplyAdd(x, Vector512.Load(p + 80), a5);
                a6 = Avx512F.FusedMultiplyAdd(x, Vector512.Load(p + 96), a6);
            }
            if (two)
            {
                b0 = Avx512F.FusedMultiplyAdd(x, Vector512.Load(q), b0);
                b1 = Avx512F.FusedMultiplyAdd(x, Vector512.Load(q + 16), b1);
                b2 = Avx512F.FusedMultiplyAdd(x, Vector512.Load(q + 32), b2);
                if (n > 3)
                {
                    b3 = Avx512F.FusedMultiplyAdd(x, Vector512.Load(q + 48), b3);
                    b4 = Avx512F.FusedMultiplyAdd(x, Vector512.Load(q + 64), b4);
                }
                if (n > 5)
                {
                    b5 = Avx512F.FusedMultiplyAdd(x, Vector512.Load(q + 80), b5);
                    b6 = Avx512F.FusedMultiplyAdd(x, Vector512.Load(q + 96), b6);
                }
            }
        }
        a0.Store(a); a1.Store(a + 16); a2.Store(a + 32);
        if (n > 3) { a3.Store(a + 48); a4.Store(a + 64); }
        if (n > 5) { a5.Store(a + 80); a6.Store(a + 96); }
        if (two)
        {
            b0.Store(b); b1.Store(b + 16); b2.Store(b + 32);
            if (n > 3) { b3.Store(b + 48); b4.Store(b + 64); }
            if (n > 5) { b5.Store(b + 80); b6.Store(b + 96); }
        }
    }
}

/// <summary>A kernel row's length (3, 5 or 7 taps) as a constant of a struct type, so that generic kernels unroll for it.</summary>
internal interface IKernelRow
{
    static abstract int Length { get; }
}

internal readonly struct Row3 : IKernelRow { public static int Length => 3; }
internal readonly struct Row5 : IKernelRow { public static int Length => 5; }
internal readonly struct Row7 : IKernelRow { public static int Length => 7; }

/// <summary>Whether a pass covers two vector blocks of output channels or one, as a constant of a struct type.</summary>
internal interface IBlockCount
{
    static abstract bool Two { get; }
}

internal readonly struct OneBlock : IBlockCount { public static bool Two => false; }
internal readonly struct TwoBlocks : IBlockCount { public static bool Two => true; }

// UnpooledBackward for 3×3 deconvolutions to 16 output channels (one vector block: the tiny hourglass's decoder). There a
// position's sums are too short for the general kernels (9 multiply-adds of the input gradient per window; the weight
// gradient's one kernel row × one block is 3 accumulator chains, latency-bound), so both gradients run in one pass over
// each nonzero input: its window of dy (9 vectors of 16 output channels) is loaded once and feeds
//   the input gradient: Σ_tap w[ci, ·, tap]·window[tap] (one vector, added up across its lanes 8 windows at a time), and
//   the weight gradient:  dw[ci, ·, tap] += x·window[tap] (9 accumulators in registers over a channel's strip).
// The lists of nonzero positions are built 16 at a time (vcompressps). Tasks are bands of pooled rows; each keeps its own
// weight-gradient sums, added to dw in task order afterwards: the same bits on any thread count and in any chunking.
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using NetGen.Model;

namespace NetGen.Kernels;

internal static unsafe partial class UnpooledBackward
{
    // Pooled rows per task, and columns per strip: a strip's window of dy (4·2 + 2 rows × 16·2 + 2 columns × 64 bytes: 22 KB)
    // stays in L1 while every channel's nonzeros in it are summed.
    private const int NarrowBandRows = 4, NarrowStripCols = 16, NarrowStripSize = NarrowBandRows * NarrowStripCols;
    private const int NarrowTaps = 9;

    /// <summary>Whether the narrow kernel runs the layer: a 3×3 kernel to one vector block of output channels.</summary>
    internal static bool Narrow(in ConvGeometry g) => g.Kernel == 3 && g.OutC == 16;

    private static void RunNarrow(in Common common, float* dPooled, bool gate, float* dw)
    {
        int bands = (common.PH + NarrowBandRows - 1) / NarrowBandRows, tasks = common.Batch * bands;
        long perTask = (long)common.C * NarrowTaps * 16;
        float* partials = dw == null ? null : Workspace.Current.Get<float>(ScratchSlot.Partials, tasks * perTask);
        var job = new NarrowJob { C = common, DPooled = dPooled, Partials = partials, Gate = gate, Bands = bands };
        WorkerPool.Run(ref job, tasks, KernelOptions.Threads);
        if (dw == null) return;
        var sum = new NarrowSumJob { Partials = partials, Dw = dw, Tasks = tasks, C = common.C };
        WorkerPool.Run(ref sum, common.C, KernelOptions.Threads);
    }

    private struct NarrowJob : IParallelJob
    {
        public Common C;
        public float* DPooled, Partials;
        public bool Gate;
        public int Bands;

        public void Execute(int task, int worker)
        {
            ref Common c = ref C;
            int n = task / Bands, r0 = task % Bands * NarrowBandRows, r1 = Math.Min(c.PH, r0 + NarrowBandRows);
            long pooledPlane = (long)c.PH * c.PW;
            var ws = Workspace.Current;
            const int room = NarrowStripSize + 16;
            int* windows = ws.Get<int>(ScratchSlot.ThreadInput, 2L * room);
            int* positions = windows + room;
            float* values = ws.Get<float>(ScratchSlot.ThreadTile, room);
            float* dots = ws.Get<float>(ScratchSlot.ThreadProducts, (long)room * 16);
            float* sums = stackalloc float[8];
            float* wsums = Partials == null ? null : Partials + (long)task * c.C * NarrowTaps * 16;
            if (wsums != null) new Span<float>(wsums, c.C * NarrowTaps * 16).Clear();
            float* dy = c.Padded + (long)n * c.PlaneStride;
            bool dx = DPooled != null;
            // Every position when the input gradient is wanted ungated (its zeros add nothing to the weight gradient).
            bool all = dx && !Gate;
            for (int c0 = 0; c0 < c.PW; c0 += NarrowStripCols)
            {
                int cols = Math.Min(NarrowStripCols, c.PW - c0);
                for (int ci = 0; ci < c.C; ci++)
                {
                    long planeBase = ((long)n * c.C + ci) * pooledPlane;
                    int count = List(c.Pooled + planeBase, c.Offsets + planeBase, Gate && dx ? DPooled + planeBase : null, c.PW,
                        r0, r1, c0, cols, all, values, windows, positions);
                    if (count == 0) continue;
                    float* w = c.Weights + (long)ci * NarrowTaps * 16;
                    float* a = wsums == null ? null : wsums + (long)ci * NarrowTaps * 16;
                    if (dx && a != null) Windows<Both>(dy, c.RowStride, windows, values, count, w, a, dots);
                    else if (dx) Windows<InputOnly>(dy, c.RowStride, windows, values, count, w, a, dots);
                    else Windows<WeightsOnly>(dy, c.RowStride, windows, values, count, w, a, dots);
                    if (!dx) continue;
                    float* output = DPooled + planeBase;
                    for (int g = 0; g < count; g += 8)
                    {
                        float* d = dots + g * 16;
                        Finish(Vector512.Load(d), Vector512.Load(d + 16), Vector512.Load(d + 32), Vector512.Load(d + 48),
                            Vector512.Load(d + 64), Vector512.Load(d + 80), Vector512.Load(d + 96), Vector512.Load(d + 112),
                            null, true, sums);
                        for (int i = 0, m = Math.Min(8, count - g); i < m; i++)
                            output[positions[g + i]] = !Gate || values[g + i] > 0 ? sums[i] : 0f;
                    }
                }
            }
        }
    }

    /// <summary>Lists the strip's positions (rows r0 .. r1 − 1, columns c0 .. c0 + cols − 1 of a pooled plane) whose value is not
    /// zero, or all of them: value, window offset and (unless null) position; zeroes <paramref name="zero"/> (the gated input
    /// gradient; null: none) there. Each list needs 16 floats of room past the strip's positions (whole vectors are stored).
    /// UnpooledForward's narrow scatter lists its nonzeros here too.</summary>
    internal static int List(float* x, int* offset, float* zero, int pw, int r0, int r1, int c0, int cols, bool all,
        float* values, int* windows, int* positions)
    {
        int count = 0;
        for (int r = r0; r < r1; r++)
        {
            int position = r * pw + c0;
            float* xr = x + position;
            int* or = offset + position;
            if (cols == 16)
            {
                var v = Vector512.Load(xr);
                var keep = all ? Vector512<float>.AllBitsSet : ~Vector512.Equals(v, Vector512<float>.Zero);
                Avx512F.Compress(default, keep, v).Store(values + count);
                Avx512F.Compress(default, keep.AsInt32(), Vector512.Load(or)).Store(windows + count);
                if (positions != null)
                    Avx512F.Compress(default, keep.AsInt32(), Vector512.Create(position) + Vector512<int>.Indices).Store(positions + count);
                count += BitOperations.PopCount(keep.ExtractMostSignificantBits());
                if (zero != null) Vector512<float>.Zero.Store(zero + position);
                continue;
            }
            // Branch-free: whether a ReLU let a value through is a coin toss.
            for (int col = 0; col < cols; col++)
            {
                values[count] = xr[col];
                windows[count] = or[col];
                if (positions != null) positions[count] = position + col;
                count += all || xr[col] != 0 ? 1 : 0;
                if (zero != null) zero[position + col] = 0f;
            }
        }
        return count;
    }

    /// <summary>For each listed window (dy + windows[i], its 3 rows rowStride apart, 3 taps 16 floats apart): with TMode.Input
    /// dots[i] = Σ_tap w[tap]·window[tap] (16 lanes, added up later), with TMode.Weights a[tap] += values[i]·window[tap].</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Windows<TMode>(float* dy, int rowStride, int* windows, float* values, int count, float* w, float* a,
        float* dots) where TMode : struct, INarrowMode
    {
        bool input = TMode.Input, weights = TMode.Weights;
        Vector512<float> w0 = default, w1 = default, w2 = default, w3 = default, w4 = default, w5 = default, w6 = default,
            w7 = default, w8 = default;
        Vector512<float> a0 = default, a1 = default, a2 = default, a3 = default, a4 = default, a5 = default, a6 = default,
            a7 = default, a8 = default;
        if (input)
        {
            w0 = Vector512.Load(w); w1 = Vector512.Load(w + 16); w2 = Vector512.Load(w + 32);
            w3 = Vector512.Load(w + 48); w4 = Vector512.Load(w + 64); w5 = Vector512.Load(w + 80);
            w6 = Vector512.Load(w + 96); w7 = Vector512.Load(w + 112); w8 = Vector512.Load(w + 128);
        }
        if (weights)
        {
            a0 = Vector512.Load(a); a1 = Vector512.Load(a + 16); a2 = Vector512.Load(a + 32);
            a3 = Vector512.Load(a + 48); a4 = Vector512.Load(a + 64); a5 = Vector512.Load(a + 80);
            a6 = Vector512.Load(a + 96); a7 = Vector512.Load(a + 112); a8 = Vector512.Load(a + 128);
        }
        nint rs = rowStride;
        for (int i = 0; i < count; i++)
        {
            float* p0 = dy + windows[i], p1 = p0 + rs, p2 = p1 + rs;
            var x = Vector512.Create(values[i]);
            var v0 = Vector512.Load(p0); var v1 = Vector512.Load(p0 + 16); var v2 = Vector512.Load(p0 + 32);
            var v3 = Vector512.Load(p1); var v4 = Vector512.Load(p1 + 16); var v5 = Vector512.Load(p1 + 32);
            var v6 = Vector512.Load(p2); var v7 = Vector512.Load(p2 + 16); var v8 = Vector512.Load(p2 + 32);
            if (input)
            {
                // Three rows summed apart, then together: chains of 3, not 9.
                var s0 = Avx512F.FusedMultiplyAdd(w2, v2, Avx512F.FusedMultiplyAdd(w1, v1, w0 * v0));
                var s1 = Avx512F.FusedMultiplyAdd(w5, v5, Avx512F.FusedMultiplyAdd(w4, v4, w3 * v3));
                var s2 = Avx512F.FusedMultiplyAdd(w8, v8, Avx512F.FusedMultiplyAdd(w7, v7, w6 * v6));
                (s0 + s1 + s2).Store(dots + i * 16);
            }
            if (weights)
            {
                a0 = Avx512F.FusedMultiplyAdd(x, v0, a0); a1 = Avx512F.FusedMultiplyAdd(x, v1, a1);
                a2 = Avx512F.FusedMultiplyAdd(x, v2, a2); a3 = Avx512F.FusedMultiplyAdd(x, v3, a3);
                a4 = Avx512F.FusedMultiplyAdd(x, v4, a4); a5 = Avx512F.FusedMultiplyAdd(x, v5, a5);
                a6 = Avx512F.FusedMultiplyAdd(x, v6, a6); a7 = Avx512F.FusedMultiplyAdd(x, v7, a7);
                a8 = Avx512F.FusedMultiplyAdd(x, v8, a8);
            }
        }
        if (weights)
        {
            a0.Store(a); a1.Store(a + 16); a2.Store(a + 32); a3.Store(a + 48); a4.Store(a + 64);
            a5.Store(a + 80); a6.Store(a + 96); a7.Store(a + 112); a8.Store(a + 128);
        }
    }

    /// <summary>dw[ci, co, tap] += Σ_task partials[task, ci, tap, co], the tasks in order (one channel per task here).</summary>
    private struct NarrowSumJob : IParallelJob
    {
        public float* Partials, Dw;
        public int Tasks, C;

        public readonly void Execute(int ci, int worker)
        {
            const int size = NarrowTaps * 16;
            float* t = stackalloc float[size];
            float* d = Dw + (long)ci * size;
            // dw's [co, tap] turned into [tap, co], so each task's sums add as whole vectors.
            for (int co = 0; co < 16; co++)
            for (int tap = 0; tap < NarrowTaps; tap++)
                t[tap * 16 + co] = d[co * NarrowTaps + tap];
            for (int task = 0; task < Tasks; task++)
            {
                float* p = Partials + ((long)task * C + ci) * size;
                for (int j = 0; j < size; j += 16) (Vector512.Load(t + j) + Vector512.Load(p + j)).Store(t + j);
            }
            for (int co = 0; co < 16; co++)
            for (int tap = 0; tap < NarrowTaps; tap++)
                d[co * NarrowTaps + tap] = t[tap * 16 + co];
        }
    }
}

/// <summary>Which gradients the narrow kernel computes, as constants of a struct type.</summary>
internal interface INarrowMode
{
    static abstract bool Input { get; }
    static abstract bool Weights { get; }
}

internal readonly struct Both : INarrowMode { public static bool Input => true; public static bool Weights => true; }
internal readonly struct InputOnly : INarrowMode { public static bool Input => true; public static bool Weights => false; }
internal readonly struct WeightsOnly : INarrowMode { public static bool Input => false; public static bool Weights => true; }

// The weight gradient of a one-channel 3×3 convolution (a grayscale network's first layer): nine taps per channel of A,
// too few for either general engine to amortize its tiles' set-up and lane sums. Here each 16 positions of a row load
// their nine shifted inputs once and two channels of A at a time multiply-add them into 18 accumulators held over the
// whole batch, summed across lanes once at the end.
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using NetGen.Model;

namespace NetGen.Kernels;

internal static unsafe class WeightGradientNineTaps
{
    /// <summary>Vector512, one channel of B, a 3×3 kernel at stride 1, rows of A at least a vector wide.</summary>
    public static bool Applies(VectorPath path, int bC, int k, int s, int aW) =>
        path == VectorPath.Vector512 && bC == 1 && k == 3 && s == 1 && aW >= 16;

    /// <summary>dw[a, ky·3 + kx] += Σ_{n, r, c} A[n, a, r, c]·B[n, 0, r − p + ky, c − p + kx] (zero padding).
    /// Each task owns two channels of A and sums all their positions in one order: the same bits on any thread count.</summary>
    public static void Accumulate(float* a, int aC, int aH, int aW, float* b, int bH, int bW, int p, float* dw, int batch,
        int threads, Workspace ws)
    {
        int rows = aH + 2, cols = aW + 2;
        long samplePlane = (long)rows * cols;
        // Each thread pads B for itself before its first task (B is one channel: a copy costs less than sharing one).
        long perWorker = batch * samplePlane + 16;
        int* packedBy = ws.Get<int>(ScratchSlot.Taps, threads);
        for (int i = 0; i < threads; i++) packedBy[i] = 0;
        var job = new NineTapsJob
        {
            A = a, AC = aC, AH = aH, AW = aW, B = b, BH = bH, BW = bW, Pad = p, Batch = batch, Dw = dw,
            PerWorker = perWorker, SamplePlane = samplePlane, Cols = cols, Rows = rows, Packed = packedBy,
        };
        WorkerPool.Run(ref job, (aC + 1) / 2, threads);
    }

    /// <summary>Whether <see cref="AccumulatePooled"/> runs: a one-channel 3×3 layer with one padding at stride 1, rows of whole
    /// vectors, and a 2×2, stride-2 pool after it covering its whole output.</summary>
    public static bool AppliesPooled(VectorPath path, in ConvGeometry g, in PoolGeometry pool) =>
        path == VectorPath.Vector512 && g.InC == 1 && g.Kernel == 3 && g.Stride == 1 && g.Padding == 1 && g.OutW % 16 == 0
        && g.OutH == g.InH && g.OutW == g.InW && pool.Kernel == 2 && pool.Stride == 2 && pool.OutH * 2 == g.OutH && pool.OutW * 2 == g.OutW;

    /// <summary>dw[o, ky·3 + kx] += Σ dy[n, o, r, c]·x[n, 0, r − 1 + ky, c − 1 + kx] and db[o] += Σ dy (each skipped if null), dy the
    /// 2×2 pool's backward of pooledDy (zero where gate, the pooled values, is not positive), read from the pooled values and
    /// argmax as each row's vectors are: a window's value goes to the position its argmax names. False (nothing added) when an
    /// argmax lies outside its window: dy must then be made the general way.</summary>
    public static bool AccumulatePooled(float* pooledDy, float* gate, int* indices, in PoolGeometry pool, float* x, in ConvGeometry g,
        float* dw, float* db, int batch)
    {
        int threads = KernelOptions.Threads, aC = g.OutC, tasks = (aC + 1) / 2;
        var ws = Workspace.Current;
        int rows = g.OutH + 2, cols = g.OutW + 2;
        long samplePlane = (long)rows * cols;
        int* packedBy = ws.Get<int>(ScratchSlot.Taps, threads);
        for (int i = 0; i < threads; i++) packedBy[i] = 0;
        // Each task's sums: 2 × 9 weight sums, 2 bias sums, and its argmax hits.
        float* partials = ws.Get<float>(ScratchSlot.Partials, (long)tasks * PooledStride);
        var job = new NineTapsJob
        {
            AC = aC, AH = g.OutH, AW = g.OutW, B = x, BH = g.InH, BW = g.InW, Pad = 1, Batch = batch,
            PerWorker = batch * samplePlane + 16, SamplePlane = samplePlane, Cols = cols, Rows = rows, Packed = packedBy,
            PooledDy = pooledDy, Gate = gate, Indices = indices, PooledPlane = pool.OutPlane, PooledW = pool.OutW, Partials = partials,
        };
        WorkerPool.Run(ref job, tasks, threads);
        for (int t = 0; t < tasks; t++)
        {
            int channels = Math.Min(2, aC - 2 * t);
            if (BitConverter.SingleToInt32Bits(partials[(long)t * PooledStride + 20]) != channels * batch * pool.OutPlane) return false;
        }
        for (int t = 0; t < tasks; t++)
        for (int j = 0; j < Math.Min(2, aC - 2 * t); j++)
        {
            float* sums = partials + (long)t * PooledStride + 9 * j;
            if (dw != null)
                for (int tap = 0; tap < 9; tap++) dw[(2 * t + j) * 9 + tap] += sums[tap];
            if (db != null) db[2 * t + j] += partials[(long)t * PooledStride + 18 + j];
        }
        PooledRuns++;
        return true;
    }

    private const int PooledStride = 32;

    /// <summary>How many AccumulatePooled calls on this thread read dy from the pooled values to the end (tests).</summary>
    [ThreadStatic] internal static int PooledRuns;

    private struct NineTapsJob : IParallelJob
    {
        public float* A, B, Dw;
        public int AC, AH, AW, BH, BW, Pad, Batch, Cols, Rows;
        public long PerWorker, SamplePlane;
        public int* Packed;
        // Set (PooledDy non-null) by AccumulatePooled: A is the pool's backward of PooledDy, and each task's sums go to Partials.
        public float* PooledDy, Gate, Partials;
        public int* Indices;
        public long PooledPlane;
        public int PooledW;

        public void Execute(int task, int worker)
        {
            float* padded = Workspace.Current.Get<float>(ScratchSlot.ThreadInput, PerWorker);
            if (Packed[worker] == 0)
            {
                for (int n = 0; n < Batch; n++)
                    Packing.PhaseSplit(B + (long)n * BH * BW, BH, BW, 1, Pad, Pad, Rows, Cols, padded + n * SamplePlane, 0, VectorPath.Vector512);
                Packing.Clear(padded + Batch * SamplePlane, 16);
                Packed[worker] = 1;
            }

            if (PooledDy != null)
            {
                Pooled(task, padded);
                return;
            }
            // A lone last channel runs as its own pair; its twin's sums are dropped.
            int o0 = 2 * task, o1 = Math.Min(o0 + 1, AC - 1);
            long plane = (long)AH * AW;
            int cols = Cols, aW = AW;
            var zero = Vector512<float>.Zero;
            Vector512<float> a0 = zero, a1 = zero, a2 = zero, a3 = zero, a4 = zero, a5 = zero, a6 = zero, a7 = zero, a8 = zero;
            Vector512<float> b0 = zero, b1 = zero, b2 = zero, b3 = zero, b4 = zero, b5 = zero, b6 = zero, b7 = zero, b8 = zero;
            for (int n = 0; n < Batch; n++)
            {
                float* d0Row = A + ((long)n * AC + o0) * plane, d1Row = A + ((long)n * AC + o1) * plane;
                float* xRow = padded + n * SamplePlane;
                for (int r = 0; r < AH; r++, d0Row += aW, d1Row += aW, xRow += cols)
                for (int c = 0; c < aW; c += 16)
                {
                    // The row's last, partial vector reads its lanes past the row as zeros: no position counts twice.
                    var m = Vector512.LessThan(Vector512<int>.Indices, Vector512.Create(aW - c)).AsSingle();
                    float* x = xRow + c;
                    var d0 = Avx512F.MaskLoad(d0Row + c, m, zero);
                    var d1 = Avx512F.MaskLoad(d1Row + c, m, zero);
                    var x0 = Avx512F.MaskLoad(x, m, zero); a0 = Vector512.FusedMultiplyAdd(d0, x0, a0); b0 = Vector512.FusedMultiplyAdd(d1, x0, b0);
                    var x1 = Avx512F.MaskLoad(x + 1, m, zero); a1 = Vector512.FusedMultiplyAdd(d0, x1, a1); b1 = Vector512.FusedMultiplyAdd(d1, x1, b1);
                    var x2 = Avx512F.MaskLoad(x + 2, m, zero); a2 = Vector512.FusedMultiplyAdd(d0, x2, a2); b2 = Vector512.FusedMultiplyAdd(d1, x2, b2);
                    x += cols;
                    var x3 = Avx512F.MaskLoad(x, m, zero); a3 = Vector512.FusedMultiplyAdd(d0, x3, a3); b3 = Vector512.FusedMultiplyAdd(d1, x3, b3);
                    var x4 = Avx512F.MaskLoad(x + 1, m, zero); a4 = Vector512.FusedMultiplyAdd(d0, x4, a4); b4 = Vector512.FusedMultiplyAdd(d1, x4, b4);
                    var x5 = Avx512F.MaskLoad(x + 2, m, zero); a5 = Vector512.FusedMultiplyAdd(d0, x5, a5); b5 = Vector512.FusedMultiplyAdd(d1, x5, b5);
                    x += cols;
                    var x6 = Avx512F.MaskLoad(x, m, zero); a6 = Vector512.FusedMultiplyAdd(d0, x6, a6); b6 = Vector512.FusedMultiplyAdd(d1, x6, b6);
                    var x7 = Avx512F.MaskLoad(x + 1, m, zero); a7 = Vector512.FusedMultiplyAdd(d0, x7, a7); b7 = Vector512.FusedMultiplyAdd(d1, x7, b7);
                    var x8 = Avx512F.MaskLoad(x + 2, m, zero); a8 = Vector512.FusedMultiplyAdd(d0, x8, a8); b8 = Vector512.FusedMultiplyAdd(d1, x8, b8);
                }
            }
            float* w = Dw + (long)o0 * 9;
            w[0] += Vector512.Sum(a0); w[1] += Vector512.Sum(a1); w[2] += Vector512.Sum(a2);
            w[3] += Vector512.Sum(a3); w[4] += Vector512.Sum(a4); w[5] += Vector512.Sum(a5);
            w[6] += Vector512.Sum(a6); w[7] += Vector512.Sum(a7); w[8] += Vector512.Sum(a8);
            if (o1 == o0) return;
            w += 9;
            w[0] += Vector512.Sum(b0); w[1] += Vector512.Sum(b1); w[2] += Vector512.Sum(b2);
            w[3] += Vector512.Sum(b3); w[4] += Vector512.Sum(b4); w[5] += Vector512.Sum(b5);
            w[6] += Vector512.Sum(b6); w[7] += Vector512.Sum(b7); w[8] += Vector512.Sum(b8);
        }

        // Execute's sums with dy made from the pool's values: row r's 16 positions from c on are the 8 windows from c / 2 of
        // pooled row r / 2, each value duplicated into its window's two columns and kept where the argmax names the position
        // (rows of whole vectors: no masks). Hits count the kept positions: each argmax inside its window is kept exactly once.
        private readonly void Pooled(int task, float* padded)
        {
            int o0 = 2 * task, o1 = Math.Min(o0 + 1, AC - 1);
            int cols = Cols, aW = AW;
            var zero = Vector512<float>.Zero;
            var pairs = Vector512.Create(0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7);
            Vector512<float> a0 = zero, a1 = zero, a2 = zero, a3 = zero, a4 = zero, a5 = zero, a6 = zero, a7 = zero, a8 = zero;
            Vector512<float> b0 = zero, b1 = zero, b2 = zero, b3 = zero, b4 = zero, b5 = zero, b6 = zero, b7 = zero, b8 = zero;
            long hits = 0;
            for (int n = 0; n < Batch; n++)
            {
                long p0 = ((long)n * AC + o0) * PooledPlane, p1 = ((long)n * AC + o1) * PooledPlane;
                float* xRow = padded + n * SamplePlane;
                for (int r = 0; r < AH; r++, xRow += cols)
                {
                    long q = (long)(r / 2) * PooledW;
                    for (int c = 0; c < aW; c += 16)
                    {
                        var at = Vector512.Create(r * aW + c) + Vector512<int>.Indices;
                        var d0 = Window(p0 + q + c / 2, pairs, at, ref hits);
                        var d1 = Window(p1 + q + c / 2, pairs, at, ref hits);
                        float* x = xRow + c;
                        var x0 = Vector512.Load(x); a0 = Vector512.FusedMultiplyAdd(d0, x0, a0); b0 = Vector512.FusedMultiplyAdd(d1, x0, b0);
                        var x1 = Vector512.Load(x + 1); a1 = Vector512.FusedMultiplyAdd(d0, x1, a1); b1 = Vector512.FusedMultiplyAdd(d1, x1, b1);
                        var x2 = Vector512.Load(x + 2); a2 = Vector512.FusedMultiplyAdd(d0, x2, a2); b2 = Vector512.FusedMultiplyAdd(d1, x2, b2);
                        x += cols;
                        var x3 = Vector512.Load(x); a3 = Vector512.FusedMultiplyAdd(d0, x3, a3); b3 = Vector512.FusedMultiplyAdd(d1, x3, b3);
                        var x4 = Vector512.Load(x + 1); a4 = Vector512.FusedMultiplyAdd(d0, x4, a4); b4 = Vector512.FusedMultiplyAdd(d1, x4, b4);
                        var x5 = Vector512.Load(x + 2); a5 = Vector512.FusedMultiplyAdd(d0, x5, a5); b5 = Vector512.FusedMultiplyAdd(d1, x5, b5);
                        x += cols;
                        var x6 = Vector512.Load(x); a6 = Vector512.FusedMultiplyAdd(d0, x6, a6); b6 = Vector512.FusedMultiplyAdd(d1, x6, b6);
                        var x7 = Vector512.Load(x + 1); a7 = Vector512.FusedMultiplyAdd(d0, x7, a7); b7 = Vector512.FusedMultiplyAdd(d1, x7, b7);
                        var x8 = Vector512.Load(x + 2); a8 = Vector512.FusedMultiplyAdd(d0, x8, a8); b8 = Vector512.FusedMultiplyAdd(d1, x8, b8);
                    }
                }
            }
            // A lone last channel ran as its own pair: its twin counted its hits twice.
            if (o1 == o0) hits /= 2;
            float* w = Partials + (long)task * PooledStride;
            w[0] = Vector512.Sum(a0); w[1] = Vector512.Sum(a1); w[2] = Vector512.Sum(a2);
            w[3] = Vector512.Sum(a3); w[4] = Vector512.Sum(a4); w[5] = Vector512.Sum(a5);
            w[6] = Vector512.Sum(a6); w[7] = Vector512.Sum(a7); w[8] = Vector512.Sum(a8);
            w[9] = Vector512.Sum(b0); w[10] = Vector512.Sum(b1); w[11] = Vector512.Sum(b2);
            w[12] = Vector512.Sum(b3); w[13] = Vector512.Sum(b4); w[14] = Vector512.Sum(b5);
            w[15] = Vector512.Sum(b6); w[16] = Vector512.Sum(b7); w[17] = Vector512.Sum(b8);
            // The bias sums from the pooled values (each kept once where every argmax is in its window; else unused): two
            // more accumulators in the loop above made the JIT spill two of the taps'.
            w[18] = GatedSum(o0);
            w[19] = GatedSum(o1);
            w[20] = BitConverter.Int32BitsToSingle((int)hits);
        }

        // Σ over the batch of channel o's pooled values, gated.
        private readonly float GatedSum(int o)
        {
            var sum = Vector512<float>.Zero;
            float tail = 0;
            for (int n = 0; n < Batch; n++)
            {
                long p = ((long)n * AC + o) * PooledPlane, end = p + PooledPlane;
                for (; p <= end - 16; p += 16)
                {
                    var g = Vector512.Load(PooledDy + p);
                    if (Gate != null) g = Vector512.ConditionalSelect(Vector512.GreaterThan(Vector512.Load(Gate + p), Vector512<float>.Zero), g, Vector512<float>.Zero);
                    sum += g;
                }
                // A plane of 8 windows a row may end half a vector in.
                for (; p < end; p++) tail += Gate == null || Gate[p] > 0f ? PooledDy[p] : 0f;
            }
            return Vector512.Sum(sum) + tail;
        }

        // The 16 positions `at` of a row from the 8 windows at pooled offset p: each window's value (gated) in both its columns,
        // kept where its argmax names the position.
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private readonly Vector512<float> Window(long p, Vector512<int> pairs, Vector512<int> at, ref long hits)
        {
            var g = Vector256.Load(PooledDy + p);
            if (Gate != null) g = Vector256.ConditionalSelect(Vector256.GreaterThan(Vector256.Load(Gate + p), Vector256<float>.Zero), g, Vector256<float>.Zero);
            var value = Avx512F.PermuteVar16x32(Vector512.Create(g, g), pairs);
            var index = Avx512F.PermuteVar16x32(Vector512.Create(Vector256.Load(Indices + p), Vector256.Load(Indices + p)), pairs);
            var keep = Vector512.Equals(index, at);
            hits += BitOperations.PopCount(keep.ExtractMostSignificantBits());
            return Vector512.ConditionalSelect(keep.AsSingle(), value, Vector512<float>.Zero);
        }
    }
}

// The weight gradient of a one-channel 3×3 convolution (a grayscale network's first layer): nine taps per channel of A,
// too few for either general engine to amortize its tiles' set-up and lane sums. Here each 16 positions of a row load
// their nine shifted inputs once and two channels of A at a time multiply-add them into 18 accumulators held over the
// whole batch, summed across lanes once at the end.
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

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

    private struct NineTapsJob : IParallelJob
    {
        public float* A, B, Dw;
        public int AC, AH, AW, BH, BW, Pad, Batch, Cols, Rows;
        public long PerWorker, SamplePlane;
        public int* Packed;

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
    }
}

// UnpooledForward for 3×3 deconvolutions to 16 output channels (one vector block, as in the tiny hourglass's decoder),
// where a run of a position's channels is too short to pay for the sort: each channel's nonzero inputs of a strip are
// listed (vcompressps), its 9 weight vectors held in registers, and every nonzero adds value·w[tap] to the 9 vectors of
// its window in y (padded, [rows, columns, 16]), which stays in L1 over the strip. Same bands, parities and output pass
// as the general kernel; every sum runs in one order (bands, strips, channels, positions) on any thread count. It runs
// only where those engines cannot take Winograd's 4×4 tiles (see UnpooledForward.NarrowApplies): alone on 2 threads,
// 16→16 at 180×240, 0.52–0.53 against their 0.87–0.88 ms; by perf about a third of its time is the adds into y, most of
// the rest the passes over y (clearing, transposing) and the lists.
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace NetGen.Kernels;

internal static unsafe partial class UnpooledForward
{
    // Pooled columns per strip: its window of y (2·2 + 2 rows × 16·2 + 2 columns × 64 bytes: 13 KB) stays in L1 while
    // every channel's nonzeros are added in.
    private const int NarrowStripCols = 16;

    private struct NarrowScatterJob : IParallelJob
    {
        public ScatterJob Common;

        public void Execute(int task, int worker)
        {
            ref ScatterJob c = ref Common;
            int perSample = c.Parity == 0 ? (c.Bands + 1) / 2 : c.Bands / 2;
            int n = task / perSample, band = task % perSample * 2 + c.Parity;
            int r0 = band * c.BandRows, r1 = Math.Min(c.PH, r0 + c.BandRows);
            long pooledPlane = (long)c.PH * c.PW;
            int room = c.BandRows * NarrowStripCols + 16;
            var ws = Workspace.Current;
            int* windows = ws.Get<int>(ScratchSlot.ThreadInput, room);
            float* values = ws.Get<float>(ScratchSlot.ThreadTile, room);
            float* y = c.Padded + (long)n * c.PlaneStride;
            for (int c0 = 0; c0 < c.PW; c0 += NarrowStripCols)
            {
                int cols = Math.Min(NarrowStripCols, c.PW - c0);
                for (int ci = 0; ci < c.C; ci++)
                {
                    long planeBase = ((long)n * c.C + ci) * pooledPlane;
                    int count = UnpooledBackward.List(c.Pooled + planeBase, c.Offsets + planeBase, null, c.PW, r0, r1, c0, cols,
                        all: false, values, windows, positions: null);
                    // Weights as [ky, InC, kx, 16] (block 0 of SliceJob's layout).
                    if (count != 0) Add(c.Weights + ci * 48, (long)c.C * 48, y, c.RowStride, windows, values, count);
                }
            }
        }
    }

    /// <summary>y[windows[i] + ky·rowStride + 16·kx] += values[i]·w[ky·rowWeights + 16·kx] (16 lanes) for every listed i,
    /// the even i first.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Add(float* w, long rowWeights, float* y, int rowStride, int* windows, float* values, int count)
    {
        float* w1 = w + rowWeights, w2 = w1 + rowWeights;
        var w0 = Vector512.Load(w); var w01 = Vector512.Load(w + 16); var w02 = Vector512.Load(w + 32);
        var w10 = Vector512.Load(w1); var w11 = Vector512.Load(w1 + 16); var w12 = Vector512.Load(w1 + 32);
        var w20 = Vector512.Load(w2); var w21 = Vector512.Load(w2 + 16); var w22 = Vector512.Load(w2 + 32);
        nint rs = rowStride;
        // Even entries, then odd ones: neighbours in a row (often overlapping windows) are not added one right after the
        // other, so a store is rarely waited for by the next entry's load.
        for (int i = 0, pass = 0; pass < 2; i = ++pass)
        for (; i < count; i += 2)
        {
            float* p0 = y + windows[i], p1 = p0 + rs, p2 = p1 + rs;
            var x = Vector512.Create(values[i]);
            Avx512F.FusedMultiplyAdd(x, w0, Vector512.Load(p0)).Store(p0);
            Avx512F.FusedMultiplyAdd(x, w01, Vector512.Load(p0 + 16)).Store(p0 + 16);
            Avx512F.FusedMultiplyAdd(x, w02, Vector512.Load(p0 + 32)).Store(p0 + 32);
            Avx512F.FusedMultiplyAdd(x, w10, Vector512.Load(p1)).Store(p1);
            Avx512F.FusedMultiplyAdd(x, w11, Vector512.Load(p1 + 16)).Store(p1 + 16);
            Avx512F.FusedMultiplyAdd(x, w12, Vector512.Load(p1 + 32)).Store(p1 + 32);
            Avx512F.FusedMultiplyAdd(x, w20, Vector512.Load(p2)).Store(p2);
            Avx512F.FusedMultiplyAdd(x, w21, Vector512.Load(p2 + 16)).Store(p2 + 16);
            Avx512F.FusedMultiplyAdd(x, w22, Vector512.Load(p2 + 32)).Store(p2 + 32);
        }
    }
}

// Picks each kernel call's instruction-set path and thread count. Tests override both per calling thread, so one run can
// force every path (Vector512, Vector256, scalar) and thread count while other tests run in parallel undisturbed.
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace NetGen.Kernels;

internal enum VectorPath { Scalar, Vector256, Vector512 }

internal static class KernelOptions
{
    [ThreadStatic] private static int maxVectorWidth;
    [ThreadStatic] private static int maxThreads;
    [ThreadStatic] private static bool directOnly;
    [ThreadStatic] private static bool denseUnpooled;
    [ThreadStatic] private static int rowTiles;
    [ThreadStatic] private static bool batchStatisticsForward;
    [ThreadStatic] private static bool trainingForward;

    /// <summary>Widest vector, in bits, that kernels called from this thread may use; 0 means no cap.
    /// 256 forces the Vector256 path, anything below 256 the scalar one.</summary>
    public static int MaxVectorWidth { get => maxVectorWidth; set => maxVectorWidth = value; }

    /// <summary>Most threads (the caller included) a kernel called from this thread may use; 0 means the pool's size.</summary>
    public static int MaxThreads { get => maxThreads; set => maxThreads = value; }

    /// <summary>The path a kernel called now from this thread takes: the widest one the hardware accelerates, within the cap.
    /// Vector256 also needs FMA, since a software-emulated fused multiply-add would be far slower than the scalar path.</summary>
    public static VectorPath Path
    {
        get
        {
            int cap = maxVectorWidth == 0 ? int.MaxValue : maxVectorWidth;
            if (cap >= 512 && Vector512.IsHardwareAccelerated) return VectorPath.Vector512;
            if (cap >= 256 && Vector256.IsHardwareAccelerated && Fma.IsSupported) return VectorPath.Vector256;
            return VectorPath.Scalar;
        }
    }

    /// <summary>Threads a kernel called now from this thread may use.</summary>
    public static int Threads => maxThreads <= 0 ? WorkerPool.Size : Math.Min(maxThreads, WorkerPool.Size);

    /// <summary>Whether kernels called now from this thread may run 3×3 layers by Winograd's algorithms: F(2×2, 3×3) for the
    /// correlations (Winograd), F(3×3, 2×2) for the weight gradient (WinogradWeightGradient).</summary>
    public static bool WinogradAllowed => !directOnly;

    /// <summary>Whether 5×5 and 7×7 correlations called now from this thread may run Winograd along rows (WinogradRows): not
    /// under DirectOnly.</summary>
    public static bool WinogradRowsAllowed => !directOnly;

    /// <summary>Whether a stride-1 deconvolution after an unpool may run on the unpooled input's nonzeros only, forward and
    /// backward (UnpooledForward, UnpooledBackward): not under DenseUnpooled.</summary>
    public static bool SparseUnpooledAllowed => !denseUnpooled;

    /// <summary>Runs deconvolutions after an unpool on the dense engines on this thread until the returned scope is disposed:
    /// tests compare the two on the same shapes.</summary>
    public static DenseUnpooledScope DenseUnpooled()
    {
        var scope = new DenseUnpooledScope(denseUnpooled);
        denseUnpooled = true;
        return scope;
    }

    public readonly struct DenseUnpooledScope(bool previous) : IDisposable
    {
        public void Dispose() => denseUnpooled = previous;
    }

    /// <summary>Outputs per tile of Winograd along rows for kernels called from this thread: 0 lets WinogradRows.ForRows
    /// choose (4 on rows of a multiple of 4), 2 keeps pairs (tests run both on the same shapes).</summary>
    public static int RowTiles { get => rowTiles; set => rowTiles = value; }

    /// <summary>Whether this thread runs a training forward whose batch norms normalize with the batch's own statistics
    /// (KernelModes.BatchStatisticsForward): Winograd's rows keep their tiles of 2 there.</summary>
    public static bool BatchStatisticsForward => batchStatisticsForward;

    /// <summary>Whether this thread runs a training forward (KernelModes.TrainingForward): Winograd's 3×3 layers keep their
    /// tiles of 2×2 there but where a fused ReLU is checked (Winograd4.Applies, ReLUCheck).</summary>
    public static bool TrainingForward => trainingForward;

    /// <summary>Sets TrainingForward on this thread; returns the previous setting for a scope to restore.</summary>
    internal static bool SetTrainingForward(bool on)
    {
        bool previous = trainingForward;
        trainingForward = on;
        return previous;
    }

    /// <summary>Sets BatchStatisticsForward on this thread; returns the previous setting for a scope to restore.</summary>
    internal static bool SetBatchStatisticsForward(bool on)
    {
        bool previous = batchStatisticsForward;
        batchStatisticsForward = on;
        return previous;
    }

    /// <summary>Keeps Winograd's rows in tiles of 2 (RowTiles = 2) on this thread until the returned scope is disposed.</summary>
    public static RowTilesScope PairsOnly()
    {
        var scope = new RowTilesScope(rowTiles);
        rowTiles = 2;
        return scope;
    }

    public readonly struct RowTilesScope(int previous) : IDisposable
    {
        public void Dispose() => rowTiles = previous;
    }

    /// <summary>Runs every correlation on the direct tiles on this thread until the returned scope is disposed: tests compare
    /// the two engines on the same shapes.</summary>
    public static DirectScope DirectOnly()
    {
        var scope = new DirectScope(directOnly);
        directOnly = true;
        return scope;
    }

    public readonly struct DirectScope(bool previous) : IDisposable
    {
        public void Dispose() => directOnly = previous;
    }

    /// <summary>Sets both caps for this thread until the returned scope is disposed.</summary>
    public static Scope Override(int vectorWidth, int threads)
    {
        var scope = new Scope(maxVectorWidth, maxThreads);
        maxVectorWidth = vectorWidth;
        maxThreads = threads;
        return scope;
    }

    public readonly struct Scope(int previousWidth, int previousThreads) : IDisposable
    {
        public void Dispose()
        {
            maxVectorWidth = previousWidth;
            maxThreads = previousThreads;
        }
    }
}

/// <summary>Modes a generated network sets around a pass.</summary>
public static class KernelModes
{
    /// <summary>A training-mode forward (every network's): until the scope is disposed, 3×3 layers called from this thread run
    /// Winograd in tiles of 2×2 outputs, not 4×4 (Winograd4), as the backward and inference may, unless the call's ReLU is
    /// fused and checked (ReLUCheck: every output within the tiles' rounding bound of zero, and every fused 2×2 pool window
    /// whose two largest values are that close, summed again in float64). The tiles of 4×4 round 5–8× more than the 2×2 ones (2.6–3.4× the direct sums' max error); unchecked in a
    /// training forward they flip ReLU and pool decisions near zero, which the backward then routes: measured on the tiny
    /// hourglass at 256×256 (session 13), every gradient 2e-5–1.2e-4 from float64 (relative to each tensor's largest entry;
    /// libtorch float32 0.7–2.3e-6), against 1–3e-7 with 2×2 in the training forward; with the check (session 15, 8 seeds)
    /// 2.4–5.4e-7 as with 2×2 (2.6–6.0e-7), where unchecked one seed in 8 had put a gradient 2.5e-3 away.</summary>
    public static ForwardScope TrainingForward() => new(training: true, KernelOptions.SetTrainingForward(true));

    /// <summary>A training-mode forward whose batch norms normalize with the batch's own statistics: until the scope is
    /// disposed, Winograd's rows (5×5 and 7×7 layers) called from this thread keep their tiles of 2 outputs instead of 4.
    /// Measured on SegNet-Basic 360×480 (session 12): with the tiles of 4 in its training forward every gradient landed
    /// 3–4× further from float64 than libtorch float32's on the same pool routing (whole-tensor L2 2.8–4.7e-3 against
    /// 0.9–1.2e-3; deconv3.weight's worst entry 3.9e-2 against 1.5e-3), its batch-statistics backward at initialisation
    /// amplifying the forward's rounding (the tiles of 4 round about 2× more than pairs); with pairs there, and the tiles of 4
    /// in the backward and in inference, 1.2–1.7e-3 (worst entry 5.5e-3), as with pairs everywhere.</summary>
    public static ForwardScope BatchStatisticsForward() => new(training: false, KernelOptions.SetBatchStatisticsForward(true));

    /// <summary>Within BatchStatisticsForward, the layer feeding the network's last batch norm: its rounding reaches that batch
    /// norm alone, not a cascade of them, and it keeps the tiles of 4. Measured on SegNet-Basic 360×480 (deconv1, 56 % of its
    /// forward): its gradients on matched routing 0.8–1.1e-3 from float64 (whole-tensor L2; libtorch float32 0.9–1.2e-3,
    /// worst entry 1.9e-3), where the tiles of 4 in every decoder layer's training forward had put deconv3.weight's worst
    /// entry at 9.0e-3.</summary>
    public static ForwardScope LastBatchNormInput() => new(training: false, KernelOptions.SetBatchStatisticsForward(false));

    /// <summary>Restores the setting it found, TrainingForward's or BatchStatisticsForward's (a default scope does nothing).</summary>
    public readonly struct ForwardScope : IDisposable
    {
        private readonly bool _training, _previous, _active;

        internal ForwardScope(bool training, bool previous) => (_training, _previous, _active) = (training, previous, true);

        public void Dispose()
        {
            if (!_active) return;
            if (_training) KernelOptions.SetTrainingForward(_previous);
            else KernelOptions.SetBatchStatisticsForward(_previous);
        }
    }
}

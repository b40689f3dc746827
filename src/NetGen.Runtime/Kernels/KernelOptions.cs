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
    [ThreadStatic] private static bool rowsOff, batchStatisticsForward;

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

    /// <summary>Whether 5×5 and 7×7 correlations called now from this thread may run Winograd along rows (WinogradRows):
    /// not under DirectOnly, nor in a Conv2d forward of a batch-statistics training forward (RowsOffInBatchStatistics).</summary>
    public static bool WinogradRowsAllowed => !directOnly && !rowsOff;

    /// <summary>Marks this thread's calls as a batch-statistics training forward (KernelModes.BatchStatisticsForward);
    /// returns the previous setting for the scope to restore. NETGEN_ROWS_IN_BATCH_STATISTICS=1, read at each such forward,
    /// leaves the rows on there (the benchmarks' --argmax-diff compares the two).</summary>
    internal static bool EnterBatchStatisticsForward()
    {
        bool previous = batchStatisticsForward;
        batchStatisticsForward = Environment.GetEnvironmentVariable("NETGEN_ROWS_IN_BATCH_STATISTICS") != "1";
        return previous;
    }

    internal static void RestoreBatchStatisticsForward(bool previous) => batchStatisticsForward = previous;

    /// <summary>For a Conv2d forward: in a batch-statistics training forward, Winograd along rows off until disposed.</summary>
    internal static RowsScope RowsOffInBatchStatistics()
    {
        if (!batchStatisticsForward) return default;
        var scope = new RowsScope(rowsOff, active: true);
        rowsOff = true;
        return scope;
    }

    internal readonly struct RowsScope(bool previous, bool active) : IDisposable
    {
        public void Dispose()
        {
            if (active) rowsOff = previous;
        }
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
    /// <summary>A training-mode forward whose batch norms normalize with the batch's own statistics: until the scope is
    /// disposed, 5×5 and 7×7 Conv2d forwards called from this thread run their direct sums instead of Winograd along rows.
    /// Measured on SegNet-Basic 180×240 at batch 8: its training amplifies the forward's rounding about 10⁴-fold, and with
    /// the rows in its encoder's 7×7 forwards (conv → batch norm → ReLU → 2×2 pool; every variant tried, four, some more
    /// accurate than the direct sums on random data) the weight gradients landed 2.5–6.4e-2 from float64, where the direct
    /// sums put them 1.2e-2 and libtorch float32 1.5e-2. With the rows in its decoder's forwards (transposed convolutions
    /// after unpools) they stayed at 1.1e-2, as with them in the backward and in inference, which keep them. The 3×3 layers
    /// keep theirs (F(2×2, 3×3), no such effect seen). What moves them is not the rows' rounding (smaller than the direct
    /// sums' on such layers) but 6 of 7.3 million pool argmax near-ties broken the other way, each moving whole gradients by
    /// about 1 % (the benchmarks' --argmax-diff; docs/benchmarks.md).</summary>
    public static ForwardScope BatchStatisticsForward() => new(KernelOptions.EnterBatchStatisticsForward(), active: true);

    /// <summary>Restores the setting it found (a default scope does nothing).</summary>
    public readonly struct ForwardScope : IDisposable
    {
        private readonly bool _previous, _active;

        internal ForwardScope(bool previous, bool active) => (_previous, _active) = (previous, active);

        public void Dispose()
        {
            if (_active) KernelOptions.RestoreBatchStatisticsForward(_previous);
        }
    }
}

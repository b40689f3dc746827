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
    [ThreadStatic] private static int rowTiles;

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

    /// <summary>Outputs per tile of Winograd along rows for kernels called from this thread: 0 lets WinogradRows.ForRows
    /// choose (4 on rows of a multiple of 4), 2 keeps pairs (tests run both on the same shapes).</summary>
    public static int RowTiles { get => rowTiles; set => rowTiles = value; }

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

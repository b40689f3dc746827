// Scalar reference channel concatenation (the U-Net skip join), forward and backward.
using System.Numerics;

namespace NetGen.Reference;

/// <summary>Channel concatenation per sample: a [N, aC, plane] and b [N, bC, plane] → y [N, aC + bC, plane].
/// Backward splits dy into da and db (both overwritten; an empty one is skipped).</summary>
public static class ConcatRef
{
    // a: [N, aC, plane], b: [N, bC, plane] -> y: [N, aC + bC, plane]
    public static void Forward<T>(ReadOnlySpan<T> a, ReadOnlySpan<T> b, Span<T> y, int batch, int aChannels, int bChannels, int plane)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int aSize = aChannels * plane, bSize = bChannels * plane, ySize = aSize + bSize;
        for (int n = 0; n < batch; n++)
        {
            a.Slice(n * aSize, aSize).CopyTo(y.Slice(n * ySize, aSize));
            b.Slice(n * bSize, bSize).CopyTo(y.Slice(n * ySize + aSize, bSize));
        }
    }

    // dy: [N, aC + bC, plane] -> da: [N, aC, plane], db: [N, bC, plane]
    public static void Backward<T>(ReadOnlySpan<T> dy, Span<T> da, Span<T> db, int batch, int aChannels, int bChannels, int plane)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int aSize = aChannels * plane, bSize = bChannels * plane, ySize = aSize + bSize;
        for (int n = 0; n < batch; n++)
        {
            if (da.Length > 0) dy.Slice(n * ySize, aSize).CopyTo(da.Slice(n * aSize, aSize));
            if (db.Length > 0) dy.Slice(n * ySize + aSize, bSize).CopyTo(db.Slice(n * bSize, bSize));
        }
    }
}

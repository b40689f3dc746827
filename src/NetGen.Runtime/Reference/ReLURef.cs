// Scalar reference ReLU, forward and backward.
using System.Numerics;

namespace NetGen.Reference;

/// <summary>ReLU, elementwise over the whole span. Backward uses the output: dx = dy where y &gt; 0, else 0.</summary>
public static class ReLURef
{
    // x: [any] -> y: [same]
    public static void Forward<T>(ReadOnlySpan<T> x, Span<T> y)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int i = 0; i < x.Length; i++) y[i] = x[i] > T.Zero ? x[i] : T.Zero;
    }

    // Reading y instead of x lets the layer run in place: y > 0 exactly where x > 0.
    // y, dy: [any] -> dx: [same]
    public static void Backward<T>(ReadOnlySpan<T> y, ReadOnlySpan<T> dy, Span<T> dx)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (dx.Length == 0) return;
        for (int i = 0; i < y.Length; i++) dx[i] = y[i] > T.Zero ? dy[i] : T.Zero;
    }
}

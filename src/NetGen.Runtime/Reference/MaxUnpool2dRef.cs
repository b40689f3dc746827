// Scalar reference MaxUnpool2d, forward and backward: puts each value back where its partner pool found the maximum.
using System.Numerics;
using NetGen.Model;

namespace NetGen.Reference;

/// <summary>MaxUnpool2d with its partner pool's geometry: x [N, C, OutH, OutW] → y [N, C, InH, InW], zeros except at argmax.
/// The output has the pool's input size, so floor-mode pooling of an odd size round-trips (45 → 22 → 45).</summary>
public static class MaxUnpool2dRef
{
    // x, indices: [N, C, OutH, OutW] -> y: [N, C, InH, InW]
    public static void Forward<T>(ReadOnlySpan<T> x, ReadOnlySpan<int> indices, Span<T> y, int batch, in PoolGeometry g)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        y[..(batch * g.InSize)].Clear();
        for (int plane = 0; plane < batch * g.C; plane++)
        for (int o = 0; o < g.OutPlane; o++)
        {
            int at = plane * g.OutPlane + o;
            y[plane * g.InPlane + indices[at]] = x[at];
        }
    }

    // dy: [N, C, InH, InW] -> dx: [N, C, OutH, OutW]
    public static void Backward<T>(ReadOnlySpan<T> dy, ReadOnlySpan<int> indices, Span<T> dx, int batch, in PoolGeometry g)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (dx.Length == 0) return;
        for (int plane = 0; plane < batch * g.C; plane++)
        for (int o = 0; o < g.OutPlane; o++)
        {
            int at = plane * g.OutPlane + o;
            dx[at] = dy[plane * g.InPlane + indices[at]];
        }
    }
}

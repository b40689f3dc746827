// Scalar reference MaxPool2d, forward and backward. The argmax indices it records are what MaxUnpool2d needs later,
// so their format (flat offset within the input plane, first maximum wins) is part of the contract, as in torch and ONNX.
using System.Numerics;
using NetGen.Model;

namespace NetGen.Reference;

/// <summary>MaxPool2d (floor mode, no padding). indices [N, C, OutH, OutW] hold the argmax as a flat offset h·InW + w
/// within the input plane (first maximum wins on ties), as torch and ONNX do.</summary>
public static class MaxPool2dRef
{
    // x: [N, C, InH, InW] -> y, indices: [N, C, OutH, OutW]
    public static void Forward<T>(ReadOnlySpan<T> x, Span<T> y, Span<int> indices, int batch, in PoolGeometry g)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int plane = 0; plane < batch * g.C; plane++)
        {
            var xp = x.Slice(plane * g.InPlane, g.InPlane);
            for (int oy = 0; oy < g.OutH; oy++)
            for (int ox = 0; ox < g.OutW; ox++)
            {
                int best = oy * g.Stride * g.InW + ox * g.Stride;
                for (int ky = 0; ky < g.Kernel; ky++)
                for (int kx = 0; kx < g.Kernel; kx++)
                {
                    int at = (oy * g.Stride + ky) * g.InW + ox * g.Stride + kx;
                    // Strictly greater keeps the first maximum in row-major order on ties.
                    if (xp[at] > xp[best]) best = at;
                }
                int o = plane * g.OutPlane + oy * g.OutW + ox;
                y[o] = xp[best];
                indices[o] = best;
            }
        }
    }

    // dy, indices: [N, C, OutH, OutW] -> dx: [N, C, InH, InW]
    public static void Backward<T>(ReadOnlySpan<T> dy, ReadOnlySpan<int> indices, Span<T> dx, int batch, in PoolGeometry g)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (dx.Length == 0) return;
        dx[..(batch * g.InSize)].Clear();
        for (int plane = 0; plane < batch * g.C; plane++)
        for (int o = 0; o < g.OutPlane; o++)
        {
            // Overlapping windows (stride < kernel) can pick the same input twice; its gradient is the sum.
            int at = plane * g.OutPlane + o;
            dx[plane * g.InPlane + indices[at]] += dy[at];
        }
    }
}

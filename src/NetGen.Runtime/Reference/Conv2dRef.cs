// Scalar reference Conv2d, forward and backward: the ground truth the fast kernels and generated code are checked against.
// Conventions shared by every *Ref op: NCHW, `batch` is N, forward overwrites its output, backward overwrites dx
// (skipped when dx is empty) and ADDS into parameter gradients, so gradients accumulate across calls until zeroed.
using System.Numerics;
using NetGen.Model;

namespace NetGen.Reference;

/// <summary>Conv2d. x [N, InC, InH, InW], w [OutC, InC, K, K], b [OutC] → y [N, OutC, OutH, OutW],
/// y[co, oy, ox] = b[co] + Σ x[ci, oy·s − p + ky, ox·s − p + kx]·w[co, ci, ky, kx] (zero padding).</summary>
public static class Conv2dRef
{
    // x: [N, InC, InH, InW] -> y: [N, OutC, OutH, OutW]
    public static void Forward<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> w, ReadOnlySpan<T> b, Span<T> y, int batch, in ConvGeometry g)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int k = g.Kernel;
        for (int n = 0; n < batch; n++)
        for (int co = 0; co < g.OutC; co++)
        for (int oy = 0; oy < g.OutH; oy++)
        for (int ox = 0; ox < g.OutW; ox++)
        {
            T sum = b.Length > 0 ? b[co] : T.Zero;
            for (int ci = 0; ci < g.InC; ci++)
            for (int ky = 0; ky < k; ky++)
            {
                int iy = oy * g.Stride - g.Padding + ky;
                if ((uint)iy >= (uint)g.InH) continue;
                for (int kx = 0; kx < k; kx++)
                {
                    int ix = ox * g.Stride - g.Padding + kx;
                    if ((uint)ix >= (uint)g.InW) continue;
                    sum += x[((n * g.InC + ci) * g.InH + iy) * g.InW + ix] * w[((co * g.InC + ci) * k + ky) * k + kx];
                }
            }
            y[((n * g.OutC + co) * g.OutH + oy) * g.OutW + ox] = sum;
        }
    }

    // dy: [N, OutC, OutH, OutW] -> dx: [N, InC, InH, InW], dw += [OutC, InC, K, K], db += [OutC]
    public static void Backward<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> w, ReadOnlySpan<T> dy, Span<T> dx, Span<T> dw, Span<T> db, int batch, in ConvGeometry g)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int k = g.Kernel;
        bool wantDx = dx.Length > 0;
        if (wantDx) dx[..(batch * g.InSize)].Clear();
        for (int n = 0; n < batch; n++)
        for (int co = 0; co < g.OutC; co++)
        for (int oy = 0; oy < g.OutH; oy++)
        for (int ox = 0; ox < g.OutW; ox++)
        {
            T d = dy[((n * g.OutC + co) * g.OutH + oy) * g.OutW + ox];
            if (db.Length > 0) db[co] += d;
            for (int ci = 0; ci < g.InC; ci++)
            for (int ky = 0; ky < k; ky++)
            {
                int iy = oy * g.Stride - g.Padding + ky;
                if ((uint)iy >= (uint)g.InH) continue;
                for (int kx = 0; kx < k; kx++)
                {
                    int ix = ox * g.Stride - g.Padding + kx;
                    if ((uint)ix >= (uint)g.InW) continue;
                    int xi = ((n * g.InC + ci) * g.InH + iy) * g.InW + ix;
                    int wi = ((co * g.InC + ci) * k + ky) * k + kx;
                    dw[wi] += x[xi] * d;
                    if (wantDx) dx[xi] += w[wi] * d;
                }
            }
        }
    }
}

// Scalar reference ConvTranspose2d (deconvolution), forward and backward: the adjoint of Conv2d's input map plus a bias.
// Written as the scatter the lecture draws: every input pixel stamps the kernel, scaled by itself, onto the output.
using System.Numerics;
using NetGen.Model;

namespace NetGen.Reference;

/// <summary>ConvTranspose2d. x [N, InC, InH, InW], w [InC, OutC, K, K], b [OutC] → y [N, OutC, OutH, OutW] with
/// y[co, oy, ox] += x[ci, iy, ix]·w[ci, co, ky, kx] at oy = iy·s − p + ky, ox = ix·s − p + kx
/// (positions outside the output are dropped; OutH/OutW already include any output padding).</summary>
public static class ConvTranspose2dRef
{
    // x: [N, InC, InH, InW] -> y: [N, OutC, OutH, OutW]
    public static void Forward<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> w, ReadOnlySpan<T> b, Span<T> y, int batch, in ConvGeometry g)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int k = g.Kernel;
        for (int n = 0; n < batch; n++)
        for (int co = 0; co < g.OutC; co++)
            y.Slice((n * g.OutC + co) * g.OutPlane, g.OutPlane).Fill(b.Length > 0 ? b[co] : T.Zero);

        for (int n = 0; n < batch; n++)
        for (int ci = 0; ci < g.InC; ci++)
        for (int iy = 0; iy < g.InH; iy++)
        for (int ix = 0; ix < g.InW; ix++)
        {
            T v = x[((n * g.InC + ci) * g.InH + iy) * g.InW + ix];
            for (int co = 0; co < g.OutC; co++)
            for (int ky = 0; ky < k; ky++)
            {
                int oy = iy * g.Stride - g.Padding + ky;
                if ((uint)oy >= (uint)g.OutH) continue;
                for (int kx = 0; kx < k; kx++)
                {
                    int ox = ix * g.Stride - g.Padding + kx;
                    if ((uint)ox >= (uint)g.OutW) continue;
                    y[((n * g.OutC + co) * g.OutH + oy) * g.OutW + ox] += v * w[((ci * g.OutC + co) * k + ky) * k + kx];
                }
            }
        }
    }

    // dy: [N, OutC, OutH, OutW] -> dx: [N, InC, InH, InW], dw += [InC, OutC, K, K], db += [OutC]
    public static void Backward<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> w, ReadOnlySpan<T> dy, Span<T> dx, Span<T> dw, Span<T> db, int batch, in ConvGeometry g)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int k = g.Kernel;
        if (db.Length > 0)
        {
            for (int n = 0; n < batch; n++)
            for (int co = 0; co < g.OutC; co++)
                foreach (T d in dy.Slice((n * g.OutC + co) * g.OutPlane, g.OutPlane))
                    db[co] += d;
        }

        bool wantDx = dx.Length > 0;
        for (int n = 0; n < batch; n++)
        for (int ci = 0; ci < g.InC; ci++)
        for (int iy = 0; iy < g.InH; iy++)
        for (int ix = 0; ix < g.InW; ix++)
        {
            int xi = ((n * g.InC + ci) * g.InH + iy) * g.InW + ix;
            T v = x[xi];
            T sum = T.Zero;
            for (int co = 0; co < g.OutC; co++)
            for (int ky = 0; ky < k; ky++)
            {
                int oy = iy * g.Stride - g.Padding + ky;
                if ((uint)oy >= (uint)g.OutH) continue;
                for (int kx = 0; kx < k; kx++)
                {
                    int ox = ix * g.Stride - g.Padding + kx;
                    if ((uint)ox >= (uint)g.OutW) continue;
                    T d = dy[((n * g.OutC + co) * g.OutH + oy) * g.OutW + ox];
                    int wi = ((ci * g.OutC + co) * k + ky) * k + kx;
                    dw[wi] += v * d;
                    sum += w[wi] * d;
                }
            }
            if (wantDx) dx[xi] = sum;
        }
    }
}

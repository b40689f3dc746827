// Argument checks shared by Conv2dKernel and ConvTranspose2dKernel: both take the same tensors, sized by one ConvGeometry
// (only the weight layout differs, and WeightSize is the same for both).
using NetGen.Model;

namespace NetGen.Kernels;

internal static class ConvArguments
{
    // x: [N, InC, InH, InW], w: WeightSize values, b: [OutC] or empty -> y: [N, OutC, OutH, OutW]
    public static void RequireForward(ReadOnlySpan<float> x, ReadOnlySpan<float> w, ReadOnlySpan<float> b, ReadOnlySpan<float> y,
        int batch, in ConvGeometry g)
    {
        Spans.Require(x, (long)batch * g.InSize, nameof(x));
        Spans.Require(w, g.WeightSize, nameof(w));
        Spans.RequireOptional(b, g.OutC, nameof(b));
        Spans.Require(y, (long)batch * g.OutSize, nameof(y));
    }

    // An input given as a MaxUnpool2d's: pooled, indices: [N, InC, pool.OutH, pool.OutW], pool unpooling to [InC, InH, InW]
    public static void RequireUnpooled(ReadOnlySpan<float> pooled, ReadOnlySpan<int> indices, in PoolGeometry pool, int batch, in ConvGeometry g)
    {
        if (pool.C != g.InC || pool.InH != g.InH || pool.InW != g.InW)
            throw new ArgumentException($"pool unpools to {pool.C}×{pool.InH}×{pool.InW} but the layer's input is {g.InC}×{g.InH}×{g.InW}.", nameof(pool));
        long planes = (long)batch * pool.C;
        Spans.Require(pooled, planes * pool.OutPlane, nameof(pooled));
        Spans.Require(indices, planes * pool.OutPlane, nameof(indices));
    }

    // dy: [N, OutC, OutH, OutW] -> dx: [N, InC, InH, InW], dw: WeightSize values, db: [OutC]; each gradient may be empty
    public static void RequireBackward(ReadOnlySpan<float> x, ReadOnlySpan<float> w, ReadOnlySpan<float> dy, ReadOnlySpan<float> dx,
        ReadOnlySpan<float> dw, ReadOnlySpan<float> db, int batch, in ConvGeometry g)
    {
        Spans.Require(x, (long)batch * g.InSize, nameof(x));
        Spans.Require(w, g.WeightSize, nameof(w));
        Spans.Require(dy, (long)batch * g.OutSize, nameof(dy));
        Spans.RequireOptional(dx, (long)batch * g.InSize, nameof(dx));
        Spans.RequireOptional(dw, g.WeightSize, nameof(dw));
        Spans.RequireOptional(db, g.OutC, nameof(db));
    }
}

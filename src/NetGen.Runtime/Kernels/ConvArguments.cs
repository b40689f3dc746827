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

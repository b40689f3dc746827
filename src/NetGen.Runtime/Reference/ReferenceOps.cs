// Plain scalar reference implementations of every op, forward and backward side by side: the ground truth that
// generated and SIMD code is tested against. Generic over the element type so gradient checks can run in float64.
// Layouts are NCHW; `batch` is N. Forward overwrites its output. Backward overwrites the input gradient dx
// (skipped when dx is empty) and ADDS into parameter gradients.
using System.Numerics;
using NetGen.Model;

namespace NetGen.Reference;

/// <summary>Conv2d. x [N, InC, InH, InW], w [OutC, InC, K, K], b [OutC] → y [N, OutC, OutH, OutW].</summary>
public static class Conv2dRef
{
    public static void Forward<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> w, ReadOnlySpan<T> b, Span<T> y, int batch, in ConvGeometry g)
        where T : unmanaged, IFloatingPointIeee754<T>
        => throw new NotImplementedException();

    public static void Backward<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> w, ReadOnlySpan<T> dy, Span<T> dx, Span<T> dw, Span<T> db, int batch, in ConvGeometry g)
        where T : unmanaged, IFloatingPointIeee754<T>
        => throw new NotImplementedException();
}

/// <summary>ConvTranspose2d. x [N, InC, InH, InW], w [InC, OutC, K, K], b [OutC] → y [N, OutC, OutH, OutW] with
/// y[oy, ox] += x[iy, ix]·w[ky, kx] at oy = iy·s − p + ky (positions outside the output are dropped).</summary>
public static class ConvTranspose2dRef
{
    public static void Forward<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> w, ReadOnlySpan<T> b, Span<T> y, int batch, in ConvGeometry g)
        where T : unmanaged, IFloatingPointIeee754<T>
        => throw new NotImplementedException();

    public static void Backward<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> w, ReadOnlySpan<T> dy, Span<T> dx, Span<T> dw, Span<T> db, int batch, in ConvGeometry g)
        where T : unmanaged, IFloatingPointIeee754<T>
        => throw new NotImplementedException();
}

/// <summary>MaxPool2d (floor mode, no padding). indices [N, C, OutH, OutW] hold the argmax as a flat offset h·InW + w
/// within the input plane (first maximum wins on ties), as torch and ONNX do.</summary>
public static class MaxPool2dRef
{
    public static void Forward<T>(ReadOnlySpan<T> x, Span<T> y, Span<int> indices, int batch, in PoolGeometry g)
        where T : unmanaged, IFloatingPointIeee754<T>
        => throw new NotImplementedException();

    public static void Backward<T>(ReadOnlySpan<T> dy, ReadOnlySpan<int> indices, Span<T> dx, int batch, in PoolGeometry g)
        where T : unmanaged, IFloatingPointIeee754<T>
        => throw new NotImplementedException();
}

/// <summary>MaxUnpool2d with its partner pool's geometry: x [N, C, OutH, OutW] → y [N, C, InH, InW], zeros except at argmax.</summary>
public static class MaxUnpool2dRef
{
    public static void Forward<T>(ReadOnlySpan<T> x, ReadOnlySpan<int> indices, Span<T> y, int batch, in PoolGeometry g)
        where T : unmanaged, IFloatingPointIeee754<T>
        => throw new NotImplementedException();

    public static void Backward<T>(ReadOnlySpan<T> dy, ReadOnlySpan<int> indices, Span<T> dx, int batch, in PoolGeometry g)
        where T : unmanaged, IFloatingPointIeee754<T>
        => throw new NotImplementedException();
}

/// <summary>ReLU, elementwise over the whole span. Backward uses the output: dx = dy where y &gt; 0, else 0.</summary>
public static class ReLURef
{
    public static void Forward<T>(ReadOnlySpan<T> x, Span<T> y)
        where T : unmanaged, IFloatingPointIeee754<T>
        => throw new NotImplementedException();

    public static void Backward<T>(ReadOnlySpan<T> y, ReadOnlySpan<T> dy, Span<T> dx)
        where T : unmanaged, IFloatingPointIeee754<T>
        => throw new NotImplementedException();
}

/// <summary>BatchNorm2d over (N, H, W) per channel. x, y [N, C, plane]; gamma, beta, running stats [C].
/// Training: normalizes with the batch mean and biased variance, stores mean and 1/sqrt(var + eps) in
/// saveMean / saveInvStd [C], and updates running stats as torch does (running_var takes the unbiased variance).
/// Inference: uses the running statistics. Backward (training mode) overwrites dx and adds dgamma, dbeta.</summary>
public static class BatchNorm2dRef
{
    public static void ForwardTraining<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> gamma, ReadOnlySpan<T> beta,
        Span<T> runningMean, Span<T> runningVar, Span<T> y, Span<T> saveMean, Span<T> saveInvStd,
        int batch, int channels, int plane, double epsilon, double momentum)
        where T : unmanaged, IFloatingPointIeee754<T>
        => throw new NotImplementedException();

    public static void ForwardInference<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> gamma, ReadOnlySpan<T> beta,
        ReadOnlySpan<T> runningMean, ReadOnlySpan<T> runningVar, Span<T> y,
        int batch, int channels, int plane, double epsilon)
        where T : unmanaged, IFloatingPointIeee754<T>
        => throw new NotImplementedException();

    public static void Backward<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> gamma, ReadOnlySpan<T> saveMean, ReadOnlySpan<T> saveInvStd,
        ReadOnlySpan<T> dy, Span<T> dx, Span<T> dgamma, Span<T> dbeta, int batch, int channels, int plane)
        where T : unmanaged, IFloatingPointIeee754<T>
        => throw new NotImplementedException();
}

/// <summary>Channel concatenation per sample: a [N, aC, plane] and b [N, bC, plane] → y [N, aC + bC, plane].
/// Backward splits dy into da and db (both overwritten).</summary>
public static class ConcatRef
{
    public static void Forward<T>(ReadOnlySpan<T> a, ReadOnlySpan<T> b, Span<T> y, int batch, int aChannels, int bChannels, int plane)
        where T : unmanaged, IFloatingPointIeee754<T>
        => throw new NotImplementedException();

    public static void Backward<T>(ReadOnlySpan<T> dy, Span<T> da, Span<T> db, int batch, int aChannels, int bChannels, int plane)
        where T : unmanaged, IFloatingPointIeee754<T>
        => throw new NotImplementedException();
}

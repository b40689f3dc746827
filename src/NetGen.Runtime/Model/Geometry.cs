// Shapes of one op instance. All tensors are NCHW; a batch dimension N is passed separately at run time.
namespace NetGen.Model;

/// <summary>Geometry of a Conv2d or ConvTranspose2d layer, as seen from that layer:
/// input [InC, InH, InW] → output [OutC, OutH, OutW], square kernel, stride and padding.
/// For a transposed convolution, OutH/OutW already include the output padding that restores the paired conv's input size.</summary>
public readonly record struct ConvGeometry(
    int InC, int InH, int InW,
    int OutC, int OutH, int OutW,
    int Kernel, int Stride, int Padding)
{
    public int InPlane => InH * InW;
    public int OutPlane => OutH * OutW;
    public int InSize => InC * InH * InW;
    public int OutSize => OutC * OutH * OutW;
    public int WeightSize => InC * OutC * Kernel * Kernel;

    /// <summary>Output size of a convolution along one axis: floor((n + 2p − k) / s) + 1.</summary>
    public static int ConvOut(int n, int kernel, int stride, int padding) => (n + 2 * padding - kernel) / stride + 1;
}

/// <summary>Geometry of a MaxPool2d / MaxUnpool2d pair, as seen from the pool: input [C, InH, InW] → output [C, OutH, OutW].
/// The unpool maps the pool's output shape back to its input shape.</summary>
public readonly record struct PoolGeometry(int C, int InH, int InW, int OutH, int OutW, int Kernel, int Stride)
{
    public int InPlane => InH * InW;
    public int OutPlane => OutH * OutW;
    public int InSize => C * InH * InW;
    public int OutSize => C * OutH * OutW;
}

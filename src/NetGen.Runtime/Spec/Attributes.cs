// The attributes a user writes on a partial class to declare a segmentation network, top to bottom.
// The NetGen generator reads them in source order; the types only carry the arguments.
namespace NetGen;

/// <summary>Marks a partial class as a NetGen network: input is <c>InputChannels × Height × Width</c>, output is one logit per class per pixel.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false, Inherited = false)]
public sealed class NetworkAttribute : Attribute
{
    public int InputChannels { get; set; }
    public int Height { get; set; }
    public int Width { get; set; }
    public int Classes { get; set; }
}

/// <summary>2-D convolution with bias. Weight layout [out, in, k, k]. Pairs with the mirrored <see cref="ConvTranspose2dAttribute"/>.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class Conv2dAttribute(int outChannels, int kernel) : Attribute
{
    public int OutChannels { get; } = outChannels;
    public int Kernel { get; } = kernel;
    public int Stride { get; set; } = 1;
    public int Padding { get; set; }
}

/// <summary>Transposed convolution (deconvolution) with bias. Weight layout [in, out, k, k].
/// Must mirror its paired <see cref="Conv2dAttribute"/>: same kernel, stride and padding; it restores that conv's input size.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class ConvTranspose2dAttribute(int outChannels, int kernel) : Attribute
{
    public int OutChannels { get; } = outChannels;
    public int Kernel { get; } = kernel;
    public int Stride { get; set; } = 1;
    public int Padding { get; set; }
}

/// <summary>Max pooling (floor mode, no padding) that records argmax indices for its paired <see cref="MaxUnpool2dAttribute"/>.
/// Stride defaults to the kernel size.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class MaxPool2dAttribute(int kernel) : Attribute
{
    public int Kernel { get; } = kernel;
    public int Stride { get; set; }
}

/// <summary>Max unpooling: places each value at the argmax recorded by the mirrored pool, zeros elsewhere; restores the pool's input size.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class MaxUnpool2dAttribute : Attribute;

/// <summary>Rectified linear unit, max(0, x).</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class ReLUAttribute : Attribute;

/// <summary>Batch normalization over (N, H, W) per channel with learned scale and shift and running statistics.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class BatchNorm2dAttribute : Attribute
{
    public double Epsilon { get; set; } = 1e-5;
    public double Momentum { get; set; } = 0.1;
}

/// <summary>U-Net skip source: remembers the activation at this point under <paramref name="name"/>.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class SkipAttribute(string name) : Attribute
{
    public string Name { get; } = name;
}

/// <summary>U-Net skip target: concatenates the activation remembered by <see cref="SkipAttribute"/> <paramref name="name"/>
/// after the current channels. Spatial sizes must match.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class ConcatAttribute(string name) : Attribute
{
    public string Name { get; } = name;
}

/// <summary>Final per-pixel classifier: a convolution to <c>Classes</c> channels (default 1×1, padding keeps the size).</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false, Inherited = false)]
public sealed class ClassifierAttribute : Attribute
{
    public int Kernel { get; set; } = 1;
}

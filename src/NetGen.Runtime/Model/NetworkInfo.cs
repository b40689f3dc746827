// A generated network's description as data: the layer table the generator emits, readable at run time.
// The reference interpreter, ONNX export and the per-layer profile all walk this table.
namespace NetGen.Model;

public enum LayerKind
{
    Conv2d,
    ConvTranspose2d,
    MaxPool2d,
    MaxUnpool2d,
    ReLU,
    BatchNorm2d,
    Skip,
    Concat,
    Classifier,
}

/// <summary>One layer of a network. <see cref="Input"/> and <see cref="Output"/> are per-sample shapes [C, H, W].
/// <see cref="Conv"/> is set for Conv2d, ConvTranspose2d and Classifier; <see cref="Pool"/> for pools and unpools
/// (for an unpool it is its partner pool's geometry). <see cref="Partner"/> is the index of the paired layer or −1.</summary>
public sealed record LayerInfo(
    int Index,
    string Name,
    LayerKind Kind,
    Shape Input,
    Shape Output,
    ConvGeometry? Conv = null,
    PoolGeometry? Pool = null,
    int Partner = -1,
    string? SkipName = null,
    double Epsilon = 1e-5,
    double Momentum = 0.1)
{
    /// <summary>For Concat: the index of the Skip layer whose stored activation is appended.</summary>
    public int SkipSource { get; init; } = -1;
}

/// <summary>Per-sample tensor shape [C, H, W].</summary>
public readonly record struct Shape(int C, int H, int W)
{
    public int Size => C * H * W;
    public override string ToString() => $"{C}×{H}×{W}";
}

/// <summary>A whole network: input shape, classes, the ordered layers and the parameter table (name and shape of each tensor).</summary>
public sealed record NetworkInfo(
    string Name,
    Shape Input,
    int Classes,
    IReadOnlyList<LayerInfo> Layers,
    IReadOnlyList<ParameterInfo> Parameters,
    long ForwardFlopsPerSample);

/// <summary>One parameter (or buffer) tensor: a stable name such as <c>conv1.weight</c>, its shape, the layer that owns it,
/// and whether it is trained (running statistics of batch norm are not).</summary>
public sealed record ParameterInfo(string Name, int[] Shape, int Layer, bool Trainable)
{
    public int Size
    {
        get
        {
            int n = 1;
            foreach (int d in Shape) n *= d;
            return n;
        }
    }
}

// The validated network: every layer with its input/output shapes and partner, ready to emit. Pure values.
namespace NetGen.Generator.Model;

internal sealed record Shape(int C, int H, int W)
{
    public int Size => C * H * W;
    public override string ToString() => $"{C}x{H}x{W}";
}

/// <summary>A validated layer. Name is stable and unique (conv1, bn1, pool1, deconv1, unpool1, relu3, skip_e1, concat_e1, classifier).
/// For convolutions Kernel/Stride/Padding are the conv's; for a deconv OutputPadding (rows) and OutputPaddingW (columns)
/// restore the partner's input size — they differ when H and W have different remainders, e.g. 45×60 with k3 s2 p1.
/// For pools Kernel/Stride are the pool's; for an unpool, its partner's. Partner is the paired layer's index or −1;
/// SkipSource is the Skip layer index for a Concat.</summary>
internal sealed record LayerModel(
    int Index,
    string Name,
    LayerKind Kind,
    Shape Input,
    Shape Output,
    int Kernel,
    int Stride,
    int Padding,
    int OutputPadding,
    int Partner,
    int SkipSource,
    string? SkipName,
    double Epsilon,
    double Momentum,
    long Flops)
{
    /// <summary>Output padding along W; <see cref="OutputPadding"/> is the one along H.</summary>
    public int OutputPaddingW { get; init; }
}

internal sealed record ParameterModel(string Name, EquatableArray<int> Shape, int Layer, bool Trainable)
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

internal sealed record NetworkModel(
    string Namespace,
    string ClassName,
    string Accessibility,
    Shape Input,
    int Classes,
    EquatableArray<LayerModel> Layers,
    EquatableArray<ParameterModel> Parameters,
    long ForwardFlops)
{
    public Shape Output => Layers.Count == 0 ? Input : Layers[Layers.Count - 1].Output;
    public long ParameterCount
    {
        get
        {
            long n = 0;
            foreach (var p in Parameters) if (p.Trainable) n += p.Size;
            return n;
        }
    }
}

// How SoftmaxCrossEntropy reduces per-pixel losses, weights classes and skips unlabeled pixels.
namespace NetGen.Losses;

public enum LossReduction
{
    /// <summary>Weighted mean: Σ w_y·loss / Σ w_y over the pixels that are not ignored (torch's semantics).</summary>
    Mean,
    /// <summary>Weighted sum: Σ w_y·loss.</summary>
    Sum,
}

/// <summary>Options of <see cref="SoftmaxCrossEntropy"/>. <see cref="ClassWeights"/> has one entry per class (null: all 1);
/// pixels labeled <see cref="IgnoreLabel"/> contribute neither loss nor gradient.</summary>
public sealed record SoftmaxCrossEntropyOptions
{
    public LossReduction Reduction { get; init; } = LossReduction.Mean;
    public float[]? ClassWeights { get; init; }
    public int? IgnoreLabel { get; init; }
}

// Which parameters get L2 weight decay. By default only convolution weights (rank ≥ 2): decaying biases and batch-norm
// scale/shift only pulls them toward zero with no regularizing benefit. DecayAll reproduces torch's default (every parameter).
using NetGen.Model;

namespace NetGen.Optimizers;

public enum WeightDecayScope
{
    /// <summary>Conv2d, ConvTranspose2d and classifier weights only; not biases, not batch-norm parameters.</summary>
    ConvolutionWeights,
    /// <summary>Every trainable parameter, as torch.optim does.</summary>
    All,
}

internal static class WeightDecayRule
{
    public static bool Applies(Parameter parameter, WeightDecayScope scope)
        => scope == WeightDecayScope.All || parameter.Info.Shape.Length >= 2;
}

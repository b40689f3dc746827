// Adam with L2 weight decay added to the gradient (not AdamW), exactly as torch.optim.Adam (amsgrad off).
using NetGen.Model;

namespace NetGen.Optimizers;

/// <summary>torch.optim.Adam. Per trainable parameter p with gradient g, at step t (from 1):
/// <code>
/// g ← g + λ·p                                   (weight decay λ, see <see cref="WeightDecayScope"/>)
/// m ← β1·m + (1 − β1)·g
/// v ← β2·v + (1 − β2)·g²
/// p ← p − (η / (1 − β1^t))·m / (√v / √(1 − β2^t) + ε)
/// </code>
/// The last line is torch's arrangement of p ← p − η·m̂ / (√v̂ + ε) with m̂ = m/(1 − β1^t), v̂ = v/(1 − β2^t).</summary>
public sealed class Adam : IOptimizer
{
    private readonly OptimizerState _state = new(buffersPerParameter: 2);
    private long _step;

    public Adam(double learningRate = 1e-3, double beta1 = 0.9, double beta2 = 0.999, double epsilon = 1e-8, double weightDecay = 0,
        WeightDecayScope decayScope = WeightDecayScope.ConvolutionWeights)
    {
        if (!(learningRate >= 0)) throw new ArgumentOutOfRangeException(nameof(learningRate), learningRate, "learning rate must be ≥ 0");
        if (!(beta1 >= 0 && beta1 < 1)) throw new ArgumentOutOfRangeException(nameof(beta1), beta1, "β1 must be in [0, 1)");
        if (!(beta2 >= 0 && beta2 < 1)) throw new ArgumentOutOfRangeException(nameof(beta2), beta2, "β2 must be in [0, 1)");
        if (!(epsilon >= 0)) throw new ArgumentOutOfRangeException(nameof(epsilon), epsilon, "ε must be ≥ 0");
        if (!(weightDecay >= 0)) throw new ArgumentOutOfRangeException(nameof(weightDecay), weightDecay, "weight decay must be ≥ 0");
        LearningRate = learningRate;
        Beta1 = beta1;
        Beta2 = beta2;
        Epsilon = epsilon;
        WeightDecay = weightDecay;
        DecayScope = decayScope;
    }

    public double LearningRate { get; set; }
    public double Beta1 { get; }
    public double Beta2 { get; }
    public double Epsilon { get; }
    public double WeightDecay { get; }
    public WeightDecayScope DecayScope { get; }

    public void Step(ParameterSet parameters)
    {
        _state.Bind(parameters);
        _step++;
        double biasCorrection1 = 1 - Math.Pow(Beta1, _step);
        double biasCorrection2 = 1 - Math.Pow(Beta2, _step);
        float stepSize = (float)(LearningRate / biasCorrection1);
        float sqrtBiasCorrection2 = (float)Math.Sqrt(biasCorrection2);
        float b1 = (float)Beta1, b2 = (float)Beta2, eps = (float)Epsilon;
        for (int i = 0; i < parameters.Count; i++)
        {
            var p = parameters[i];
            if (!p.Trainable) continue;
            float decay = WeightDecayRule.Applies(p, DecayScope) ? (float)WeightDecay : 0f;
            Span<float> value = p.Value, grad = p.Grad, m = _state.Buffer(i, 0), v = _state.Buffer(i, 1);
            for (int j = 0; j < value.Length; j++)
            {
                float g = grad[j] + decay * value[j];
                m[j] = b1 * m[j] + (1 - b1) * g;
                v[j] = b2 * v[j] + (1 - b2) * g * g;
                value[j] -= stepSize * m[j] / (MathF.Sqrt(v[j]) / sqrtBiasCorrection2 + eps);
            }
        }
    }
}

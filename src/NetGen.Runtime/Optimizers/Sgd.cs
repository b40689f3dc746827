// Stochastic gradient descent with momentum, dampening, Nesterov and L2 weight decay, exactly as torch.optim.SGD.
using NetGen.Model;

namespace NetGen.Optimizers;

/// <summary>torch.optim.SGD. Per trainable parameter p with gradient g, at step t (from 1):
/// <code>
/// g ← g + λ·p                                   (weight decay λ, see <see cref="WeightDecayScope"/>)
/// if μ ≠ 0:  b ← g                   at t = 1
///            b ← μ·b + (1 − τ)·g     at t &gt; 1   (momentum μ, dampening τ)
///            g ← g + μ·b  if Nesterov, else g ← b
/// p ← p − η·g                                   (learning rate η)
/// </code></summary>
public sealed class Sgd : IOptimizer
{
    private readonly OptimizerState _state = new(buffersPerParameter: 1);
    private long _step;

    public Sgd(double learningRate, double momentum = 0, double weightDecay = 0, bool nesterov = false, double dampening = 0,
        WeightDecayScope decayScope = WeightDecayScope.ConvolutionWeights)
    {
        if (!(learningRate >= 0)) throw new ArgumentOutOfRangeException(nameof(learningRate), learningRate, "learning rate must be ≥ 0");
        if (!(momentum >= 0)) throw new ArgumentOutOfRangeException(nameof(momentum), momentum, "momentum must be ≥ 0");
        if (!(weightDecay >= 0)) throw new ArgumentOutOfRangeException(nameof(weightDecay), weightDecay, "weight decay must be ≥ 0");
        if (nesterov && (momentum <= 0 || dampening != 0))
            throw new ArgumentException("Nesterov momentum needs a positive momentum and zero dampening", nameof(nesterov));
        LearningRate = learningRate;
        Momentum = momentum;
        WeightDecay = weightDecay;
        Nesterov = nesterov;
        Dampening = dampening;
        DecayScope = decayScope;
    }

    public double LearningRate { get; set; }
    public double Momentum { get; }
    public double WeightDecay { get; }
    public bool Nesterov { get; }
    public double Dampening { get; }
    public WeightDecayScope DecayScope { get; }

    public void Step(ParameterSet parameters)
    {
        _state.Bind(parameters);
        _step++;
        float lr = (float)LearningRate, mu = (float)Momentum, keep = (float)(1 - Dampening);
        for (int i = 0; i < parameters.Count; i++)
        {
            var p = parameters[i];
            if (!p.Trainable) continue;
            float decay = WeightDecayRule.Applies(p, DecayScope) ? (float)WeightDecay : 0f;
            Span<float> value = p.Value, grad = p.Grad, buffer = _state.Buffer(i, 0);
            for (int j = 0; j < value.Length; j++)
            {
                float g = grad[j] + decay * value[j];
                if (mu != 0)
                {
                    buffer[j] = _step == 1 ? g : mu * buffer[j] + keep * g;
                    g = Nesterov ? g + mu * buffer[j] : buffer[j];
                }
                value[j] -= lr * g;
            }
        }
    }
}

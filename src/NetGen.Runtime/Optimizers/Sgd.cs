// Stochastic gradient descent with momentum, dampening, Nesterov and L2 weight decay, exactly as torch.optim.SGD.
using System.Runtime.Intrinsics;
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
            Update(p.Value, p.Grad, _state.Buffer(i, 0), lr, decay, mu, keep, _step == 1, Nesterov);
        }
    }

    /// <summary>One parameter's update, 16 or 8 elements at a time where the vectors are accelerated, then one at a time:
    /// the same operations in the same order everywhere (no fused multiply-adds), so every path gives the same bits.</summary>
    internal static unsafe void Update(Span<float> value, ReadOnlySpan<float> grad, Span<float> buffer, float lr, float decay, float mu,
        float keep, bool first, bool nesterov)
    {
        int n = value.Length, j = 0;
        fixed (float* v = value, g = grad, b = buffer)
        {
            if (Vector512.IsHardwareAccelerated)
            {
                var vLr = Vector512.Create(lr); var vDecay = Vector512.Create(decay); var vMu = Vector512.Create(mu); var vKeep = Vector512.Create(keep);
                for (; j + 16 <= n; j += 16)
                {
                    var x = Vector512.Load(v + j);
                    var d = Vector512.Load(g + j) + vDecay * x;
                    if (mu != 0)
                    {
                        var m = first ? d : vMu * Vector512.Load(b + j) + vKeep * d;
                        m.Store(b + j);
                        d = nesterov ? d + vMu * m : m;
                    }
                    (x - vLr * d).Store(v + j);
                }
            }
            else if (Vector256.IsHardwareAccelerated)
            {
                var vLr = Vector256.Create(lr); var vDecay = Vector256.Create(decay); var vMu = Vector256.Create(mu); var vKeep = Vector256.Create(keep);
                for (; j + 8 <= n; j += 8)
                {
                    var x = Vector256.Load(v + j);
                    var d = Vector256.Load(g + j) + vDecay * x;
                    if (mu != 0)
                    {
                        var m = first ? d : vMu * Vector256.Load(b + j) + vKeep * d;
                        m.Store(b + j);
                        d = nesterov ? d + vMu * m : m;
                    }
                    (x - vLr * d).Store(v + j);
                }
            }
            for (; j < n; j++)
            {
                float d = g[j] + decay * v[j];
                if (mu != 0)
                {
                    b[j] = first ? d : mu * b[j] + keep * d;
                    d = nesterov ? d + mu * b[j] : b[j];
                }
                v[j] -= lr * d;
            }
        }
    }
}

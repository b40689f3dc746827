// Stochastic gradient descent with momentum, dampening, Nesterov and L2 weight decay, exactly as torch.optim.SGD.
using System.Runtime.Intrinsics;
using NetGen.Kernels;
using NetGen.Losses;
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
            var update = new Elements(v, g, b, lr, decay, mu, keep, first, nesterov);
            if (Vector512.IsHardwareAccelerated) j = update.Run<Lanes512, Vector512<float>>(0, n);
            else if (Vector256.IsHardwareAccelerated) j = update.Run<Lanes256, Vector256<float>>(0, n);
            update.Run<Lanes1, float>(j, n);
        }
    }

    private readonly unsafe struct Elements(float* v, float* g, float* b, float lr, float decay, float mu, float keep, bool first, bool nesterov)
    {
        /// <summary>Elements [from, from + whole vectors up to to); returns where it stopped.</summary>
        public int Run<TLanes, TV>(int from, int to) where TLanes : ILanes<TV> where TV : struct
        {
            TV vLr = TLanes.Create(lr), vDecay = TLanes.Create(decay), vMu = TLanes.Create(mu), vKeep = TLanes.Create(keep);
            int j = from;
            for (; j + TLanes.Count <= to; j += TLanes.Count)
            {
                TV x = TLanes.Load(v + j);
                TV d = TLanes.Add(TLanes.Load(g + j), TLanes.Multiply(vDecay, x));
                if (mu != 0)
                {
                    TV m = first ? d : TLanes.Add(TLanes.Multiply(vMu, TLanes.Load(b + j)), TLanes.Multiply(vKeep, d));
                    TLanes.Store(m, b + j);
                    d = nesterov ? TLanes.Add(d, TLanes.Multiply(vMu, m)) : m;
                }
                TLanes.Store(TLanes.Subtract(x, TLanes.Multiply(vLr, d)), v + j);
            }
            return j;
        }
    }
}

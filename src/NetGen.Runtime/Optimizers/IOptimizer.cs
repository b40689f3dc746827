// The optimizer contract the trainer uses: one update of every trainable parameter from its accumulated gradient.
using NetGen.Model;

namespace NetGen.Optimizers;

public interface IOptimizer
{
    /// <summary>Current learning rate; a schedule may change it between steps.</summary>
    double LearningRate { get; set; }

    /// <summary>Updates every trainable parameter of <paramref name="parameters"/> from its Grad. State (momentum, moments)
    /// is allocated on the first call, for that parameter set; later calls must pass the same set.</summary>
    void Step(ParameterSet parameters);
}

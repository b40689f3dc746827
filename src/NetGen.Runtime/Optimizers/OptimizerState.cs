// Per-parameter state buffers shared by the optimizers: allocated once, bound to the first parameter set they see.
using NetGen.Model;

namespace NetGen.Optimizers;

internal sealed class OptimizerState(int buffersPerParameter)
{
    private ParameterSet? _owner;
    private float[][][] _buffers = [];

    /// <summary>State buffer <paramref name="slot"/> of parameter <paramref name="index"/>, zero-initialized, same length as the value
    /// (empty for parameters that are not trainable).</summary>
    public float[] Buffer(int index, int slot) => _buffers[index][slot];

    public void Bind(ParameterSet parameters)
    {
        if (ReferenceEquals(_owner, parameters)) return;
        if (_owner is not null) throw new InvalidOperationException("this optimizer was created for another parameter set; use one optimizer per network");
        _owner = parameters;
        _buffers = new float[parameters.Count][][];
        for (int i = 0; i < parameters.Count; i++)
        {
            var p = parameters[i];
            _buffers[i] = new float[buffersPerParameter][];
            for (int s = 0; s < buffersPerParameter; s++) _buffers[i][s] = p.Trainable ? new float[p.Value.Length] : [];
        }
    }
}

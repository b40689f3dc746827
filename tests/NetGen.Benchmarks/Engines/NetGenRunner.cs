// NetGen's side of a benchmark: the generated network loaded with the shared weights, an inference step, and a training step
// (forward, softmax cross-entropy, backward, SGD) exactly like libtorch's.
using NetGen.Losses;
using NetGen.Model;
using NetGen.Optimizers;

namespace NetGen.Benchmarks;

public sealed class NetGenRunner
{
    private readonly float[] _input, _dlogits;
    private readonly int[] _labels;
    private readonly SoftmaxCrossEntropy _loss;
    private readonly Sgd _sgd = new(learningRate: 0.01);

    public NetGenRunner(Workload workload)
    {
        var info = workload.Info;
        Batch = workload.Batch;
        Network = BenchmarkNetworks.CreateNetGen(workload.Network, Batch);
        TableCheck.RequireSameLayers(info, Network.Info);
        var weights = BenchmarkNetworks.Parameters(info);
        foreach (var p in weights.All) p.Value.CopyTo(Network.Parameters[p.Name].Value, 0);
        _input = BenchmarkNetworks.Input(info, Batch);
        _labels = BenchmarkNetworks.Labels(info, Batch);
        _dlogits = new float[Batch * info.Layers[^1].Output.Size];
        _loss = new SoftmaxCrossEntropy(info.Layers[^1].Output);
    }

    public ISegmentationNetwork Network { get; }
    public int Batch { get; }

    public ReadOnlySpan<float> Inference() => Network.Forward(_input, Batch, training: false);

    /// <summary>Forward and backward only: leaves the parameter gradients of one step in Parameters, weights unchanged.</summary>
    public float ComputeGradients()
    {
        Network.ZeroGrad();
        var logits = Network.Forward(_input, Batch, training: true);
        float loss = _loss.Forward(logits, _labels, _dlogits, Batch);
        Network.Backward(_dlogits, Batch);
        return loss;
    }

    public void TrainStep()
    {
        ComputeGradients();
        _sgd.Step(Network.Parameters);
    }
}

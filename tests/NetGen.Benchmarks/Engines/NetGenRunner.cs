// NetGen's side of a benchmark: the generated network loaded with the shared weights, an inference step, and a training step
// (forward, softmax cross-entropy, backward, SGD) exactly like libtorch's.
using System.Diagnostics;
using System.Reflection;
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

    /// <summary>The argmax of every max pool in the last forward, by layer index ([N, C, OH, OW] flat offsets in each input
    /// plane), read from the generated network's private buffers (named after the layer: pool1 → _pool1Indices).</summary>
    public Dictionary<int, int[]> PoolArgmax()
    {
        var result = new Dictionary<int, int[]>();
        foreach (var layer in Network.Info.Layers.Where(l => l.Kind == LayerKind.MaxPool2d))
        {
            string field = "_" + char.ToLowerInvariant(layer.Name[0]) + layer.Name[1..] + "Indices";
            var info = Network.GetType().GetField(field, BindingFlags.NonPublic | BindingFlags.Instance)
                ?? throw new InvalidOperationException($"{Network.GetType().Name} has no field {field} for pool '{layer.Name}'");
            result[layer.Index] = (int[])info.GetValue(Network)!;
        }
        return result;
    }

    public void TrainStep()
    {
        ComputeGradients();
        _sgd.Step(Network.Parameters);
    }

    /// <summary>One TrainStep with each part's time added to <paramref name="milliseconds"/>: zeroing the gradients, the
    /// forward, the loss, the backward and the SGD step.</summary>
    public void TimedTrainStep(double[] milliseconds)
    {
        long t0 = Stopwatch.GetTimestamp();
        Network.ZeroGrad();
        long t1 = Stopwatch.GetTimestamp();
        var logits = Network.Forward(_input, Batch, training: true);
        long t2 = Stopwatch.GetTimestamp();
        _loss.Forward(logits, _labels, _dlogits, Batch);
        long t3 = Stopwatch.GetTimestamp();
        Network.Backward(_dlogits, Batch);
        long t4 = Stopwatch.GetTimestamp();
        _sgd.Step(Network.Parameters);
        long t5 = Stopwatch.GetTimestamp();
        long[] marks = [t0, t1, t2, t3, t4, t5];
        for (int i = 0; i < 5; i++) milliseconds[i] += Stopwatch.GetElapsedTime(marks[i], marks[i + 1]).TotalMilliseconds;
    }
}

// libtorch's side of a benchmark: one network with its input and labels resident as tensors, an inference step under
// no_grad, and a training step (forward, cross-entropy, backward, SGD), each freeing its intermediates when it ends.
using NetGen.Interop;
using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace NetGen.Benchmarks;

public sealed class LibTorchRunner : IDisposable
{
    private readonly TorchNetwork _network;
    private readonly Tensor _input, _labels;
    private readonly optim.Optimizer _optimizer;

    /// <param name="type">Float32 for the benchmarks; Float64 gives the checks a near-exact answer to measure both
    /// float32 engines against.</param>
    /// <param name="argmax">Another engine's pool argmax to route this network's pools through (TorchNetwork.ForcedArgmax).</param>
    /// <param name="recordArgmax">Keep each forward's argmax for <see cref="LastArgmax"/> (a copy per call: never on a runner
    /// that is timed).</param>
    public LibTorchRunner(Workload workload, int threads = 2, ScalarType type = ScalarType.Float32, IReadOnlyDictionary<int, int[]>? argmax = null,
        bool recordArgmax = false)
    {
        torch.set_num_threads(threads);
        var info = workload.Info;
        int n = workload.Batch;
        _network = new TorchNetwork(info, BenchmarkNetworks.Parameters(info), type) { ForcedArgmax = argmax, RecordArgmax = recordArgmax };
        using var input = tensor(BenchmarkNetworks.Input(info, n), [n, info.Input.C, info.Input.H, info.Input.W]);
        _input = input.to_type(type, copy: true);
        _labels = tensor(Array.ConvertAll(BenchmarkNetworks.Labels(info, n), l => (long)l), [n, info.Input.H, info.Input.W]);
        _optimizer = optim.SGD(_network.Trainable, learningRate: 0.01);
    }

    public void Inference()
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        _network.Forward(_input, training: false);
    }

    public void TrainStep()
    {
        using var scope = NewDisposeScope();
        _optimizer.zero_grad();
        var logits = _network.Forward(_input, training: true);
        F.cross_entropy(logits, _labels).backward();
        _optimizer.step();
    }

    /// <summary>Inference logits [N, Classes, H, W], for the check against NetGen.</summary>
    public float[] InferenceLogits()
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        return _network.Forward(_input, training: false).to_type(ScalarType.Float32).data<float>().ToArray();
    }

    /// <summary>One forward and backward without the update: the loss, and every trainable parameter's gradient by name.</summary>
    public (float Loss, Dictionary<string, float[]> Gradients) ComputeGradients()
    {
        using var scope = NewDisposeScope();
        _optimizer.zero_grad();
        var loss = F.cross_entropy(_network.Forward(_input, training: true), _labels);
        loss.backward();
        var gradients = new Dictionary<string, float[]>(StringComparer.Ordinal);
        foreach (var p in _network.Info.Parameters)
            if (p.Trainable)
                gradients[p.Name] = _network[p.Name].grad!.to_type(ScalarType.Float32).data<float>().ToArray();
        return ((float)loss.to_type(ScalarType.Float64).item<double>(), gradients);
    }

    /// <summary>With forced argmax: per pool of the last forward, the entries that differ from libtorch's own and the largest
    /// gap, relative to the layer's largest input.</summary>
    public IReadOnlyList<(int Layer, long Differing, double WorstGap)> ArgmaxReport => _network.ArgmaxReport;

    /// <summary>With recordArgmax: per pool of the last forward, by layer index, the argmax it routed through.</summary>
    public IReadOnlyDictionary<int, int[]> LastArgmax => _network.LastArgmax;

    public void Dispose()
    {
        _optimizer.Dispose();
        _labels.Dispose();
        _input.Dispose();
        _network.Dispose();
    }
}

// libtorch's side of a benchmark: one network with its input and labels resident as tensors, an inference step under
// no_grad, and a training step (forward, cross-entropy, backward, SGD), each freeing its intermediates when it ends.
using NetGen.Interop;
using NetGen.Model;
using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace NetGen.Benchmarks;

public sealed class LibTorchRunner : IDisposable
{
    private readonly TorchNetwork _network;
    private readonly Tensor _input, _labels;
    private readonly optim.Optimizer _optimizer;

    public LibTorchRunner(NetworkInfo info, int threads = 2)
    {
        torch.set_num_threads(threads);
        _network = new TorchNetwork(info, BenchmarkNetworks.Parameters(info));
        _input = tensor(BenchmarkNetworks.Input(info), [1, info.Input.C, info.Input.H, info.Input.W]);
        _labels = tensor(Array.ConvertAll(BenchmarkNetworks.Labels(info), l => (long)l), [1, info.Input.H, info.Input.W]);
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

    public void Dispose()
    {
        _optimizer.Dispose();
        _labels.Dispose();
        _input.Dispose();
        _network.Dispose();
    }
}

// The buffers of generated networks: the activations inference writes (none for outputs that fused calls never write) and
// pool argmax at construction; the activations only training writes and the gradients from the first training-mode Forward
// on (an inference-only user never pays for them); gradient buffers reused across layers and steps without stale values
// leaking into results.
using NetGen.Model;

namespace NetGen.EndToEnd.Tests;

public class MemoryPlanTests
{
    [Theory]
    [MemberData(nameof(NetworkCases.Names), MemberType = typeof(NetworkCases))]
    public void Training_buffers_are_allocated_by_the_first_training_Forward_only(string name)
    {
        var network = NetworkCases.Create(name);
        var profiled = (Diagnostics.IProfiledNetwork)network;
        var info = network.Info;
        var arrays = info.Layers.Where(l => l.Kind != LayerKind.Skip && !IsNeverWritten(info, l.Index)).ToList();
        // Activations only training writes come with the training buffers.
        long activationFloats = info.Input.Size + arrays.Where(l => FusionRules.InferenceWrites(info, l.Index)).Sum(l => (long)l.Output.Size);
        long trainingOnlyFloats = arrays.Where(l => !FusionRules.InferenceWrites(info, l.Index)).Sum(l => (long)l.Output.Size);
        long argmaxInts = info.Layers.Where(l => l.Kind == LayerKind.MaxPool2d).Sum(l => (long)l.Output.Size);
        long constructed = 4 * network.MaxBatch * (activationFloats + argmaxInts);
        float[] input = NetworkCases.Gaussian(network.MaxBatch * info.Input.Size, seed: 71);
        var classes = new int[network.MaxBatch * info.Input.H * info.Input.W];

        Assert.Equal(constructed, profiled.BufferBytes);
        network.Forward(input, network.MaxBatch);
        network.Predict(input, network.MaxBatch, classes);
        Assert.Equal(constructed, profiled.BufferBytes);

        network.Forward(input, network.MaxBatch, training: true);
        long training = profiled.BufferBytes - constructed, gradients = training - 4 * network.MaxBatch * trainingOnlyFloats;
        long largest = info.Layers.Max(l => (long)l.Output.Size);
        // Two chain buffers (plus a Skip's) instead of one gradient per activation.
        long outputFloats = info.Input.Size + info.Layers.Where(l => l.Kind != LayerKind.Skip).Sum(l => (long)l.Output.Size);
        Assert.InRange(gradients, 4 * network.MaxBatch * largest, 4 * network.MaxBatch * outputFloats / 2);

        network.Backward(NetworkCases.Gaussian(network.MaxBatch * info.Layers[^1].Output.Size, seed: 72), network.MaxBatch);
        network.Forward(input, network.MaxBatch, training: true);
        Assert.Equal(constructed + training, profiled.BufferBytes);
    }

    // A convolution, or a batch norm right after one, followed by a ReLU: both modes fuse them and write only the ReLU's
    // output, so the network holds no array for this one. A convolution (and its ReLU) whose pool both modes run in the
    // convolution's call: only the pool's output is written. An unpool its deconvolution reads as pooled values and argmax.
    private static bool IsNeverWritten(NetworkInfo info, int layer)
    {
        var layers = info.Layers;
        if (FusionRules.IsReadByConvolution(info, layer)) return true;
        if (layer + 1 < layers.Count && FusionRules.PoolsInConvolution(info, layer + 1)) return true;
        if (layer + 2 < layers.Count && layers[layer + 1].Kind == LayerKind.ReLU && FusionRules.PoolsInConvolution(info, layer + 2)) return true;
        if (layer + 1 >= layers.Count || layers[layer + 1].Kind != LayerKind.ReLU) return false;
        bool IsConvolution(int i) => i >= 0 && layers[i].Kind is LayerKind.Conv2d or LayerKind.ConvTranspose2d;
        return IsConvolution(layer) || (layers[layer].Kind == LayerKind.BatchNorm2d && IsConvolution(layer - 1));
    }

    [Theory]
    [MemberData(nameof(NetworkCases.Names), MemberType = typeof(NetworkCases))]
    public void Reused_gradient_buffers_carry_nothing_from_one_step_to_the_next(string name)
    {
        var network = NetworkCases.Create(name);
        network.RequiresInputGrad = true;
        NetworkCases.Perturb(network, seed: 8);
        var info = network.Info;
        const int batch = NetworkCases.MaxBatch;
        float[] input = NetworkCases.Gaussian(batch * info.Input.Size, seed: 73);
        float[] logitsGrad = NetworkCases.Gaussian(batch * info.Layers[^1].Output.Size, seed: 74);

        (float[][] Grads, float[] InputGrad) Step(int samples, float[] x, float[] dy)
        {
            network.ZeroGrad();
            network.Forward(x.AsSpan(0, samples * info.Input.Size), samples, training: true);
            network.Backward(dy.AsSpan(0, samples * info.Layers[^1].Output.Size), samples);
            return (network.Parameters.All.Select(p => p.Grad.ToArray()).ToArray(), network.InputGrad.ToArray());
        }

        var first = Step(batch, input, logitsGrad);
        Step(1, NetworkCases.Gaussian(info.Input.Size, seed: 75, scale: 5), NetworkCases.Gaussian(info.Layers[^1].Output.Size, seed: 76, scale: 5));
        network.Forward(NetworkCases.Gaussian(batch * info.Input.Size, seed: 77), batch);
        var again = Step(batch, input, logitsGrad);

        Assert.Equal(first.InputGrad, again.InputGrad);
        for (int i = 0; i < first.Grads.Length; i++) Assert.Equal(first.Grads[i], again.Grads[i]);
    }
}

// Forward runs its batch a few samples at a time through every layer (SamplesPerRun), so that a sample's tensors stay in
// cache. On a network whose samples are too large for more than one per run, a batch must give exactly the logits its
// samples give one call at a time, bit for bit, in both modes; the backward that follows (the whole batch at once) must
// give the same gradients up to the order of the sums.
using NetGen.Diagnostics;

namespace NetGen.EndToEnd.Tests;

/// <summary>1×512×512 in, 4 channels: about 26 MB of activations and gradients a sample, so each run takes one sample.</summary>
[Network(InputChannels = 1, Height = 512, Width = 512, Classes = 2)]
[Conv2d(4, 3, Padding = 1)]
[ReLU]
[MaxPool2d(2)]
[Conv2d(4, 3, Padding = 1)]
[ReLU]
[ConvTranspose2d(4, 3, Padding = 1)]
[ReLU]
[MaxUnpool2d]
[ConvTranspose2d(4, 3, Padding = 1)]
[ReLU]
[Classifier]
public partial class LargePlaneNet
{
}

public class SampleRunTests
{
    [Fact]
    public void A_batch_run_a_sample_at_a_time_equals_its_samples_run_alone()
    {
        const int batch = 3;
        var together = new LargePlaneNet(batch, seed: 5);
        var alone = new LargePlaneNet(1, seed: 5);
        NetworkCases.Perturb(together, seed: 6);
        foreach (var p in together.Parameters.All) p.Value.CopyTo(alone.Parameters[p.Name].Value, 0);
        together.RequiresInputGrad = alone.RequiresInputGrad = true;
        int inputSize = together.Info.Input.Size, logitsSize = together.Info.Layers[^1].Output.Size;
        float[] input = NetworkCases.Gaussian(batch * inputSize, seed: 7);
        float[] logitsGrad = NetworkCases.Gaussian(batch * logitsSize, seed: 8);

        foreach (bool training in new[] { false, true })
        {
            float[] logits = together.Forward(input, batch, training).ToArray();
            if (training) together.Backward(logitsGrad, batch);
            float[] inputGrad = training ? together.InputGrad.ToArray() : [];
            for (int n = 0; n < batch; n++)
            {
                float[] sample = alone.Forward(input.AsSpan(n * inputSize, inputSize), 1, training).ToArray();
                Assert.True(logits.AsSpan(n * logitsSize, logitsSize).SequenceEqual(sample), $"logits of sample {n}, training {training}");
                if (!training) continue;
                alone.Backward(logitsGrad.AsSpan(n * logitsSize, logitsSize), 1);
                AssertClose(alone.InputGrad, inputGrad.AsSpan(n * inputSize, inputSize), $"input gradient of sample {n}");
            }
        }
        // The lone network added its samples' gradients one call after another.
        foreach (var p in together.Parameters.All)
            AssertClose(alone.Parameters[p.Name].Grad, p.Grad, $"gradient of {p.Name}");
    }

    // Sums over up to 3·512² products in another order: a lost or doubled term would be off by far more.
    private static void AssertClose(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        double scale = 1e-30;
        foreach (float e in expected) scale = Math.Max(scale, Math.Abs(e));
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(expected[i] - actual[i]) <= 1e-4 * scale, $"{what}: element {i} is {actual[i]}, expected {expected[i]}");
    }

    [Fact]
    public void A_profile_counts_one_call_per_pass_however_many_runs_it_takes()
    {
        const int batch = 2;
        var network = new LargePlaneNet(batch, seed: 5);
        var profile = new LayerProfile(network.Info);
        network.Profile = profile;
        network.Forward(NetworkCases.Gaussian(batch * network.Info.Input.Size, seed: 9), batch, training: true);

        foreach (var timing in profile.Layers)
            Assert.Equal((1L, (long)batch), (timing.ForwardCalls, timing.ForwardSamples));
        // Every ReLU runs inside the convolution before it; training's laps count it fused, once.
        Assert.All(profile.Layers.Where(t => t.Kind == Model.LayerKind.ReLU), t => Assert.True(t.ForwardFused, t.Name));
    }
}

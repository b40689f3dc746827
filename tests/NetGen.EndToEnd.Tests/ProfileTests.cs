// The per-layer profile of generated networks: every layer that runs is charged once per pass with its samples, the
// FLOP counts agree with the generator's, the report lists every layer and kind, and profiling allocates nothing.
using NetGen.Diagnostics;
using NetGen.Model;

namespace NetGen.EndToEnd.Tests;

public class ProfileTests
{
    [Theory]
    [MemberData(nameof(NetworkCases.Names), MemberType = typeof(NetworkCases))]
    public void Profile_records_every_layer_of_every_pass(string name)
    {
        var network = NetworkCases.Create(name);
        var info = network.Info;
        var profile = new LayerProfile(info);
        ((IProfiledNetwork)network).Profile = profile;
        const int batch = 2, steps = 3;
        float[] input = NetworkCases.Gaussian(batch * info.Input.Size, seed: 61);
        float[] logitsGrad = NetworkCases.Gaussian(batch * info.Layers[^1].Output.Size, seed: 62);

        for (int i = 0; i < steps; i++)
        {
            network.Forward(input, batch, training: true);
            network.Backward(logitsGrad, batch);
        }

        foreach (var timing in profile.Layers)
        {
            bool isSkip = timing.Kind == LayerKind.Skip;
            bool concatenated = info.Layers.Any(l => l.Kind == LayerKind.Concat && l.SkipSource == timing.Layer.Index);
            Assert.Equal((isSkip ? 0 : steps, isSkip ? 0 : steps * batch), (timing.ForwardCalls, timing.ForwardSamples));
            Assert.Equal(!isSkip || concatenated ? steps : 0, timing.BackwardCalls);
            // A ReLU that training fuses into the layer before it, a pool into the convolution before it, an unpool read by
            // the deconvolution after it, or a classifier run in the deconvolution's call, is recorded as fused (charged the ~0
            // between two laps).
            bool fused = FusedInTraining(info, timing.Layer.Index);
            Assert.Equal(fused, timing.ForwardFused);
            if (!isSkip && !fused)
                Assert.True(timing.ForwardTicks > 0 && timing.BackwardTicks > 0, $"{timing.Name} was not timed");
        }

        string report = profile.Report();
        string[] lines = report.Split('\n');
        foreach (var timing in profile.Layers.Where(t => t.ForwardFused))
            Assert.Contains(lines, line => line.StartsWith(timing.Name + " ", StringComparison.Ordinal) && line.Contains(" fused "));
        foreach (var layer in info.Layers) Assert.Contains(layer.Name, report);
        foreach (var kind in info.Layers.Select(l => l.Kind).Distinct())
            Assert.Contains(report.Split('\n'), line => line.StartsWith(kind + " ", StringComparison.Ordinal));
        Assert.Contains(report.Split('\n'), line => line.StartsWith("total ", StringComparison.Ordinal));
    }

    private static bool FusedInTraining(NetworkInfo info, int layer) =>
        info.Layers[layer].Kind == LayerKind.ReLU && layer > 0 &&
        info.Layers[layer - 1].Kind is LayerKind.Conv2d or LayerKind.ConvTranspose2d or LayerKind.BatchNorm2d ||
        FusionRules.PoolsInConvolution(info, layer) || FusionRules.IsReadByConvolution(info, layer) ||
        FusionRules.ClassifiesInTraining(info, layer);

    [Theory]
    [MemberData(nameof(NetworkCases.Names), MemberType = typeof(NetworkCases))]
    public void Layer_FLOPs_add_up_to_the_generators_count(string name)
    {
        var info = NetworkCases.Create(name).Info;
        Assert.Equal(info.ForwardFlopsPerSample, info.Layers.Sum(LayerFlops.Forward));
        // dx and dw, except for the layer reading the network input: its dx is skipped unless RequiresInputGrad.
        int first = info.Layers.First(l => l.Kind != LayerKind.Skip).Index;
        foreach (var layer in info.Layers.Where(l => l.Conv is not null))
            Assert.Equal((layer.Index == first ? 1 : 2) * LayerFlops.Forward(layer), LayerFlops.Backward(info, layer));
    }

    [Fact]
    public void Detaching_stops_recording_and_a_foreign_profile_is_refused()
    {
        var network = new SkipUNet(maxBatch: 1);
        var profile = new LayerProfile(network.Info);
        float[] input = NetworkCases.Gaussian(network.Info.Input.Size, seed: 63);

        network.Profile = profile;
        network.Forward(input, 1);
        network.Profile = null;
        network.Forward(input, 1);

        Assert.Equal(1, profile.Layers[0].ForwardCalls);
        var error = Assert.Throws<ArgumentException>(() => network.Profile = new LayerProfile(TinyHourglassNet.Description));
        Assert.Contains(nameof(TinyHourglassNet), error.Message);
        Assert.Null(network.Profile);
    }

    [Fact]
    public void Profiled_passes_allocate_nothing()
    {
        var network = new SkipUNet(maxBatch: 2);
        network.Profile = new LayerProfile(network.Info);
        float[] input = NetworkCases.Gaussian(2 * network.Info.Input.Size, seed: 64);
        float[] logitsGrad = NetworkCases.Gaussian(2 * network.Info.Layers[^1].Output.Size, seed: 65);

        void Step()
        {
            network.Forward(input, 2, training: true);
            network.Backward(logitsGrad, 2);
        }

        Step();
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 3; i++) Step();
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }
}

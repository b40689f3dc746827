// RequiresInputGrad on generated networks and the reference: off by default, so Backward skips the first layer's input
// gradient (the parameter gradients do not change) and InputGrad refuses to be read; on, the input gradient matches the
// double reference; and it can be switched between steps.
using NetGen.Model;
using NetGen.Reference;

namespace NetGen.EndToEnd.Tests;

public class InputGradTests
{
    private const int Batch = 2;

    [Theory]
    [MemberData(nameof(NetworkCases.Names), MemberType = typeof(NetworkCases))]
    public void By_default_Backward_skips_the_input_gradient_and_InputGrad_says_how_to_get_it(string name)
    {
        var network = NetworkCases.Create(name);
        Assert.False(network.RequiresInputGrad);

        Step(network);

        AssertRefused(() => _ = network.InputGrad);
    }

    [Theory]
    [MemberData(nameof(NetworkCases.Names), MemberType = typeof(NetworkCases))]
    public void Skipping_the_input_gradient_leaves_every_parameter_gradient_as_it_was(string name)
    {
        var skipping = Perturbed(name);
        var computing = Perturbed(name);
        computing.RequiresInputGrad = true;

        Step(skipping);
        Step(computing);

        foreach (var p in computing.Parameters.All.Where(p => p.Info.Trainable))
            Assert.Equal(p.Grad, skipping.Parameters[p.Name].Grad);
    }

    [Theory]
    [MemberData(nameof(NetworkCases.Names), MemberType = typeof(NetworkCases))]
    public void Switching_RequiresInputGrad_between_steps_computes_it_exactly_when_set(string name)
    {
        var network = Perturbed(name);
        var reference = new ReferenceNetwork<double>(network.Info, network.MaxBatch) { RequiresInputGrad = true };
        reference.LoadFrom(network.Parameters);

        network.RequiresInputGrad = true;
        float[] first = Step(network).ToArray();
        reference.Forward(Array.ConvertAll(Input(network), v => (double)v), Batch, training: true);
        reference.Backward(Array.ConvertAll(LogitsGrad(network), v => (double)v), Batch);
        double[] expected = reference.InputGrad.ToArray();
        Tolerance.AssertClose(first, expected, Tolerance.Gradient, $"input gradient of {name}",
            Tolerance.NegligibleFraction * Tolerance.MaxAbs(expected));

        network.RequiresInputGrad = false;
        Step(network);
        AssertRefused(() => _ = network.InputGrad);

        network.RequiresInputGrad = true;
        Assert.Equal(first, Step(network).ToArray());
    }

    [Fact]
    public void The_reference_skips_the_input_gradient_unless_asked_too()
    {
        var network = NetworkCases.Create(nameof(TrainingFusionNet));
        var reference = new ReferenceNetwork<double>(network.Info, network.MaxBatch);
        reference.LoadFrom(network.Parameters);
        Assert.False(reference.RequiresInputGrad);

        reference.Forward(Array.ConvertAll(Input(network), v => (double)v), Batch, training: true);
        reference.Backward(Array.ConvertAll(LogitsGrad(network), v => (double)v), Batch);
        AssertRefused(() => _ = reference.InputGrad);

        reference.RequiresInputGrad = true;
        reference.Backward(Array.ConvertAll(LogitsGrad(network), v => (double)v), Batch);
        Assert.Equal(Batch * network.Info.Input.Size, reference.InputGrad.Length);
    }

    private static ISegmentationNetwork Perturbed(string name)
    {
        var network = NetworkCases.Create(name);
        NetworkCases.Perturb(network, seed: 21);
        return network;
    }

    private static float[] Input(ISegmentationNetwork network) => NetworkCases.Gaussian(Batch * network.Info.Input.Size, seed: 22);

    private static float[] LogitsGrad(ISegmentationNetwork network) =>
        NetworkCases.Gaussian(Batch * network.Info.Layers[^1].Output.Size, seed: 23);

    /// <summary>One training step on the same data every time; returns InputGrad when the network computes it.</summary>
    private static ReadOnlySpan<float> Step(ISegmentationNetwork network)
    {
        network.Forward(Input(network), Batch, training: true);
        network.Backward(LogitsGrad(network), Batch);
        return network.RequiresInputGrad ? network.InputGrad : default;
    }

    private static void AssertRefused(Action read)
    {
        var error = Assert.Throws<InvalidOperationException>(read);
        Assert.Contains("RequiresInputGrad = true", error.Message);
        Assert.DoesNotContain('\n', error.Message);
    }
}

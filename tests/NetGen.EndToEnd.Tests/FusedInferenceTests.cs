// Inference runs each convolution with the batch norm and ReLU after it (and the pool after a stride-1 convolution, the unpool
// before a stride-1 deconvolution) as one kernel call, the batch norm folded into the weights on every call: after training steps move the
// weights, biases and running statistics, the next inference Forward must see them (no stale folding, no unpool output
// left from training) and still agree with the reference interpreter. (Agreement of fresh networks, FusedEpilogueNet's
// Skip between a conv and its ReLU included, is in ReferenceAgreementTests.)
using NetGen.Reference;

namespace NetGen.EndToEnd.Tests;

public class FusedInferenceTests
{
    [Theory]
    [InlineData(nameof(FusedEpilogueNet))]
    [InlineData(nameof(TinyHourglassNet))]
    public void Inference_after_training_steps_uses_the_updated_parameters_and_statistics(string name)
    {
        const int batch = 2;
        var network = NetworkCases.Create(name);
        NetworkCases.Perturb(network, seed: 5);
        float[] input = NetworkCases.Gaussian(batch * network.Info.Input.Size, seed: 21);
        float[] before = network.Forward(input, batch, training: false).ToArray();

        for (int step = 0; step < 3; step++)
        {
            float[] data = NetworkCases.Gaussian(batch * network.Info.Input.Size, seed: 30 + step, scale: 2.0);
            float[] logitsGrad = NetworkCases.Gaussian(batch * network.Info.Layers[^1].Output.Size, seed: 40 + step);
            network.ZeroGrad();
            network.Forward(data, batch, training: true);
            network.Backward(logitsGrad, batch);
            foreach (var p in network.Parameters.All)
                if (p.Trainable)
                    for (int i = 0; i < p.Value.Length; i++) p.Value[i] -= 0.05f * p.Grad[i];
        }
        float[] after = network.Forward(input, batch, training: false).ToArray();

        var reference = new ReferenceNetwork<double>(network.Info, network.MaxBatch);
        reference.LoadFrom(network.Parameters);
        double[] expected = Widen(reference.Forward(Widen(input), batch, training: false));
        Tolerance.AssertClose(after, expected, Tolerance.Forward, $"{name} inference logits after training steps vs double reference");
        // The steps must have moved the logits well beyond the tolerance, or a stale folding would pass unnoticed.
        Assert.True(Tolerance.RelativeError(before, expected) > 100 * Tolerance.Forward,
            $"{name}: training steps left the logits within {Tolerance.RelativeError(before, expected):E2} of their old values");
    }

    private static double[] Widen(ReadOnlySpan<float> values)
    {
        var result = new double[values.Length];
        for (int i = 0; i < values.Length; i++) result[i] = values[i];
        return result;
    }

    private static double[] Widen(ReadOnlySpan<double> values) => values.ToArray();
}

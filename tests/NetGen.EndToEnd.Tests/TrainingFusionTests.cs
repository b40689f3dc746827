// Training-mode fusion (a ReLU stored by the convolution or batch norm before it, a batch norm's backward applying the
// ReLU's) against the double reference, which runs every layer on its own: over several steps, so logits, running
// statistics and gradients accumulated across steps all agree, with an inference Forward between steps.
using NetGen.Model;
using NetGen.Reference;

namespace NetGen.EndToEnd.Tests;

public class TrainingFusionTests
{
    [Theory]
    [MemberData(nameof(NetworkCases.Names), MemberType = typeof(NetworkCases))]
    public void Fused_training_steps_match_the_unfused_reference(string name)
    {
        const int batch = 2, steps = 3;
        var network = NetworkCases.Create(name);
        NetworkCases.Perturb(network, seed: 31);
        network.RequiresInputGrad = true;
        var reference = new ReferenceNetwork<double>(network.Info, network.MaxBatch) { RequiresInputGrad = true };
        reference.LoadFrom(network.Parameters);
        int logitsSize = batch * network.Info.Layers[^1].Output.Size;

        for (int step = 0; step < steps; step++)
        {
            float[] input = NetworkCases.Gaussian(batch * network.Info.Input.Size, seed: 32 + step, scale: 1 + step);
            float[] logitsGrad = NetworkCases.Gaussian(logitsSize, seed: 42 + step);
            string where = $"{name}, step {step}";

            float[] logits = network.Forward(input, batch, training: true).ToArray();
            Tolerance.AssertClose(logits, reference.Forward(Widen(input), batch, training: true), Tolerance.Forward, $"logits of {where}");
            network.Backward(logitsGrad, batch);
            reference.Backward(Widen(logitsGrad), batch);
            double[] expectedInputGrad = reference.InputGrad.ToArray();
            Tolerance.AssertClose(network.InputGrad, expectedInputGrad, Tolerance.Gradient, $"input gradient of {where}",
                Tolerance.NegligibleFraction * Tolerance.MaxAbs(expectedInputGrad));

            // An inference Forward writes the fused ReLU outputs too; the next training step must not see a trace of it.
            network.Forward(input, batch, training: false);
            reference.Forward(Widen(input), batch, training: false);
        }

        double largest = network.Parameters.All.Where(p => p.Info.Trainable).Max(p => Tolerance.MaxAbs(reference.GetGradient(p.Name)));
        foreach (var p in network.Parameters.All)
        {
            if (p.Info.Trainable)
                Tolerance.AssertClose(p.Grad, reference.GetGradient(p.Name), Tolerance.Gradient, $"accumulated gradient of {p.Name} in {name}",
                    Tolerance.NegligibleFraction * largest);
            else
                Tolerance.AssertClose(p.Value, reference.GetParameter(p.Name), Tolerance.Forward, $"{p.Name} after {steps} steps of {name}");
        }
    }

    private static double[] Widen(float[] values) => Array.ConvertAll(values, v => (double)v);
}

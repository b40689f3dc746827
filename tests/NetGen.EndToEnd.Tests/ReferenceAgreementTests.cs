// Generated networks against the reference interpreter running the same layer table and parameters, in float (same
// arithmetic, different code) and in double (the ground truth): logits, running statistics, every gradient.
using System.Numerics;
using NetGen.Model;
using NetGen.Reference;

namespace NetGen.EndToEnd.Tests;

public class ReferenceAgreementTests
{
    [Theory]
    [MemberData(nameof(NetworkCases.NamesAndBatches), MemberType = typeof(NetworkCases))]
    public void InferenceForwardMatchesReference(string name, int batch)
    {
        var network = CreatePerturbed(name);
        float[] input = NetworkCases.Gaussian(batch * network.Info.Input.Size, seed: 11);

        float[] logits = network.Forward(input, batch, training: false).ToArray();

        AssertForwardAgrees(network, Reference<float>(network), input, batch, training: false, logits, "float reference");
        AssertForwardAgrees(network, Reference<double>(network), input, batch, training: false, logits, "double reference");
    }

    [Theory]
    [MemberData(nameof(NetworkCases.NamesAndBatches), MemberType = typeof(NetworkCases))]
    public void TrainingForwardAndBackwardMatchReference(string name, int batch)
    {
        var network = CreatePerturbed(name);
        network.RequiresInputGrad = true;
        var referenceFloat = Reference<float>(network);
        var referenceDouble = Reference<double>(network);
        float[] input = NetworkCases.Gaussian(batch * network.Info.Input.Size, seed: 12);
        float[] logitsGrad = NetworkCases.Gaussian(batch * LogitsSize(network), seed: 13);

        float[] logits = network.Forward(input, batch, training: true).ToArray();
        network.Backward(logitsGrad, batch);

        // The ground truth first; then the float reference, itself a float computation: NetGen may differ from it by the
        // tolerance plus the reference's own distance from float64 (which matters for gradients that are zero in exact
        // arithmetic, such as a bias right before a batch norm, measured against a fraction of the largest gradient).
        var truth = AssertTrainingAgrees(network, referenceDouble, input, logitsGrad, batch, logits, "double reference");
        AssertTrainingAgrees(network, referenceFloat, input, logitsGrad, batch, logits, "float reference", truth);
    }

    private static ISegmentationNetwork CreatePerturbed(string name)
    {
        var network = NetworkCases.Create(name);
        NetworkCases.Perturb(network, seed: 5);
        return network;
    }

    private static ReferenceNetwork<T> Reference<T>(ISegmentationNetwork network) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var reference = new ReferenceNetwork<T>(network.Info, network.MaxBatch) { RequiresInputGrad = true };
        reference.LoadFrom(network.Parameters);
        return reference;
    }

    private static void AssertForwardAgrees<T>(ISegmentationNetwork network, ReferenceNetwork<T> reference, float[] input, int batch,
        bool training, float[] logits, string against) where T : unmanaged, IFloatingPointIeee754<T>
    {
        double[] expected = Widen(reference.Forward(Narrow<T>(input), batch, training));
        Tolerance.AssertClose(logits, expected, Tolerance.Forward, $"{network.Info.Name} logits (batch {batch}) vs {against}");
    }

    /// <summary>Every gradient within Tolerance.Gradient of the reference's (plus, with <paramref name="truth"/>, the
    /// reference's own distance from those float64 gradients); returns the reference's gradients, the input's under "".</summary>
    private static Dictionary<string, double[]> AssertTrainingAgrees<T>(ISegmentationNetwork network, ReferenceNetwork<T> reference,
        float[] input, float[] logitsGrad, int batch, float[] logits, string against, Dictionary<string, double[]>? truth = null)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        string where = $"{network.Info.Name} (batch {batch}) vs {against}";
        AssertForwardAgrees(network, reference, input, batch, training: true, logits, against);
        reference.Backward(Narrow<T>(logitsGrad), batch);

        var expectedGrads = new Dictionary<string, double[]>(StringComparer.Ordinal);
        foreach (var p in network.Parameters.All)
            if (p.Trainable) expectedGrads[p.Name] = Widen<T>(reference.GetGradient(p.Name));
        double[] expectedInputGrad = Widen(reference.InputGrad);
        double negligible = Tolerance.NegligibleFraction * expectedGrads.Values.Append(expectedInputGrad).Max(g => Tolerance.MaxAbs(g));

        double Allowance(string name, double[] expected) =>
            truth == null ? 0 : Tolerance.RelativeError(Array.ConvertAll(expected, v => (float)v), truth[name], negligible);
        foreach (var p in network.Parameters.All)
        {
            if (p.Trainable)
                Tolerance.AssertClose(p.Grad, expectedGrads[p.Name], Tolerance.Gradient + Allowance(p.Name, expectedGrads[p.Name]),
                    $"gradient of {p.Name} in {where}", negligible);
            else
                Tolerance.AssertClose(p.Value, Widen<T>(reference.GetParameter(p.Name)), Tolerance.Forward, $"{p.Name} after training Forward of {where}");
        }
        Tolerance.AssertClose(network.InputGrad, expectedInputGrad, Tolerance.Gradient + Allowance("", expectedInputGrad),
            $"input gradient of {where}", negligible);
        expectedGrads[""] = expectedInputGrad;
        return expectedGrads;
    }

    private static int LogitsSize(ISegmentationNetwork network) => network.Info.Layers[^1].Output.Size;

    private static T[] Narrow<T>(float[] values) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var result = new T[values.Length];
        for (int i = 0; i < values.Length; i++) result[i] = T.CreateChecked(values[i]);
        return result;
    }

    private static double[] Widen<T>(ReadOnlySpan<T> values) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var result = new double[values.Length];
        for (int i = 0; i < values.Length; i++) result[i] = double.CreateChecked(values[i]);
        return result;
    }
}

// BatchNorm2d folded into the convolution before it: the folded Conv2d / ConvTranspose2d must match the reference
// convolution followed by the reference inference-mode batch norm, with each weight layout's output channel scaled.
using NetGen.Kernels;
using NetGen.Reference;
using static NetGen.Runtime.Tests.Kernels.KernelCheck;

namespace NetGen.Runtime.Tests.Kernels;

public class BatchNorm2dFoldingTests
{
    // Folding moves the rounding of γ/√(var + ε) into each weight; over ≤ 3k products per value that stays near 1e-6 of
    // the values' size, while scaling a wrong channel (the layouts differ) is off by the ratio of two scales, ~1e-1.
    private const double Tolerance = 1e-4;
    private const double Epsilon = 1e-5;

    [Theory]
    [InlineData(3, 5, 3, 1, 1)]
    [InlineData(6, 4, 3, 2, 1)]
    [InlineData(8, 7, 1, 1, 0)]
    public void Folded_conv2d_matches_conv_then_batch_norm(int inC, int outC, int kernel, int stride, int padding)
    {
        var g = ConvCase.Conv(inC, outC, kernel, stride, padding, 11, 13);
        const int batch = 2;
        var (x, w, b) = (Random(batch * g.InSize, 31), Random(g.WeightSize, 32), Random(g.OutC, 33));
        var (gamma, beta, mean, variance) = Statistics(g.OutC);
        var y = new float[batch * g.OutSize];
        Conv2dRef.Forward<float>(x, w, b, y, batch, g);
        var expected = new float[y.Length];
        BatchNorm2dRef.ForwardInference<float>(y, gamma, beta, mean, variance, expected, batch, g.OutC, g.OutPlane, Epsilon);

        var foldedW = Filled(w.Length, float.NaN);
        var foldedB = Filled(b.Length, float.NaN);
        BatchNorm2dFolding.FoldIntoConv2d(w, b, gamma, beta, mean, variance, foldedW, foldedB, Epsilon);
        var actual = Filled(y.Length, float.NaN);
        Conv2dKernel.Forward(x, foldedW, foldedB, actual, batch, g);
        Close(expected, actual, Tolerance, "conv2d + batch norm");
    }

    [Theory]
    [InlineData(3, 5, 3, 1, 1)]
    [InlineData(6, 4, 3, 2, 1)]
    [InlineData(8, 7, 1, 1, 0)]
    public void Folded_conv_transpose2d_matches_conv_transpose_then_batch_norm(int inC, int outC, int kernel, int stride, int padding)
    {
        var g = ConvCase.Mirror(ConvCase.Conv(outC, inC, kernel, stride, padding, 11, 13));
        const int batch = 2;
        var (x, w, b) = (Random(batch * g.InSize, 41), Random(g.WeightSize, 42), Random(g.OutC, 43));
        var (gamma, beta, mean, variance) = Statistics(g.OutC);
        var y = new float[batch * g.OutSize];
        ConvTranspose2dRef.Forward<float>(x, w, b, y, batch, g);
        var expected = new float[y.Length];
        BatchNorm2dRef.ForwardInference<float>(y, gamma, beta, mean, variance, expected, batch, g.OutC, g.OutPlane, Epsilon);

        var foldedW = Filled(w.Length, float.NaN);
        var foldedB = Filled(b.Length, float.NaN);
        BatchNorm2dFolding.FoldIntoConvTranspose2d(w, b, gamma, beta, mean, variance, foldedW, foldedB, Epsilon, kernel * kernel);
        var actual = Filled(y.Length, float.NaN);
        ConvTranspose2dKernel.Forward(x, foldedW, foldedB, actual, batch, g);
        Close(expected, actual, Tolerance, "conv transpose2d + batch norm");
    }

    // Scales well away from 1 and a different one per channel, so a channel folded with another's scale shows.
    private static (float[] Gamma, float[] Beta, float[] Mean, float[] Variance) Statistics(int channels)
    {
        var gamma = Random(channels, 51);
        var beta = Random(channels, 52);
        var mean = Random(channels, 53);
        var variance = Random(channels, 54);
        for (int c = 0; c < channels; c++)
        {
            gamma[c] = 0.5f + 2f * MathF.Abs(gamma[c]);
            variance[c] = 0.1f + 3f * MathF.Abs(variance[c]);
        }
        return (gamma, beta, mean, variance);
    }
}

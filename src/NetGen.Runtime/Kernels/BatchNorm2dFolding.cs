// Folds an inference-mode BatchNorm2d into the convolution before it: y = γ·(conv(x) + b − mean)/√(var + ε) + β is the
// same convolution with every output channel's weights scaled by s = γ/√(var + ε) and bias (b − mean)·s + β.
namespace NetGen.Kernels;

public static class BatchNorm2dFolding
{
    // w: [OutC, InC, K, K], b: [OutC], gamma/beta/runningMean/runningVar: [OutC] -> foldedW: [OutC, InC, K, K], foldedB: [OutC]
    public static void FoldIntoConv2d(ReadOnlySpan<float> w, ReadOnlySpan<float> b, ReadOnlySpan<float> gamma, ReadOnlySpan<float> beta,
        ReadOnlySpan<float> runningMean, ReadOnlySpan<float> runningVar, Span<float> foldedW, Span<float> foldedB, double epsilon)
    {
        int outC = Check(w, b, gamma, beta, runningMean, runningVar, foldedW, foldedB);
        int perChannel = w.Length / outC;
        for (int o = 0; o < outC; o++)
        {
            float scale = FoldBias(o, b, gamma, beta, runningMean, runningVar, foldedB, epsilon);
            for (int i = o * perChannel, end = i + perChannel; i < end; i++) foldedW[i] = w[i] * scale;
        }
    }

    // w: [InC, OutC, K, K], b: [OutC], gamma/beta/runningMean/runningVar: [OutC] -> foldedW: [InC, OutC, K, K], foldedB: [OutC]
    public static void FoldIntoConvTranspose2d(ReadOnlySpan<float> w, ReadOnlySpan<float> b, ReadOnlySpan<float> gamma, ReadOnlySpan<float> beta,
        ReadOnlySpan<float> runningMean, ReadOnlySpan<float> runningVar, Span<float> foldedW, Span<float> foldedB, double epsilon,
        int kernelArea)
    {
        int outC = Check(w, b, gamma, beta, runningMean, runningVar, foldedW, foldedB);
        if (kernelArea < 1 || w.Length % ((long)outC * kernelArea) != 0)
            throw new ArgumentException($"w has {w.Length} floats, not [InC, {outC}, K, K] with K·K = {kernelArea}.", nameof(w));
        int inC = w.Length / (outC * kernelArea);
        for (int o = 0; o < outC; o++)
        {
            float scale = FoldBias(o, b, gamma, beta, runningMean, runningVar, foldedB, epsilon);
            for (int i = 0; i < inC; i++)
            {
                int start = (i * outC + o) * kernelArea;
                for (int t = start; t < start + kernelArea; t++) foldedW[t] = w[t] * scale;
            }
        }
    }

    // The scale and shift are formed in double, as BatchNorm2dKernel.ForwardInference forms its per-channel constants.
    private static float FoldBias(int o, ReadOnlySpan<float> b, ReadOnlySpan<float> gamma, ReadOnlySpan<float> beta,
        ReadOnlySpan<float> runningMean, ReadOnlySpan<float> runningVar, Span<float> foldedB, double epsilon)
    {
        double scale = gamma[o] / Math.Sqrt(runningVar[o] + epsilon);
        foldedB[o] = (float)(((double)b[o] - runningMean[o]) * scale + beta[o]);
        return (float)scale;
    }

    private static int Check(ReadOnlySpan<float> w, ReadOnlySpan<float> b, ReadOnlySpan<float> gamma, ReadOnlySpan<float> beta,
        ReadOnlySpan<float> runningMean, ReadOnlySpan<float> runningVar, Span<float> foldedW, Span<float> foldedB)
    {
        int outC = b.Length;
        if (outC == 0 || w.Length % outC != 0)
            throw new ArgumentException($"w has {w.Length} floats, not a multiple of the {outC} output channels of b.", nameof(w));
        Spans.Require(gamma, outC, nameof(gamma));
        Spans.Require(beta, outC, nameof(beta));
        Spans.Require(runningMean, outC, nameof(runningMean));
        Spans.Require(runningVar, outC, nameof(runningVar));
        Spans.Require<float>(foldedW, w.Length, nameof(foldedW));
        Spans.Require<float>(foldedB, outC, nameof(foldedB));
        return outC;
    }
}

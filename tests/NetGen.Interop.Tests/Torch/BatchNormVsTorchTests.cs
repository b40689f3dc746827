// BatchNorm2d reference against libtorch's batch_norm: training forward (batch statistics and the running-statistics update,
// where torch feeds running_var the unbiased variance), its gradients, and inference with the running statistics.
using NetGen.Reference;
using static NetGen.Interop.Tests.Support.TorchData;
using static NetGen.Interop.Tests.Support.Tolerance;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace NetGen.Interop.Tests.Torch;

public sealed class BatchNormVsTorchTests
{
    private const double Epsilon = 1e-5, Momentum = 0.1;

    [Theory]
    [InlineData(2, 3, 5, 4)]
    [InlineData(4, 2, 3, 3)]
    [InlineData(1, 4, 6, 5)]
    public void Training_MatchesTorch(int batch, int channels, int h, int w)
    {
        using var scope = NewDisposeScope();
        int plane = h * w;
        // An offset and spread per channel, so mean and variance are far from 0 and 1 and a wrong statistic shows.
        float[] x = Random(21, batch * channels * plane, 2f);
        for (int i = 0; i < x.Length; i++) x[i] = x[i] * (1 + (i / plane) % channels) + (i / plane) % channels;
        float[] gamma = Random(22, channels), beta = Random(23, channels), dy = Random(24, x.Length);
        float[] runningMean = Random(25, channels), runningVar = Array.ConvertAll(Random(26, channels), v => 1.5f + v);
        var tRunningMean = ToTorch(runningMean, [channels]);
        var tRunningVar = ToTorch(runningVar, [channels]);

        var y = new float[x.Length];
        float[] saveMean = new float[channels], saveInvStd = new float[channels];
        BatchNorm2dRef.ForwardTraining<float>(x, gamma, beta, runningMean, runningVar, y, saveMean, saveInvStd,
            batch, channels, plane, Epsilon, Momentum);
        var dx = new float[x.Length];
        float[] dgamma = new float[channels], dbeta = new float[channels];
        BatchNorm2dRef.Backward<float>(x, gamma, saveMean, saveInvStd, dy, dx, dgamma, dbeta, batch, channels, plane);

        var tx = ToTorch(x, [batch, channels, h, w], requiresGrad: true);
        var tGamma = ToTorch(gamma, [channels], requiresGrad: true);
        var tBeta = ToTorch(beta, [channels], requiresGrad: true);
        var ty = F.batch_norm(tx, tRunningMean, tRunningVar, tGamma, tBeta, training: true, Momentum, Epsilon);
        ty.backward([ToTorch(dy, ty.shape)]);

        AssertClose(ToArray(ty), y, Float32, "y");
        AssertClose(ToArray(tRunningMean), runningMean, Float32, "running_mean");
        AssertClose(ToArray(tRunningVar), runningVar, Float32, "running_var");
        AssertClose(Grad(tx), dx, Float32, "dx");
        AssertClose(Grad(tGamma), dgamma, Float32, "dgamma");
        AssertClose(Grad(tBeta), dbeta, Float32, "dbeta");
    }

    [Fact]
    public void Inference_MatchesTorch()
    {
        using var scope = NewDisposeScope();
        const int batch = 2, channels = 3, h = 4, w = 5;
        float[] x = Random(31, batch * channels * h * w, 3f), gamma = Random(32, channels), beta = Random(33, channels);
        float[] runningMean = Random(34, channels), runningVar = Array.ConvertAll(Random(35, channels), v => 1.2f + v);

        var y = new float[x.Length];
        BatchNorm2dRef.ForwardInference<float>(x, gamma, beta, runningMean, runningVar, y, batch, channels, h * w, Epsilon);

        var ty = F.batch_norm(ToTorch(x, [batch, channels, h, w]), ToTorch(runningMean, [channels]), ToTorch(runningVar, [channels]),
            ToTorch(gamma, [channels]), ToTorch(beta, [channels]), training: false, Momentum, Epsilon);
        AssertClose(ToArray(ty), y, Float32, "y");
    }
}

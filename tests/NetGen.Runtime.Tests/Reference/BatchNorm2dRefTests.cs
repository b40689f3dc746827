// BatchNorm2d reference: training-mode gradients against finite differences, inference mode as an affine map of the
// running statistics, and torch's running-statistics update checked by hand.
using NetGen.Reference;

namespace NetGen.Runtime.Tests.Reference;

public class BatchNorm2dRefTests
{
    private const int Batch = 2, Channels = 3, Plane = 5 * 3;
    private const double Epsilon = 1e-5, Momentum = 0.1;

    [Fact]
    public void Training_gradients_match_finite_differences()
    {
        var x = Tensors.Random(Batch * Channels * Plane, 51).Select(v => 2 * v + 0.5).ToArray();
        var gamma = Tensors.Random(Channels, 52);
        var beta = Tensors.Random(Channels, 53);
        var r = Tensors.Random(x.Length, 54);
        var y = new double[x.Length];
        var runningMean = new double[Channels];
        var runningVar = new double[Channels];
        var saveMean = new double[Channels];
        var saveInvStd = new double[Channels];
        double Loss()
        {
            BatchNorm2dRef.ForwardTraining<double>(x, gamma, beta, runningMean, runningVar, y, saveMean, saveInvStd,
                Batch, Channels, Plane, Epsilon, Momentum);
            return Tensors.Dot(y, r);
        }

        Loss();
        var dx = Enumerable.Repeat(123.0, x.Length).ToArray();
        var dgamma = new double[Channels];
        var dbeta = new double[Channels];
        BatchNorm2dRef.Backward<double>(x, gamma, saveMean, saveInvStd, r, dx, dgamma, dbeta, Batch, Channels, Plane);

        GradientCheck.AssertMatches("dx", x, dx, Loss);
        GradientCheck.AssertMatches("dgamma", gamma, dgamma, Loss);
        GradientCheck.AssertMatches("dbeta", beta, dbeta, Loss);
    }

    // Inference mode is y = gamma·(x − running_mean)/sqrt(running_var + eps) + beta, so with L = Σ y·r:
    // ∂L/∂x = r·gamma/sqrt(running_var + eps), ∂L/∂gamma = Σ r·x̂, ∂L/∂beta = Σ r per channel.
    [Fact]
    public void Inference_gradients_match_finite_differences()
    {
        var x = Tensors.Random(Batch * Channels * Plane, 55);
        var gamma = Tensors.Random(Channels, 56);
        var beta = Tensors.Random(Channels, 57);
        var runningMean = Tensors.Random(Channels, 58);
        var runningVar = Tensors.Random(Channels, 59).Select(v => 1.5 + v).ToArray();
        var r = Tensors.Random(x.Length, 60);
        var y = new double[x.Length];
        double Loss()
        {
            BatchNorm2dRef.ForwardInference<double>(x, gamma, beta, runningMean, runningVar, y, Batch, Channels, Plane, Epsilon);
            return Tensors.Dot(y, r);
        }

        var dx = new double[x.Length];
        var dgamma = new double[Channels];
        var dbeta = new double[Channels];
        for (int n = 0; n < Batch; n++)
        for (int c = 0; c < Channels; c++)
        for (int i = 0; i < Plane; i++)
        {
            int at = (n * Channels + c) * Plane + i;
            double invStd = 1 / Math.Sqrt(runningVar[c] + Epsilon);
            dx[at] = r[at] * gamma[c] * invStd;
            dgamma[c] += r[at] * (x[at] - runningMean[c]) * invStd;
            dbeta[c] += r[at];
        }

        GradientCheck.AssertMatches("dx", x, dx, Loss);
        GradientCheck.AssertMatches("dgamma", gamma, dgamma, Loss);
        GradientCheck.AssertMatches("dbeta", beta, dbeta, Loss);
    }

    // One channel holds {1, 2} in sample 0 and {3, 6} in sample 1: mean 3, squared deviations 4 + 1 + 0 + 9 = 14,
    // biased variance 14/4 normalizes, unbiased variance 14/3 enters running_var. The second channel holds {0, 0, 0, 4}.
    [Fact]
    public void Training_updates_running_statistics_like_torch_and_inference_uses_them()
    {
        double[] x = [1, 2, /* c1 */ 0, 0, /* sample 1, c0 */ 3, 6, /* c1 */ 0, 4];
        double[] gamma = [2, 1], beta = [0.5, -1];
        double[] runningMean = [0.5, 1], runningVar = [2, 1];
        var y = new double[8];
        var saveMean = new double[2];
        var saveInvStd = new double[2];

        BatchNorm2dRef.ForwardTraining<double>(x, gamma, beta, runningMean, runningVar, y, saveMean, saveInvStd, 2, 2, 2, Epsilon, Momentum);

        Assert.Equal([3.0, 1.0], saveMean);
        Assert.Equal(1 / Math.Sqrt(14.0 / 4 + Epsilon), saveInvStd[0], 14);
        Assert.Equal(1 / Math.Sqrt(12.0 / 4 + Epsilon), saveInvStd[1], 14);
        Assert.Equal(0.9 * 0.5 + 0.1 * 3, runningMean[0], 14);
        Assert.Equal(0.9 * 1 + 0.1 * 1, runningMean[1], 14);
        Assert.Equal(0.9 * 2 + 0.1 * 14.0 / 3, runningVar[0], 14);
        Assert.Equal(0.9 * 1 + 0.1 * 12.0 / 3, runningVar[1], 14);
        Assert.Equal(2 * (6 - 3) / Math.Sqrt(3.5 + Epsilon) + 0.5, y[5], 12);

        BatchNorm2dRef.ForwardInference<double>(x, gamma, beta, runningMean, runningVar, y, 2, 2, 2, Epsilon);

        Assert.Equal(2 * (6 - runningMean[0]) / Math.Sqrt(runningVar[0] + Epsilon) + 0.5, y[5], 12);
        Assert.Equal(1 * (4 - runningMean[1]) / Math.Sqrt(runningVar[1] + Epsilon) - 1, y[7], 12);
    }
}

// BatchNorm2d kernel on every forced path and thread count against the reference evaluated in double on the same float
// inputs: the kernel sums in double, so the exact value is the fair target (the float reference's own sequential sums
// drift by up to a few 1e-6 on these sizes, too close to the 1e-5 being checked).
using NetGen.Kernels;
using NetGen.Reference;
using static NetGen.Runtime.Tests.Kernels.KernelCheck;

namespace NetGen.Runtime.Tests.Kernels;

public class BatchNorm2dKernelTests
{
    private const double Tolerance = 1e-5;
    private const double Epsilon = 1e-5, Momentum = 0.1;

    [Theory]
    [InlineData(1, 3, 13 * 17)]
    [InlineData(3, 16, 45 * 17)]
    [InlineData(3, 20, 1)]
    [InlineData(1, 64, 7)]
    public void Training_forward_and_backward_match_reference(int batch, int channels, int plane)
    {
        // An offset mean and a spread other than 1 make the normalization do real work.
        var x = Array.ConvertAll(Random(batch * channels * plane, 51), v => 3 * v + 0.7f);
        var gamma = Random(channels, 52);
        var beta = Random(channels, 53);
        var runningMean0 = Random(channels, 54);
        var runningVar0 = Array.ConvertAll(Random(channels, 55), v => 1.5f + v);
        var dy = Random(x.Length, 56);
        var dgamma0 = Random(channels, 57);
        var dbeta0 = Random(channels, 58);

        var y = new double[x.Length];
        var runningMean = ToDouble(runningMean0);
        var runningVar = ToDouble(runningVar0);
        var saveMean = new double[channels];
        var saveInvStd = new double[channels];
        BatchNorm2dRef.ForwardTraining<double>(ToDouble(x), ToDouble(gamma), ToDouble(beta), runningMean, runningVar, y,
            saveMean, saveInvStd, batch, channels, plane, Epsilon, Momentum);

        ForEachPath(run =>
        {
            var ky = Filled(x.Length, float.NaN);
            var kRunningMean = (float[])runningMean0.Clone();
            var kRunningVar = (float[])runningVar0.Clone();
            var kSaveMean = new float[channels];
            var kSaveInvStd = new float[channels];
            BatchNorm2dKernel.ForwardTraining(x, gamma, beta, kRunningMean, kRunningVar, ky, kSaveMean, kSaveInvStd,
                batch, channels, plane, Epsilon, Momentum);
            Close(y, ky, Tolerance, $"y, {run}");
            Close(saveMean, kSaveMean, Tolerance, $"saveMean, {run}");
            Close(saveInvStd, kSaveInvStd, Tolerance, $"saveInvStd, {run}");
            Close(runningMean, kRunningMean, Tolerance, $"runningMean, {run}");
            Close(runningVar, kRunningVar, Tolerance, $"runningVar, {run}");

            // The backward pass reads the saved statistics; the reference gets the kernel's, so only the backward is compared.
            var dx = new double[x.Length];
            var dgamma = ToDouble(dgamma0);
            var dbeta = ToDouble(dbeta0);
            BatchNorm2dRef.Backward<double>(ToDouble(x), ToDouble(gamma), ToDouble(kSaveMean), ToDouble(kSaveInvStd), ToDouble(dy),
                dx, dgamma, dbeta, batch, channels, plane);
            var kdx = Filled(x.Length, float.NaN);
            var kdgamma = (float[])dgamma0.Clone();
            var kdbeta = (float[])dbeta0.Clone();
            BatchNorm2dKernel.Backward(x, gamma, kSaveMean, kSaveInvStd, dy, kdx, kdgamma, kdbeta, batch, channels, plane);
            Close(dx, kdx, Tolerance, $"dx, {run}");
            Close(dgamma, kdgamma, Tolerance, $"dgamma, {run}");
            Close(dbeta, kdbeta, Tolerance, $"dbeta, {run}");

            var onlyParameters = (float[])dgamma0.Clone();
            BatchNorm2dKernel.Backward(x, gamma, kSaveMean, kSaveInvStd, dy, [], onlyParameters, (float[])dbeta0.Clone(), batch, channels, plane);
            Close(dgamma, onlyParameters, Tolerance, $"dgamma without dx, {run}");
        });
    }

    [Theory]
    [InlineData(2, 5, 13 * 17)]
    [InlineData(1, 64, 3)]
    public void Inference_matches_reference(int batch, int channels, int plane)
    {
        var x = Random(batch * channels * plane, 61);
        var gamma = Random(channels, 62);
        var beta = Random(channels, 63);
        var runningMean = Random(channels, 64);
        var runningVar = Array.ConvertAll(Random(channels, 65), v => 1.5f + v);
        var y = new double[x.Length];
        BatchNorm2dRef.ForwardInference<double>(ToDouble(x), ToDouble(gamma), ToDouble(beta), ToDouble(runningMean), ToDouble(runningVar),
            y, batch, channels, plane, Epsilon);

        ForEachPath(run =>
        {
            var ky = Filled(x.Length, float.NaN);
            BatchNorm2dKernel.ForwardInference(x, gamma, beta, runningMean, runningVar, ky, batch, channels, plane, Epsilon);
            Close(y, ky, Tolerance, $"y, {run}");
        });
    }

    // The fused ReLU must change nothing but the pass count: the unfused pair (batch norm, then ReLUKernel) is the reference,
    // bit for bit, forward and backward.
    [Theory]
    [InlineData(1, 3, 13 * 17)]
    [InlineData(3, 16, 45 * 17)]
    [InlineData(2, 5, 1)]
    public void ReLU_fused_into_training_forward_and_backward_is_bit_identical_to_the_separate_ReLU(int batch, int channels, int plane)
    {
        var x = Array.ConvertAll(Random(batch * channels * plane, 71), v => 3 * v + 0.2f);
        var gamma = Random(channels, 72);
        var beta = Random(channels, 73);
        var dy = Random(x.Length, 74);

        ForEachPath(run =>
        {
            var (bn, statistics) = Forward(relu: false);
            var relu = new float[x.Length];
            ReLUKernel.Forward(bn, relu);
            var (fused, fusedStatistics) = Forward(relu: true);
            Same<float>(relu, fused, $"y, {run}");
            Same<float>(statistics, fusedStatistics, $"saved and running statistics, {run}");
            Assert.Contains(fused, v => v == 0f);

            float[] saveMean = statistics[..channels], saveInvStd = statistics[channels..(2 * channels)];
            var reluDx = new float[x.Length];
            ReLUKernel.Backward(relu, dy, reluDx);
            var (dx, dgamma, dbeta) = (Filled(x.Length, float.NaN), new float[channels], new float[channels]);
            BatchNorm2dKernel.Backward(x, gamma, saveMean, saveInvStd, reluDx, dx, dgamma, dbeta, batch, channels, plane);
            var (fusedDx, fusedDgamma, fusedDbeta) = (Filled(x.Length, float.NaN), new float[channels], new float[channels]);
            BatchNorm2dKernel.BackwardThroughReLU(x, gamma, saveMean, saveInvStd, fused, dy, fusedDx, fusedDgamma, fusedDbeta, batch, channels, plane);
            Same<float>(dx, fusedDx, $"dx, {run}");
            Same<float>(dgamma, fusedDgamma, $"dgamma, {run}");
            Same<float>(dbeta, fusedDbeta, $"dbeta, {run}");

            var onlyParameters = new float[channels];
            BatchNorm2dKernel.BackwardThroughReLU(x, gamma, saveMean, saveInvStd, fused, dy, [], onlyParameters, new float[channels], batch, channels, plane);
            Same<float>(dgamma, onlyParameters, $"dgamma without dx, {run}");
        });

        // y and, one after the other, saveMean, saveInvStd, runningMean, runningVar.
        (float[] Y, float[] Statistics) Forward(bool relu)
        {
            var y = Filled(x.Length, float.NaN);
            var statistics = new float[4 * channels];
            var runningMean = statistics.AsSpan(2 * channels, channels);
            var runningVar = statistics.AsSpan(3 * channels, channels);
            runningVar.Fill(1f);
            BatchNorm2dKernel.ForwardTraining(x, gamma, beta, runningMean, runningVar, y, statistics.AsSpan(0, channels),
                statistics.AsSpan(channels, channels), batch, channels, plane, Epsilon, Momentum, relu);
            return (y, statistics);
        }
    }
}

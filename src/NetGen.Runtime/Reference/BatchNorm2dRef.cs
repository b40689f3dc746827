// Scalar reference BatchNorm2d: training forward, inference forward and training backward, with torch's
// running-statistics rule (biased variance normalizes the batch, unbiased variance feeds running_var).
using System.Numerics;

namespace NetGen.Reference;

/// <summary>BatchNorm2d over (N, H, W) per channel. x, y [N, C, plane]; gamma, beta, running stats [C].
/// Training: normalizes with the batch mean and biased variance, stores mean and 1/sqrt(var + eps) in
/// saveMean / saveInvStd [C], and updates running stats as torch does: running = (1 − m)·running + m·batch,
/// where running_var takes the unbiased variance. Inference: uses the running statistics.
/// Backward (training mode) overwrites dx and adds dgamma, dbeta.</summary>
public static class BatchNorm2dRef
{
    // x: [N, C, plane] -> y: [N, C, plane], saveMean, saveInvStd: [C]; runningMean, runningVar: [C] updated
    public static void ForwardTraining<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> gamma, ReadOnlySpan<T> beta,
        Span<T> runningMean, Span<T> runningVar, Span<T> y, Span<T> saveMean, Span<T> saveInvStd,
        int batch, int channels, int plane, double epsilon, double momentum)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int count = batch * plane;
        T m = T.CreateChecked(momentum);
        T eps = T.CreateChecked(epsilon);
        for (int c = 0; c < channels; c++)
        {
            T sum = T.Zero;
            for (int n = 0; n < batch; n++)
                foreach (T v in x.Slice((n * channels + c) * plane, plane)) sum += v;
            T mean = sum / T.CreateChecked(count);

            T squares = T.Zero;
            for (int n = 0; n < batch; n++)
                foreach (T v in x.Slice((n * channels + c) * plane, plane)) squares += (v - mean) * (v - mean);
            T variance = squares / T.CreateChecked(count);
            T invStd = T.One / T.Sqrt(variance + eps);

            for (int n = 0; n < batch; n++)
            {
                int at = (n * channels + c) * plane;
                for (int i = 0; i < plane; i++)
                    y[at + i] = gamma[c] * (x[at + i] - mean) * invStd + beta[c];
            }

            saveMean[c] = mean;
            saveInvStd[c] = invStd;
            // A single value has no unbiased variance; torch would warn, we fall back to the biased one.
            T unbiased = count > 1 ? squares / T.CreateChecked(count - 1) : variance;
            runningMean[c] = (T.One - m) * runningMean[c] + m * mean;
            runningVar[c] = (T.One - m) * runningVar[c] + m * unbiased;
        }
    }

    // x: [N, C, plane] -> y: [N, C, plane], an affine map per channel
    public static void ForwardInference<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> gamma, ReadOnlySpan<T> beta,
        ReadOnlySpan<T> runningMean, ReadOnlySpan<T> runningVar, Span<T> y,
        int batch, int channels, int plane, double epsilon)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        T eps = T.CreateChecked(epsilon);
        for (int c = 0; c < channels; c++)
        {
            T invStd = T.One / T.Sqrt(runningVar[c] + eps);
            for (int n = 0; n < batch; n++)
            {
                int at = (n * channels + c) * plane;
                for (int i = 0; i < plane; i++)
                    y[at + i] = gamma[c] * (x[at + i] - runningMean[c]) * invStd + beta[c];
            }
        }
    }

    // dy: [N, C, plane] -> dx: [N, C, plane], dgamma += [C], dbeta += [C]
    // With x̂ = (x − mean)·invStd and M = N·plane values per channel:
    // dx = gamma·invStd/M · (M·dy − Σdy − x̂·Σ(dy·x̂)), because mean and variance depend on every x of the channel.
    public static void Backward<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> gamma, ReadOnlySpan<T> saveMean, ReadOnlySpan<T> saveInvStd,
        ReadOnlySpan<T> dy, Span<T> dx, Span<T> dgamma, Span<T> dbeta, int batch, int channels, int plane)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        T count = T.CreateChecked(batch * plane);
        for (int c = 0; c < channels; c++)
        {
            T mean = saveMean[c], invStd = saveInvStd[c];
            T sumDy = T.Zero, sumDyXhat = T.Zero;
            for (int n = 0; n < batch; n++)
            {
                int at = (n * channels + c) * plane;
                for (int i = 0; i < plane; i++)
                {
                    sumDy += dy[at + i];
                    sumDyXhat += dy[at + i] * (x[at + i] - mean) * invStd;
                }
            }
            dbeta[c] += sumDy;
            dgamma[c] += sumDyXhat;

            if (dx.Length == 0) continue;
            T scale = gamma[c] * invStd / count;
            for (int n = 0; n < batch; n++)
            {
                int at = (n * channels + c) * plane;
                for (int i = 0; i < plane; i++)
                {
                    T xhat = (x[at + i] - mean) * invStd;
                    dx[at + i] = scale * (count * dy[at + i] - sumDy - xhat * sumDyXhat);
                }
            }
        }
    }
}

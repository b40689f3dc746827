// BatchNorm2d: training forward, inference forward and training backward, one channel per task. Channel sums run in
// double (float lanes widened before they are added), so they stay accurate over large batches and planes. A ReLU right
// after a training batch norm can ride along: clamped in the forward store, masked in the backward's reads of dy.
using System.Runtime.Intrinsics;

namespace NetGen.Kernels;

public static unsafe class BatchNorm2dKernel
{
    // x: [N, C, plane] -> y: [N, C, plane], saveMean, saveInvStd: [C]; runningMean, runningVar: [C] updated; relu: y = max(y, 0)
    // in the same store, so a following ReLU costs no pass of its own (see BackwardThroughReLU)
    public static void ForwardTraining(ReadOnlySpan<float> x, ReadOnlySpan<float> gamma, ReadOnlySpan<float> beta,
        Span<float> runningMean, Span<float> runningVar, Span<float> y, Span<float> saveMean, Span<float> saveInvStd,
        int batch, int channels, int plane, double epsilon, double momentum, bool relu = false)
    {
        RequireForward(x, gamma, beta, runningMean, runningVar, y, batch, channels, plane);
        Spans.Require<float>(saveMean, channels, nameof(saveMean));
        Spans.Require<float>(saveInvStd, channels, nameof(saveInvStd));
        fixed (float* px = x, pg = gamma, pb = beta, prm = runningMean, prv = runningVar, py = y, psm = saveMean, psi = saveInvStd)
        {
            var job = new BatchNormJob
            {
                Mode = BatchNormJob.Training, Path = KernelOptions.Path, X = px, Gamma = pg, Beta = pb, RunningMean = prm, RunningVar = prv,
                Y = py, SaveMean = psm, SaveInvStd = psi, Batch = batch, Channels = channels, Plane = plane,
                Epsilon = epsilon, Momentum = momentum, ReLU = relu,
            };
            WorkerPool.Run(ref job, channels, KernelOptions.Threads);
        }
    }

    // x: [N, C, plane] -> y: [N, C, plane], an affine map per channel from the running statistics
    public static void ForwardInference(ReadOnlySpan<float> x, ReadOnlySpan<float> gamma, ReadOnlySpan<float> beta,
        ReadOnlySpan<float> runningMean, ReadOnlySpan<float> runningVar, Span<float> y, int batch, int channels, int plane, double epsilon)
    {
        RequireForward(x, gamma, beta, runningMean, runningVar, y, batch, channels, plane);
        fixed (float* px = x, pg = gamma, pb = beta, prm = runningMean, prv = runningVar, py = y)
        {
            var job = new BatchNormJob
            {
                Mode = BatchNormJob.Inference, Path = KernelOptions.Path, X = px, Gamma = pg, Beta = pb, RunningMean = prm, RunningVar = prv,
                Y = py, Batch = batch, Channels = channels, Plane = plane, Epsilon = epsilon,
            };
            WorkerPool.Run(ref job, channels, KernelOptions.Threads);
        }
    }

    // dy: [N, C, plane] -> dx: [N, C, plane] (overwritten, skipped if empty), dgamma += [C], dbeta += [C]
    public static void Backward(ReadOnlySpan<float> x, ReadOnlySpan<float> gamma, ReadOnlySpan<float> saveMean, ReadOnlySpan<float> saveInvStd,
        ReadOnlySpan<float> dy, Span<float> dx, Span<float> dgamma, Span<float> dbeta, int batch, int channels, int plane) =>
        Backward(x, gamma, saveMean, saveInvStd, [], dy, dx, dgamma, dbeta, batch, channels, plane);

    // The backward of ForwardTraining(relu: true) followed by the ReLU's: y is the clamped output that forward stored and dy
    // is ∂loss/∂y, so the batch norm's own dy is dy·(y > 0), read on the fly instead of written by a ReLU pass.
    // y, dy: [N, C, plane] -> dx: [N, C, plane] (overwritten, skipped if empty), dgamma += [C], dbeta += [C]
    public static void BackwardThroughReLU(ReadOnlySpan<float> x, ReadOnlySpan<float> gamma, ReadOnlySpan<float> saveMean,
        ReadOnlySpan<float> saveInvStd, ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx, Span<float> dgamma, Span<float> dbeta,
        int batch, int channels, int plane)
    {
        Spans.Require(y, (long)batch * channels * plane, nameof(y));
        Backward(x, gamma, saveMean, saveInvStd, y, dy, dx, dgamma, dbeta, batch, channels, plane);
    }

    // gate: the ReLU output that masks dy, or empty for none.
    private static void Backward(ReadOnlySpan<float> x, ReadOnlySpan<float> gamma, ReadOnlySpan<float> saveMean, ReadOnlySpan<float> saveInvStd,
        ReadOnlySpan<float> gate, ReadOnlySpan<float> dy, Span<float> dx, Span<float> dgamma, Span<float> dbeta, int batch, int channels, int plane)
    {
        long size = (long)batch * channels * plane;
        Spans.Require(x, size, nameof(x));
        Spans.Require(dy, size, nameof(dy));
        Spans.RequireOptional<float>(dx, size, nameof(dx));
        Spans.Require<float>(gamma, channels, nameof(gamma));
        Spans.Require<float>(saveMean, channels, nameof(saveMean));
        Spans.Require<float>(saveInvStd, channels, nameof(saveInvStd));
        Spans.Require<float>(dgamma, channels, nameof(dgamma));
        Spans.Require<float>(dbeta, channels, nameof(dbeta));
        fixed (float* px = x, pg = gamma, psm = saveMean, psi = saveInvStd, pgate = gate, pdy = dy, pdx = dx, pdg = dgamma, pdb = dbeta)
        {
            var job = new BatchNormJob
            {
                Mode = BatchNormJob.Backward, Path = KernelOptions.Path, X = px, Gamma = pg, SaveMean = psm, SaveInvStd = psi,
                Gate = pgate, Dy = pdy, Dx = pdx, Dgamma = pdg, Dbeta = pdb, Batch = batch, Channels = channels, Plane = plane,
            };
            WorkerPool.Run(ref job, channels, KernelOptions.Threads);
        }
    }

    // The tensors both forward modes read and write: x, y: [N, C, plane]; gamma, beta, runningMean, runningVar: [C]
    private static void RequireForward(ReadOnlySpan<float> x, ReadOnlySpan<float> gamma, ReadOnlySpan<float> beta,
        ReadOnlySpan<float> runningMean, ReadOnlySpan<float> runningVar, ReadOnlySpan<float> y, int batch, int channels, int plane)
    {
        long size = (long)batch * channels * plane;
        Spans.Require(x, size, nameof(x));
        Spans.Require(y, size, nameof(y));
        Spans.Require(gamma, channels, nameof(gamma));
        Spans.Require(beta, channels, nameof(beta));
        Spans.Require(runningMean, channels, nameof(runningMean));
        Spans.Require(runningVar, channels, nameof(runningVar));
    }
}

/// <summary>One BatchNorm2d channel per task, in one of the three modes.</summary>
internal unsafe struct BatchNormJob : IParallelJob
{
    public const int Training = 0, Inference = 1, Backward = 2;

    public int Mode;
    public VectorPath Path;
    public float* X, Gamma, Beta, RunningMean, RunningVar, Y, SaveMean, SaveInvStd, Gate, Dy, Dx, Dgamma, Dbeta;
    public int Batch, Channels, Plane;
    public double Epsilon, Momentum;
    // Training forward: clamp y at zero. Backward: Gate (the clamped y) is non-null and masks dy.
    public bool ReLU;

    public void Execute(int task, int worker)
    {
        switch (Mode)
        {
            case Training: ExecuteTraining(task); break;
            case Inference: ExecuteInference(task); break;
            default: ExecuteBackward(task); break;
        }
    }

    private readonly float* At(float* tensor, int n, int c) => tensor + ((long)n * Channels + c) * Plane;

    private readonly void ExecuteTraining(int c)
    {
        long count = (long)Batch * Plane;
        double sum = 0;
        for (int n = 0; n < Batch; n++) sum += Simd.Sum(At(X, n, c), Plane, Path);
        double mean = sum / count;
        double squares = 0;
        for (int n = 0; n < Batch; n++) squares += SquaredDeviations(At(X, n, c), Plane, mean);
        double variance = squares / count;
        double invStd = 1.0 / Math.Sqrt(variance + Epsilon);

        float scale = (float)(Gamma[c] * invStd);
        for (int n = 0; n < Batch; n++) Affine(At(X, n, c), (float)mean, scale, Beta[c], At(Y, n, c), Plane, ReLU);

        SaveMean[c] = (float)mean;
        SaveInvStd[c] = (float)invStd;
        // torch feeds the unbiased variance to running_var; a single value has none, so the biased one stands in.
        double unbiased = count > 1 ? squares / (count - 1) : variance;
        RunningMean[c] = (float)((1 - Momentum) * RunningMean[c] + Momentum * mean);
        RunningVar[c] = (float)((1 - Momentum) * RunningVar[c] + Momentum * unbiased);
    }

    private readonly void ExecuteInference(int c)
    {
        float scale = (float)(Gamma[c] / Math.Sqrt(RunningVar[c] + Epsilon));
        for (int n = 0; n < Batch; n++) Affine(At(X, n, c), RunningMean[c], scale, Beta[c], At(Y, n, c), Plane, relu: false);
    }

    // With x̂ = (x − mean)·invStd and M values per channel: dx = gamma·invStd·(dy − Σdy/M − x̂·Σ(dy·x̂)/M).
    private readonly void ExecuteBackward(int c)
    {
        long count = (long)Batch * Plane;
        float mean = SaveMean[c];
        double invStd = SaveInvStd[c];
        double sumDy = 0, sumDyCentered = 0;
        for (int n = 0; n < Batch; n++)
        {
            var (dy, dyCentered) = SumsForBackward(At(Dy, n, c), Gate == null ? null : At(Gate, n, c), At(X, n, c), mean, Plane);
            sumDy += dy;
            sumDyCentered += dyCentered;
        }
        double sumDyXhat = sumDyCentered * invStd;
        Dbeta[c] += (float)sumDy;
        Dgamma[c] += (float)sumDyXhat;
        if (Dx == null) return;

        double k = Gamma[c] * invStd;
        float dyScale = (float)k, centeredScale = (float)(-k * invStd * sumDyXhat / count), shift = (float)(-k * sumDy / count);
        for (int n = 0; n < Batch; n++)
            InputGradient(At(Dy, n, c), Gate == null ? null : At(Gate, n, c), At(X, n, c), mean, dyScale, centeredScale, shift, At(Dx, n, c), Plane);
    }

    /// <summary>Σ (x − mean)² in double.</summary>
    private readonly double SquaredDeviations(float* x, int count, double mean)
    {
        int i = 0;
        double sum = 0;
        if (Path == VectorPath.Vector512)
        {
            Vector512<double> acc = default, m = Vector512.Create(mean);
            for (; i <= count - 16; i += 16)
            {
                var (lo, hi) = Vector512.Widen(Vector512.Load(x + i));
                lo -= m;
                hi -= m;
                acc = Vector512.FusedMultiplyAdd(lo, lo, Vector512.FusedMultiplyAdd(hi, hi, acc));
            }
            sum = Vector512.Sum(acc);
        }
        else if (Path == VectorPath.Vector256)
        {
            Vector256<double> acc = default, m = Vector256.Create(mean);
            for (; i <= count - 8; i += 8)
            {
                var (lo, hi) = Vector256.Widen(Vector256.Load(x + i));
                lo -= m;
                hi -= m;
                acc = Vector256.FusedMultiplyAdd(lo, lo, Vector256.FusedMultiplyAdd(hi, hi, acc));
            }
            sum = Vector256.Sum(acc);
        }
        for (; i < count; i++) sum += ((double)x[i] - mean) * ((double)x[i] - mean);
        return sum;
    }

    /// <summary>(Σ dy, Σ dy·(x − mean)) in double, with dy masked by gate &gt; 0 when a gate is given.</summary>
    private readonly (double Dy, double DyCentered) SumsForBackward(float* dy, float* gate, float* x, float mean, int count)
    {
        int i = 0;
        double sumDy = 0, sumDyCentered = 0;
        if (Path == VectorPath.Vector512)
        {
            Vector512<double> accDy = default, accDyCentered = default;
            var m = Vector512.Create(mean);
            for (; i <= count - 16; i += 16)
            {
                var (dyLo, dyHi) = Vector512.Widen(Masked512(dy, gate, i));
                var (xLo, xHi) = Vector512.Widen(Vector512.Load(x + i) - m);
                accDy += dyLo + dyHi;
                accDyCentered = Vector512.FusedMultiplyAdd(dyLo, xLo, Vector512.FusedMultiplyAdd(dyHi, xHi, accDyCentered));
            }
            sumDy = Vector512.Sum(accDy);
            sumDyCentered = Vector512.Sum(accDyCentered);
        }
        else if (Path == VectorPath.Vector256)
        {
            Vector256<double> accDy = default, accDyCentered = default;
            var m = Vector256.Create(mean);
            for (; i <= count - 8; i += 8)
            {
                var (dyLo, dyHi) = Vector256.Widen(Masked256(dy, gate, i));
                var (xLo, xHi) = Vector256.Widen(Vector256.Load(x + i) - m);
                accDy += dyLo + dyHi;
                accDyCentered = Vector256.FusedMultiplyAdd(dyLo, xLo, Vector256.FusedMultiplyAdd(dyHi, xHi, accDyCentered));
            }
            sumDy = Vector256.Sum(accDy);
            sumDyCentered = Vector256.Sum(accDyCentered);
        }
        for (; i < count; i++)
        {
            float d = Masked(dy, gate, i);
            sumDy += d;
            sumDyCentered += (double)d * (x[i] - mean);
        }
        return (sumDy, sumDyCentered);
    }

    /// <summary>y = (x − shift)·scale + bias, then with <paramref name="relu"/> y &gt; 0 ? y : 0 (as ReLUKernel: NaN gives 0).</summary>
    private readonly void Affine(float* x, float shift, float scale, float bias, float* y, int count, bool relu)
    {
        int i = 0;
        if (Path == VectorPath.Vector512)
        {
            Vector512<float> s = Vector512.Create(shift), k = Vector512.Create(scale), b = Vector512.Create(bias);
            if (relu)
                for (; i <= count - 16; i += 16)
                {
                    var v = Vector512.FusedMultiplyAdd(Vector512.Load(x + i) - s, k, b);
                    Vector512.ConditionalSelect(Vector512.GreaterThan(v, Vector512<float>.Zero), v, Vector512<float>.Zero).Store(y + i);
                }
            else
                for (; i <= count - 16; i += 16) Vector512.FusedMultiplyAdd(Vector512.Load(x + i) - s, k, b).Store(y + i);
        }
        else if (Path == VectorPath.Vector256)
        {
            Vector256<float> s = Vector256.Create(shift), k = Vector256.Create(scale), b = Vector256.Create(bias);
            if (relu)
                for (; i <= count - 8; i += 8)
                {
                    var v = Vector256.FusedMultiplyAdd(Vector256.Load(x + i) - s, k, b);
                    Vector256.ConditionalSelect(Vector256.GreaterThan(v, Vector256<float>.Zero), v, Vector256<float>.Zero).Store(y + i);
                }
            else
                for (; i <= count - 8; i += 8) Vector256.FusedMultiplyAdd(Vector256.Load(x + i) - s, k, b).Store(y + i);
        }
        for (; i < count; i++)
        {
            float v = Simd.Mad(x[i] - shift, scale, bias);
            y[i] = relu && !(v > 0f) ? 0f : v;
        }
    }

    /// <summary>dx = dy·dyScale + (x − mean)·centeredScale + shift, with dy masked by gate &gt; 0 when a gate is given.</summary>
    private readonly void InputGradient(float* dy, float* gate, float* x, float mean, float dyScale, float centeredScale, float shift, float* dx, int count)
    {
        int i = 0;
        if (Path == VectorPath.Vector512)
        {
            Vector512<float> m = Vector512.Create(mean), a = Vector512.Create(dyScale), c = Vector512.Create(centeredScale), s = Vector512.Create(shift);
            for (; i <= count - 16; i += 16)
                Vector512.FusedMultiplyAdd(Masked512(dy, gate, i), a, Vector512.FusedMultiplyAdd(Vector512.Load(x + i) - m, c, s)).Store(dx + i);
        }
        else if (Path == VectorPath.Vector256)
        {
            Vector256<float> m = Vector256.Create(mean), a = Vector256.Create(dyScale), c = Vector256.Create(centeredScale), s = Vector256.Create(shift);
            for (; i <= count - 8; i += 8)
                Vector256.FusedMultiplyAdd(Masked256(dy, gate, i), a, Vector256.FusedMultiplyAdd(Vector256.Load(x + i) - m, c, s)).Store(dx + i);
        }
        for (; i < count; i++) dx[i] = Simd.Mad(Masked(dy, gate, i), dyScale, Simd.Mad(x[i] - mean, centeredScale, shift));
    }

    // dy where the gate (a ReLU's output) is positive, else 0, exactly as ReLUKernel.Backward writes it; dy itself without a gate.
    private static Vector512<float> Masked512(float* dy, float* gate, int i) => gate == null
        ? Vector512.Load(dy + i)
        : Vector512.ConditionalSelect(Vector512.GreaterThan(Vector512.Load(gate + i), Vector512<float>.Zero), Vector512.Load(dy + i), Vector512<float>.Zero);

    private static Vector256<float> Masked256(float* dy, float* gate, int i) => gate == null
        ? Vector256.Load(dy + i)
        : Vector256.ConditionalSelect(Vector256.GreaterThan(Vector256.Load(gate + i), Vector256<float>.Zero), Vector256.Load(dy + i), Vector256<float>.Zero);

    private static float Masked(float* dy, float* gate, int i) => gate == null || gate[i] > 0f ? dy[i] : 0f;
}

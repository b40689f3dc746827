// Per-epoch learning-rate schedules: constant, cosine annealing and step decay (torch's CosineAnnealingLR and StepLR, per epoch).
namespace NetGen.Training;

public interface ILearningRateSchedule
{
    /// <summary>Learning rate for 0-based <paramref name="epoch"/> of <paramref name="epochs"/>, starting from <paramref name="baseRate"/>.</summary>
    double At(int epoch, int epochs, double baseRate);
}

public sealed class ConstantSchedule : ILearningRateSchedule
{
    public double At(int epoch, int epochs, double baseRate) => baseRate;
}

/// <summary>η_e = η_min + (η_0 − η_min)·(1 + cos(π·e / E)) / 2 with η_min = <see cref="MinFactor"/>·η_0.</summary>
public sealed class CosineSchedule(double minFactor = 0) : ILearningRateSchedule
{
    public double MinFactor { get; } = minFactor is >= 0 and <= 1 ? minFactor : throw new ArgumentOutOfRangeException(nameof(minFactor), minFactor, "must be in [0, 1]");

    public double At(int epoch, int epochs, double baseRate)
    {
        double min = MinFactor * baseRate;
        return min + (baseRate - min) * (1 + Math.Cos(Math.PI * epoch / Math.Max(1, epochs))) / 2;
    }
}

/// <summary>η_e = η_0·γ^⌊e / <see cref="StepEpochs"/>⌋.</summary>
public sealed class StepSchedule(int stepEpochs, double gamma = 0.1) : ILearningRateSchedule
{
    public int StepEpochs { get; } = stepEpochs >= 1 ? stepEpochs : throw new ArgumentOutOfRangeException(nameof(stepEpochs), stepEpochs, "must be ≥ 1");
    public double Gamma { get; } = gamma;

    public double At(int epoch, int epochs, double baseRate) => baseRate * Math.Pow(Gamma, epoch / StepEpochs);
}

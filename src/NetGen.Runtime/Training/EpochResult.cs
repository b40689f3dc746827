// One epoch's numbers as the trainer reports them, and the plain text line a console prints for it.
using System.Globalization;

namespace NetGen.Training;

/// <summary>Epoch is 1-based. Losses are per-image means; accuracy and IoU are on the validation set.
/// <see cref="ClassIoU"/> is NaN for classes absent from both truth and prediction.</summary>
public sealed record EpochResult(
    int Epoch,
    double LearningRate,
    double TrainLoss,
    double ValidationLoss,
    double PixelAccuracy,
    double MeanIoU,
    IReadOnlyList<double> ClassIoU,
    TimeSpan Elapsed,
    TimeSpan Total)
{
    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"epoch {Epoch,3}  lr {LearningRate,9:0.#####}  train loss {TrainLoss:F4}  val loss {ValidationLoss:F4}  pixel acc {PixelAccuracy:F4}  mIoU {MeanIoU:F4}  {Elapsed.TotalSeconds,6:F1}s");
}

/// <summary>Every epoch's result in order, and why training stopped.</summary>
public sealed record TrainingHistory(IReadOnlyList<EpochResult> Epochs, StopReason StopReason)
{
    public EpochResult? Last => Epochs.Count == 0 ? null : Epochs[^1];
}

public enum StopReason
{
    EpochsDone,
    TargetReached,
    TimeBudget,
}

// What a training run does: how long, in which batches, with which seed, schedule and stopping rule.
namespace NetGen.Training;

public sealed record TrainerOptions
{
    public int Epochs { get; init; } = 10;
    public int BatchSize { get; init; } = 16;
    /// <summary>Seeds the per-epoch shuffling of the training set.</summary>
    public int Seed { get; init; } = 1;
    /// <summary>No epoch is started that would, at the average epoch time so far, end past this budget.</summary>
    public TimeSpan? TimeBudget { get; init; }
    /// <summary>Sets the optimizer's learning rate at the start of each epoch, from the rate the optimizer had when Fit began.</summary>
    public ILearningRateSchedule Schedule { get; init; } = new ConstantSchedule();
    /// <summary>Checked after each epoch; true stops training (early stopping on a target metric).</summary>
    public Func<EpochResult, bool>? StopWhen { get; init; }
}

// The training loop: seeded shuffling, mini-batch forward/loss/backward/step, a validation pass and a report per epoch.
using System.Diagnostics;
using NetGen.Data;
using NetGen.Losses;
using NetGen.Model;
using NetGen.Optimizers;

namespace NetGen.Training;

/// <summary>Trains one network with one optimizer and loss. Batch buffers (inputs, labels, ∂loss/∂logits) are allocated
/// once, in the constructor, for <see cref="TrainerOptions.BatchSize"/> images.</summary>
public sealed class Trainer
{
    private readonly ISegmentationNetwork _network;
    private readonly IOptimizer _optimizer;
    private readonly SoftmaxCrossEntropy _loss;
    private readonly TrainerOptions _options;
    private readonly Evaluator _evaluator;
    private readonly float[] _input, _dlogits;
    private readonly int[] _labels;

    public Trainer(ISegmentationNetwork network, IOptimizer optimizer, SoftmaxCrossEntropy loss, TrainerOptions options)
    {
        var info = network.Info;
        if (options.Epochs < 1) throw new ArgumentOutOfRangeException(nameof(options), options.Epochs, "epochs must be ≥ 1");
        if (options.BatchSize < 1 || options.BatchSize > network.MaxBatch)
            throw new ArgumentOutOfRangeException(nameof(options), options.BatchSize, $"batch size must be in [1, {network.MaxBatch}] (the network's MaxBatch)");
        var logits = new Shape(info.Classes, info.Input.H, info.Input.W);
        if (loss.Shape != logits) throw new ArgumentException($"loss is for logits {loss.Shape} but network {info.Name} outputs {logits}", nameof(loss));
        _network = network;
        _optimizer = optimizer;
        _loss = loss;
        _options = options;
        _evaluator = new Evaluator(network, loss, options.BatchSize);
        _input = new float[options.BatchSize * info.Input.Size];
        _dlogits = new float[options.BatchSize * logits.Size];
        _labels = new int[options.BatchSize * logits.H * logits.W];
    }

    /// <summary>Trains on <paramref name="train"/>, measuring <paramref name="validation"/> after each epoch;
    /// <paramref name="onEpoch"/> receives each result as soon as it is known.</summary>
    public TrainingHistory Fit(SegmentationDataset train, SegmentationDataset validation, Action<EpochResult>? onEpoch = null)
    {
        Batches.CheckCompatible(_network, train);
        Batches.CheckCompatible(_network, validation);
        if (train.Count == 0) throw new ArgumentException("training set is empty", nameof(train));

        double baseRate = _optimizer.LearningRate;
        var order = Enumerable.Range(0, train.Count).ToArray();
        var shuffle = new Random(_options.Seed);
        var results = new List<EpochResult>();
        var total = Stopwatch.StartNew();
        for (int epoch = 0; epoch < _options.Epochs; epoch++)
        {
            if (_options.TimeBudget is { } budget && epoch > 0 && total.Elapsed + total.Elapsed / epoch > budget)
                return new TrainingHistory(results, StopReason.TimeBudget);

            var watch = Stopwatch.StartNew();
            _optimizer.LearningRate = _options.Schedule.At(epoch, _options.Epochs, baseRate);
            shuffle.Shuffle(order);
            double trainLoss = TrainEpoch(train, order, epoch);
            double validationLoss = _evaluator.Evaluate(validation);
            var confusion = _evaluator.Confusion;
            var result = new EpochResult(epoch + 1, _optimizer.LearningRate, trainLoss, validationLoss, confusion.PixelAccuracy,
                confusion.MeanIoU, Enumerable.Range(0, confusion.Classes).Select(confusion.IoU).ToArray(), watch.Elapsed, total.Elapsed);
            results.Add(result);
            onEpoch?.Invoke(result);
            if (_options.StopWhen?.Invoke(result) == true) return new TrainingHistory(results, StopReason.TargetReached);
        }
        return new TrainingHistory(results, StopReason.EpochsDone);
    }

    // One pass over the shuffled training set; returns the loss averaged over images.
    private double TrainEpoch(SegmentationDataset train, int[] order, int epoch)
    {
        int size = train.ImageShape.Size, plane = train.Height * train.Width, logitsSize = _loss.Shape.Size;
        double lossSum = 0;
        for (int start = 0; start < order.Length; start += _options.BatchSize)
        {
            int batch = Math.Min(_options.BatchSize, order.Length - start);
            Batches.Gather(train, order.AsSpan(start, batch), _input, _labels);
            _network.ZeroGrad();
            var logits = _network.Forward(_input.AsSpan(0, batch * size), batch, training: true);
            var dlogits = _dlogits.AsSpan(0, batch * logitsSize);
            float loss = _loss.Forward(logits, _labels.AsSpan(0, batch * plane), dlogits, batch);
            if (!float.IsFinite(loss))
                throw new InvalidOperationException($"training diverged in epoch {epoch + 1} at image {start}: loss is {loss}; lower the learning rate");
            _network.Backward(dlogits, batch);
            _optimizer.Step(_network.Parameters);
            lossSum += batch * (double)loss;
        }
        return lossSum / order.Length;
    }
}

// Inference-mode pass over a dataset: mean loss and the confusion matrix of the network's per-pixel argmax.
using NetGen.Data;
using NetGen.Losses;
using NetGen.Model;

namespace NetGen.Training;

/// <summary>Loss and confusion counts of <see cref="Network"/> on a dataset. Batch buffers are allocated once.</summary>
public sealed class Evaluator
{
    private readonly SoftmaxCrossEntropy _loss;
    private readonly float[] _input;
    private readonly int[] _labels, _predicted;

    public Evaluator(ISegmentationNetwork network, SoftmaxCrossEntropy loss, int batchSize)
    {
        if (batchSize < 1 || batchSize > network.MaxBatch)
            throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, $"batch size must be in [1, {network.MaxBatch}] (the network's MaxBatch)");
        Network = network;
        _loss = loss;
        BatchSize = batchSize;
        var info = network.Info;
        int plane = info.Input.H * info.Input.W;
        _input = new float[batchSize * info.Input.Size];
        _labels = new int[batchSize * plane];
        _predicted = new int[batchSize * plane];
        Confusion = new ConfusionMatrix(info.Classes, loss.IgnoreLabel);
    }

    public ISegmentationNetwork Network { get; }
    public int BatchSize { get; }

    /// <summary>Counts of the last <see cref="Evaluate"/> call.</summary>
    public ConfusionMatrix Confusion { get; }

    /// <summary>Runs the whole dataset in inference mode; returns the loss averaged over images and refills <see cref="Confusion"/>.</summary>
    public double Evaluate(SegmentationDataset data)
    {
        Batches.CheckCompatible(Network, data);
        Confusion.Reset();
        var shape = _loss.Shape;
        int plane = shape.H * shape.W;
        double lossSum = 0;
        for (int start = 0; start < data.Count; start += BatchSize)
        {
            int batch = Math.Min(BatchSize, data.Count - start);
            data.Images.Slice(start * data.ImageShape.Size, batch * data.ImageShape.Size).CopyTo(_input);
            data.Labels.Slice(start * plane, batch * plane).CopyTo(_labels);
            var logits = Network.Forward(_input.AsSpan(0, batch * data.ImageShape.Size), batch, training: false);
            lossSum += batch * (double)_loss.Forward(logits, _labels.AsSpan(0, batch * plane), [], batch);
            Argmax.Planar(logits, _predicted, batch, shape);
            Confusion.Add(_labels.AsSpan(0, batch * plane), _predicted.AsSpan(0, batch * plane));
        }
        return data.Count == 0 ? 0 : lossSum / data.Count;
    }
}

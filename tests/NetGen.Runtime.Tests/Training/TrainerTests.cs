// Training loop smoke tests with the hand-written per-pixel network: loss falls, accuracy rises, stopping rules hold.
using NetGen.Data;
using NetGen.Losses;
using NetGen.Model;
using NetGen.Optimizers;
using NetGen.Training;

namespace NetGen.Runtime.Tests.Training;

public class TrainerTests
{
    private static readonly Shape Image = new(3, 8, 8);

    [Fact]
    public void Loss_falls_and_accuracy_rises()
    {
        var split = new DatasetSplit(ColourCodedSet(48, seed: 1), ColourCodedSet(16, seed: 2));
        var network = new PixelLinearNetwork(Image, classes: 3, maxBatch: 8);
        var trainer = new Trainer(network, new Adam(0.05), new SoftmaxCrossEntropy(new Shape(3, 8, 8)),
            new TrainerOptions { Epochs = 6, BatchSize = 8, Seed = 3 });
        var lines = new List<string>();

        var history = trainer.Fit(split.Train, split.Validation, r => lines.Add(r.ToString()));

        Assert.Equal(StopReason.EpochsDone, history.StopReason);
        Assert.Equal(6, history.Epochs.Count);
        Assert.Equal(6, lines.Count);
        Assert.StartsWith("epoch   1", lines[0]);
        var first = history.Epochs[0];
        var last = history.Last!;
        Assert.True(last.TrainLoss < 0.5 * first.TrainLoss, $"train loss {first.TrainLoss} → {last.TrainLoss}");
        Assert.True(last.ValidationLoss < first.ValidationLoss, $"val loss {first.ValidationLoss} → {last.ValidationLoss}");
        Assert.True(last.PixelAccuracy > 0.95, $"pixel accuracy {last.PixelAccuracy}");
        Assert.True(last.MeanIoU > 0.9, $"mIoU {last.MeanIoU}");
    }

    [Fact]
    public void Same_seed_trains_identically()
    {
        var data = ColourCodedSet(24, seed: 5);
        double Run()
        {
            var network = new PixelLinearNetwork(Image, 3, 8);
            network.Parameters["classifier.weight"].Value[0] = 0.1f;
            var trainer = new Trainer(network, new Sgd(0.1, momentum: 0.9), new SoftmaxCrossEntropy(new Shape(3, 8, 8)),
                new TrainerOptions { Epochs = 2, BatchSize = 5, Seed = 9 });
            return trainer.Fit(data, data).Last!.TrainLoss;
        }
        Assert.Equal(Run(), Run());
    }

    [Fact]
    public void Stops_early_when_the_target_is_reached_and_follows_the_schedule()
    {
        var data = ColourCodedSet(16, seed: 7);
        var network = new PixelLinearNetwork(Image, 3, 4);
        var optimizer = new Sgd(0.4);
        var trainer = new Trainer(network, optimizer, new SoftmaxCrossEntropy(new Shape(3, 8, 8)),
            new TrainerOptions { Epochs = 50, BatchSize = 4, Schedule = new StepSchedule(1, 0.5), StopWhen = r => r.Epoch == 3 });
        var history = trainer.Fit(data, data);
        Assert.Equal(StopReason.TargetReached, history.StopReason);
        Assert.Equal([0.4, 0.2, 0.1], history.Epochs.Select(e => e.LearningRate));
    }

    [Fact]
    public void Batch_larger_than_the_network_allows_is_rejected()
    {
        var network = new PixelLinearNetwork(Image, 3, 4);
        var e = Assert.Throws<ArgumentOutOfRangeException>(() =>
            new Trainer(network, new Sgd(0.1), new SoftmaxCrossEntropy(new Shape(3, 8, 8)), new TrainerOptions { BatchSize = 5 }));
        Assert.Contains("MaxBatch", e.Message);
    }

    [Fact]
    public void Cosine_schedule_goes_from_base_to_minimum()
    {
        var cosine = new CosineSchedule(minFactor: 0.1);
        Assert.Equal(1.0, cosine.At(0, 10, 1.0), 12);
        Assert.Equal(0.55, cosine.At(5, 10, 1.0), 12);
        Assert.Equal(0.1, cosine.At(10, 10, 1.0), 12);
    }

    // Each 4×4 quadrant of an 8×8 image has one class whose channel is bright, under noise: learnable per pixel.
    private static SegmentationDataset ColourCodedSet(int count, int seed)
    {
        var rng = new Random(seed);
        var images = new float[count * Image.Size];
        var labels = new int[count * 64];
        for (int n = 0; n < count; n++)
            for (int q = 0; q < 4; q++)
            {
                int cls = rng.Next(3);
                for (int p = 0; p < 64; p++)
                {
                    int y = p / 8, x = p % 8;
                    if ((y / 4) * 2 + x / 4 != q) continue;
                    labels[n * 64 + p] = cls;
                    for (int c = 0; c < 3; c++)
                        images[n * Image.Size + c * 64 + p] = (c == cls ? 1.5f : -0.5f) + 0.6f * (rng.NextSingle() - 0.5f);
                }
            }
        return new SegmentationDataset(images, labels, count, Image, ["red", "green", "blue"]);
    }
}

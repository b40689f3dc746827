// A generated network trained end to end with the real Trainer, Adam and SoftmaxCrossEntropy on synthetic shapes: the
// loss must fall and the accuracy rise, so forward, backward (through the reused gradient buffers and a skip) and the
// optimizer work together, not only each against its reference.
using NetGen;
using NetGen.Data;
using NetGen.Losses;
using NetGen.Optimizers;
using NetGen.Training;
using Xunit.Abstractions;

namespace NetGen.EndToEnd.Tests;

/// <summary>A small U-Net for the 64×64 shapes: one conv block down, a skip across the pool, mirrored deconvs up.</summary>
[Network(InputChannels = 3, Height = 64, Width = 64, Classes = 4)]
[Conv2d(8, 3, Padding = 1), BatchNorm2d, ReLU]
[Skip("e1")]
[MaxPool2d(2)]
[Conv2d(16, 3, Padding = 1), BatchNorm2d, ReLU]
[ConvTranspose2d(8, 3, Padding = 1), ReLU]
[MaxUnpool2d]
[Concat("e1")]
[ConvTranspose2d(8, 3, Padding = 1), ReLU]
[Classifier]
public partial class ShapesSmokeNet;

public class TrainingSmokeTests(ITestOutputHelper output)
{
    // Telling the shapes apart on new images takes far more training than a test can afford (the Shapes example needs
    // ~16 s), so the network fits a handful of images and is measured on them: that still needs every gradient right.
    [Fact]
    public void Training_lowers_the_loss_and_raises_the_accuracy()
    {
        var images = SyntheticShapes.Generate(count: 8, seed: 3);
        var network = new ShapesSmokeNet(maxBatch: 4, seed: 1);
        var loss = new SoftmaxCrossEntropy(new(ShapesSmokeNet.Classes, ShapesSmokeNet.Height, ShapesSmokeNet.Width));
        var trainer = new Trainer(network, new Adam(learningRate: 1e-2), loss, new TrainerOptions { Epochs = 30, BatchSize = 4, Seed = 2 });

        var history = trainer.Fit(images, images, epoch => output.WriteLine(epoch.ToString()));

        var first = history.Epochs[0];
        var last = history.Last!;
        Assert.Equal(StopReason.EpochsDone, history.StopReason);
        Assert.True(last.TrainLoss < 0.5 * first.TrainLoss, $"train loss {first.TrainLoss:F4} -> {last.TrainLoss:F4}");
        Assert.True(last.ValidationLoss < 0.5 * first.ValidationLoss, $"evaluation loss {first.ValidationLoss:F4} -> {last.ValidationLoss:F4}");
        Assert.True(last.PixelAccuracy > first.PixelAccuracy + 0.1, $"pixel accuracy {first.PixelAccuracy:F4} -> {last.PixelAccuracy:F4}");
    }
}

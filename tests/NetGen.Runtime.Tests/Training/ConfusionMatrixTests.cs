// Pixel accuracy, per-class IoU and mean IoU on a hand-made confusion, with an ignored pixel and an absent class.
using NetGen.Training;

namespace NetGen.Runtime.Tests.Training;

public class ConfusionMatrixTests
{
    [Fact]
    public void Metrics_of_a_hand_made_confusion()
    {
        // Counted pairs (truth, prediction): (0,0)×3, (0,1), (1,1), (1,2), (2,2); the pixel with truth 255 is ignored.
        var matrix = new ConfusionMatrix(classes: 4, ignoreLabel: 255);
        matrix.Add([0, 0, 0, 1, 1, 2, 255, 0], [0, 0, 1, 1, 2, 2, 1, 0]);

        Assert.Equal(7, matrix.Total);
        Assert.Equal(3, matrix[0, 0]);
        Assert.Equal(5.0 / 7, matrix.PixelAccuracy, 12);
        Assert.Equal(3.0 / 4, matrix.IoU(0), 12);  // TP 3, truth 4, predicted 3
        Assert.Equal(1.0 / 3, matrix.IoU(1), 12);  // TP 1, truth 2, predicted 2
        Assert.Equal(1.0 / 2, matrix.IoU(2), 12);  // TP 1, truth 1, predicted 2
        Assert.True(double.IsNaN(matrix.IoU(3)));  // absent from truth and prediction: not averaged
        Assert.Equal((3.0 / 4 + 1.0 / 3 + 1.0 / 2) / 3, matrix.MeanIoU, 12);
    }

    [Fact]
    public void Class_only_predicted_counts_with_zero_IoU()
    {
        var matrix = new ConfusionMatrix(3);
        matrix.Add([0, 0], [0, 2]);
        Assert.Equal(0.0, matrix.IoU(2));
        Assert.Equal((0.5 + 0.0) / 2, matrix.MeanIoU, 12);
        matrix.Reset();
        Assert.Equal(0, matrix.Total);
    }

    [Fact]
    public void Out_of_range_prediction_is_rejected()
    {
        var e = Assert.Throws<ArgumentException>(() => new ConfusionMatrix(2).Add([0, 1], [0, 5]));
        Assert.Contains("predicted class 5 at pixel 1", e.Message);
    }
}

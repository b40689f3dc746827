// Pixel confusion counts for segmentation and the metrics read from them: pixel accuracy, per-class IoU, mean IoU.
namespace NetGen.Training;

/// <summary>Counts[truth, prediction] over labeled pixels. Pixels whose truth is the ignore label are not counted.</summary>
public sealed class ConfusionMatrix
{
    private readonly long[] _counts;

    public ConfusionMatrix(int classes, int? ignoreLabel = null)
    {
        if (classes < 1) throw new ArgumentOutOfRangeException(nameof(classes), classes, "need at least one class");
        Classes = classes;
        IgnoreLabel = ignoreLabel;
        _counts = new long[classes * classes];
    }

    public int Classes { get; }
    public int? IgnoreLabel { get; }

    public long this[int truth, int prediction] => _counts[truth * Classes + prediction];

    public long Total
    {
        get
        {
            long n = 0;
            foreach (long c in _counts) n += c;
            return n;
        }
    }

    public void Reset() => Array.Clear(_counts);

    /// <summary>Adds one count per pixel; <paramref name="truth"/> and <paramref name="prediction"/> are [N, H, W] class maps.</summary>
    public void Add(ReadOnlySpan<int> truth, ReadOnlySpan<int> prediction)
    {
        if (truth.Length != prediction.Length)
            throw new ArgumentException($"truth has {truth.Length} pixels but prediction has {prediction.Length}", nameof(prediction));
        for (int i = 0; i < truth.Length; i++)
        {
            int t = truth[i], p = prediction[i];
            if (t == IgnoreLabel) continue;
            if ((uint)t >= (uint)Classes) throw new ArgumentException($"truth label {t} at pixel {i} is outside [0, {Classes})", nameof(truth));
            if ((uint)p >= (uint)Classes) throw new ArgumentException($"predicted class {p} at pixel {i} is outside [0, {Classes})", nameof(prediction));
            _counts[t * Classes + p]++;
        }
    }

    /// <summary>Correct pixels / counted pixels (0 when nothing was counted).</summary>
    public double PixelAccuracy
    {
        get
        {
            long correct = 0;
            for (int c = 0; c < Classes; c++) correct += this[c, c];
            long total = Total;
            return total == 0 ? 0 : (double)correct / total;
        }
    }

    /// <summary>IoU of one class: TP / (TP + FP + FN); NaN when the class occurs in neither truth nor prediction.</summary>
    public double IoU(int c)
    {
        long truePositive = this[c, c], truth = 0, predicted = 0;
        for (int k = 0; k < Classes; k++)
        {
            truth += this[c, k];
            predicted += this[k, c];
        }
        long union = truth + predicted - truePositive;
        return union == 0 ? double.NaN : (double)truePositive / union;
    }

    /// <summary>Mean of <see cref="IoU"/> over the classes present in truth or prediction (NaN when none is).</summary>
    public double MeanIoU
    {
        get
        {
            double sum = 0;
            int present = 0;
            for (int c = 0; c < Classes; c++)
            {
                double iou = IoU(c);
                if (double.IsNaN(iou)) continue;
                sum += iou;
                present++;
            }
            return present == 0 ? double.NaN : sum / present;
        }
    }
}

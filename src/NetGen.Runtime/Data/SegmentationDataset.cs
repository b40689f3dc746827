// An in-memory segmentation dataset: images [N, C, H, W] (normalized floats), labels [N, H, W], and what the classes are.
using NetGen.Model;

namespace NetGen.Data;

/// <summary>Images and per-pixel labels held in two flat arrays. Labels are class indices in [0, Classes) or the ignore label.
/// <see cref="Normalization"/> records how raw [0, 1] pixel values were mapped to the stored floats, so they can be shown again.</summary>
public sealed class SegmentationDataset
{
    private readonly float[] _images;
    private readonly int[] _labels;

    public SegmentationDataset(float[] images, int[] labels, int count, Shape imageShape, IReadOnlyList<string> classNames,
        InputNormalization? normalization = null, int? ignoreLabel = null)
    {
        if (count < 0) throw new ArgumentOutOfRangeException(nameof(count), count, "count must be ≥ 0");
        if (classNames.Count < 1) throw new ArgumentException("need at least one class name", nameof(classNames));
        if (images.Length != count * imageShape.Size)
            throw new ArgumentException($"{images.Length} image values given for {count} images of {imageShape}", nameof(images));
        int plane = imageShape.H * imageShape.W;
        if (labels.Length != count * plane)
            throw new ArgumentException($"{labels.Length} labels given for {count} maps of {imageShape.H}×{imageShape.W}", nameof(labels));
        if (normalization is not null && normalization.Mean.Length != imageShape.C)
            throw new ArgumentException($"normalization has {normalization.Mean.Length} channels, images have {imageShape.C}", nameof(normalization));
        for (int i = 0; i < labels.Length; i++)
        {
            int y = labels[i];
            if ((uint)y >= (uint)classNames.Count && y != ignoreLabel)
                throw new ArgumentException($"label {y} of image {i / plane}, pixel (y={i % plane / imageShape.W}, x={i % imageShape.W}) is outside [0, {classNames.Count})", nameof(labels));
        }
        _images = images;
        _labels = labels;
        Count = count;
        ImageShape = imageShape;
        ClassNames = classNames;
        Normalization = normalization;
        IgnoreLabel = ignoreLabel;
    }

    public int Count { get; }
    /// <summary>Per-image shape [C, H, W].</summary>
    public Shape ImageShape { get; }
    public int Height => ImageShape.H;
    public int Width => ImageShape.W;
    public int Classes => ClassNames.Count;
    public IReadOnlyList<string> ClassNames { get; }
    public InputNormalization? Normalization { get; }
    public int? IgnoreLabel { get; }

    /// <summary>All images, [N, C, H, W].</summary>
    public ReadOnlySpan<float> Images => _images;
    /// <summary>All label maps, [N, H, W].</summary>
    public ReadOnlySpan<int> Labels => _labels;

    public ReadOnlySpan<float> Image(int index) => _images.AsSpan(Checked(index) * ImageShape.Size, ImageShape.Size);
    public ReadOnlySpan<int> Label(int index) => _labels.AsSpan(Checked(index) * Height * Width, Height * Width);

    /// <summary>A new dataset holding copies of the listed images, in that order.</summary>
    public SegmentationDataset Subset(ReadOnlySpan<int> indices)
    {
        int size = ImageShape.Size, plane = Height * Width;
        var images = new float[indices.Length * size];
        var labels = new int[indices.Length * plane];
        for (int i = 0; i < indices.Length; i++)
        {
            Image(indices[i]).CopyTo(images.AsSpan(i * size));
            Label(indices[i]).CopyTo(labels.AsSpan(i * plane));
        }
        return new SegmentationDataset(images, labels, indices.Length, ImageShape, ClassNames, Normalization, IgnoreLabel);
    }

    /// <summary>Shuffles (seeded) and splits off <paramref name="validationFraction"/> of the images for validation.</summary>
    public DatasetSplit Split(double validationFraction, int seed)
    {
        if (!(validationFraction > 0 && validationFraction < 1))
            throw new ArgumentOutOfRangeException(nameof(validationFraction), validationFraction, "must be in (0, 1)");
        int[] order = Enumerable.Range(0, Count).ToArray();
        new Random(seed).Shuffle(order);
        int validation = (int)Math.Round(Count * validationFraction);
        return new DatasetSplit(Subset(order.AsSpan(validation)), Subset(order.AsSpan(0, validation)));
    }

    private int Checked(int index) =>
        (uint)index < (uint)Count ? index : throw new ArgumentOutOfRangeException(nameof(index), index, $"dataset has {Count} images");
}

/// <summary>A training set and the validation set it is measured on.</summary>
public sealed record DatasetSplit(SegmentationDataset Train, SegmentationDataset Validation);

/// <summary>Per-channel affine map from raw pixel values v in [0, 1] to stored inputs: x = (v − Mean[c]) / Std[c].</summary>
public sealed record InputNormalization(float[] Mean, float[] Std)
{
    public float Normalize(float value, int channel) => (value - Mean[channel]) / Std[channel];
    public float Denormalize(float value, int channel) => value * Std[channel] + Mean[channel];
}

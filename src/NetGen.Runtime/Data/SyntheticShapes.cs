// The embedded default dataset: 64×64 RGB images of circles, squares and triangles on textured backgrounds, generated from a seed.
// Colours are random for shapes and background alike, so a network has to look at outlines, not only at colours.
using NetGen.Model;

namespace NetGen.Data;

public static class SyntheticShapes
{
    public const int Size = 64;
    public const int Channels = 3;

    public static IReadOnlyList<string> ClassNames { get; } = ["background", "circle", "square", "triangle"];

    /// <summary>Raw values in [0, 1] are stored as (v − 0.5) / 0.25, roughly zero-mean and unit-scale.</summary>
    public static InputNormalization Normalization { get; } = new([0.5f, 0.5f, 0.5f], [0.25f, 0.25f, 0.25f]);

    public static Shape ImageShape => new(Channels, Size, Size);

    /// <summary>A training set of <paramref name="trainCount"/> images and a validation set of <paramref name="validationCount"/>
    /// images drawn from an independent stream of the same <paramref name="seed"/>.</summary>
    public static DatasetSplit Create(int trainCount, int validationCount, int seed) =>
        new(Generate(trainCount, seed, stream: 0), Generate(validationCount, seed, stream: 1));

    /// <summary><paramref name="count"/> images; image i depends only on (seed, stream, i), so a longer set extends a shorter one.</summary>
    public static SegmentationDataset Generate(int count, int seed, int stream = 0)
    {
        if (count < 0) throw new ArgumentOutOfRangeException(nameof(count), count, "count must be ≥ 0");
        var shape = ImageShape;
        var images = new float[count * shape.Size];
        var labels = new int[count * Size * Size];
        // Images are independent (one seed each), so they are painted in parallel without changing the result.
        Parallel.For(0, count, () => new float[shape.Size], (i, _, raw) =>
        {
            var rng = new Random(ImageSeed(seed, stream, i));
            ShapePainter.Paint(rng, raw, labels.AsSpan(i * Size * Size, Size * Size));
            var image = images.AsSpan(i * shape.Size, shape.Size);
            for (int c = 0; c < Channels; c++)
                for (int p = 0; p < Size * Size; p++)
                    image[c * Size * Size + p] = Normalization.Normalize(raw[c * Size * Size + p], c);
            return raw;
        }, _ => { });
        return new SegmentationDataset(images, labels, count, shape, ClassNames, Normalization);
    }

    // SplitMix64 finalizer over (seed, stream, index): independent, platform-stable per-image seeds.
    private static int ImageSeed(int seed, int stream, int index)
    {
        ulong z = ((ulong)(uint)seed << 32 | (uint)index) + 0x9E3779B97F4A7C15UL * (ulong)(stream + 1);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        z ^= z >> 31;
        return (int)(z & 0x7FFFFFFF);
    }
}

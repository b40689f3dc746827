// Loads the ISBI 2012 membrane slices (image/N.png + label/N.png, 512×512 gray) from a folder outside the repository,
// splits them by slice number and normalizes intensities with statistics of the training slices only.
using NetGen.Data;
using NetGen.Imaging;
using NetGen.Model;

namespace Membrane;

internal static class MembraneData
{
    public const int Size = 512;
    public const int Slices = 24;
    public const int FirstValidationSlice = 20;
    public static IReadOnlyList<string> ClassNames { get; } = ["membrane", "cell"];
    private static readonly string DefaultRelative = Path.Combine("shared", "data", "membrane");

    /// <summary>The data folder: <paramref name="given"/> when set, else the first shared/data/membrane found walking up from
    /// the current directory. Throws <see cref="DirectoryNotFoundException"/> naming the path it expected.</summary>
    public static string Locate(string? given)
    {
        if (given is not null)
            return Directory.Exists(given) ? given : throw new DirectoryNotFoundException($"data folder not found: {Path.GetFullPath(given)}");
        for (var dir = new DirectoryInfo(Directory.GetCurrentDirectory()); dir is not null; dir = dir.Parent)
        {
            string candidate = Path.Combine(dir.FullName, DefaultRelative);
            if (Directory.Exists(candidate)) return candidate;
        }
        string fallback = Path.GetFullPath(Path.Combine("..", DefaultRelative));
        return Directory.Exists(fallback) ? fallback : throw new DirectoryNotFoundException($"data folder not found: {fallback} (pass --data DIR)");
    }

    /// <summary>Slices [0, 20) for training and [20, 24) for validation, as [N, 1, 512, 512] normalized floats and class maps
    /// (label 0 = membrane → class 0, 255 → class 1). Adjacent slices are correlated, so the split is by position, not shuffled.</summary>
    public static DatasetSplit Load(string folder)
    {
        var raw = new byte[Slices][];
        var labels = new int[Slices * Size * Size];
        for (int i = 0; i < Slices; i++)
        {
            raw[i] = ReadGray(Path.Combine(folder, "image", $"{i}.png"));
            var label = ReadGray(Path.Combine(folder, "label", $"{i}.png"));
            for (int p = 0; p < label.Length; p++)
                labels[i * Size * Size + p] = label[p] switch
                {
                    0 => 0,
                    255 => 1,
                    var v => throw new InvalidDataException($"{Path.Combine(folder, "label", $"{i}.png")}: label value {v} is neither 0 nor 255"),
                };
        }
        var normalization = Statistics(raw.AsSpan(0, FirstValidationSlice));
        return new DatasetSplit(
            Build(raw, labels, 0, FirstValidationSlice, normalization),
            Build(raw, labels, FirstValidationSlice, Slices, normalization));
    }

    private static byte[] ReadGray(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"data file not found: {Path.GetFullPath(path)}");
        var png = PngReader.Read(path);
        if (png.Width != Size || png.Height != Size || png.Channels != 1)
            throw new InvalidDataException($"{path}: expected a {Size}×{Size} gray PNG, got {png.Width}×{png.Height} with {png.Channels} channels");
        return png.Pixels;
    }

    // Mean and standard deviation of v = byte/255 over all training pixels.
    private static InputNormalization Statistics(ReadOnlySpan<byte[]> slices)
    {
        double sum = 0, squares = 0;
        long count = 0;
        foreach (var slice in slices)
            foreach (byte b in slice)
            {
                double v = b / 255.0;
                sum += v;
                squares += v * v;
                count++;
            }
        double mean = sum / count, std = Math.Sqrt(Math.Max(squares / count - mean * mean, 1e-12));
        return new InputNormalization([(float)mean], [(float)std]);
    }

    private static SegmentationDataset Build(byte[][] raw, int[] labels, int first, int end, InputNormalization normalization)
    {
        int plane = Size * Size, count = end - first;
        var images = new float[count * plane];
        for (int i = 0; i < count; i++)
            for (int p = 0; p < plane; p++)
                images[i * plane + p] = normalization.Normalize(raw[first + i][p] / 255f, 0);
        return new SegmentationDataset(images, labels.AsSpan(first * plane, count * plane).ToArray(), count, new Shape(1, Size, Size),
            ClassNames, normalization);
    }
}

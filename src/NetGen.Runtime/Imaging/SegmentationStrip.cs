// Writes "image | truth | prediction" side by side as one PNG, for eyeballing what a network gets right and wrong.
using NetGen.Data;
using NetGen.Model;

namespace NetGen.Imaging;

public static class SegmentationStrip
{
    private const int Gap = 2;

    /// <summary>image [C, H, W] (stored floats, mapped back through <paramref name="normalization"/> when given, else taken as [0, 1]);
    /// truth and prediction [H, W] class maps. One channel is shown as gray, three as RGB, otherwise the first three.</summary>
    public static void Write(ReadOnlySpan<float> image, ReadOnlySpan<int> truth, ReadOnlySpan<int> prediction, Shape imageShape,
        InputNormalization? normalization, string path)
    {
        var (channels, height, width) = imageShape;
        int plane = height * width;
        if (image.Length != channels * plane) throw new ArgumentException($"image has {image.Length} values, expected {channels}×{height}×{width}", nameof(image));
        if (truth.Length != plane || prediction.Length != plane)
            throw new ArgumentException($"class maps must have {height}×{width} pixels", truth.Length != plane ? nameof(truth) : nameof(prediction));

        int stripWidth = 3 * width + 2 * Gap;
        var rgb = new byte[stripWidth * height * 3];
        Array.Fill(rgb, (byte)255);
        var colours = new byte[plane * 3];
        for (int y = 0; y < height; y++)
            for (int x = 0; x < width; x++)
                for (int k = 0; k < 3; k++)
                {
                    int c = channels >= 3 ? k : 0;
                    float v = image[c * plane + y * width + x];
                    if (normalization is not null) v = normalization.Denormalize(v, c);
                    rgb[(y * stripWidth + x) * 3 + k] = (byte)Math.Clamp(MathF.Round(v * 255f), 0, 255);
                }
        ClassPalette.Colorize(truth, colours);
        Blit(colours, rgb, width, height, stripWidth, width + Gap);
        ClassPalette.Colorize(prediction, colours);
        Blit(colours, rgb, width, height, stripWidth, 2 * (width + Gap));
        PngWriter.WriteRgb8(rgb, stripWidth, height, path);
    }

    private static void Blit(ReadOnlySpan<byte> source, Span<byte> strip, int width, int height, int stripWidth, int left)
    {
        for (int y = 0; y < height; y++)
            source.Slice(y * width * 3, width * 3).CopyTo(strip.Slice((y * stripWidth + left) * 3, width * 3));
    }
}

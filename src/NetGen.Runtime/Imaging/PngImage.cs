// An 8-bit image in memory, interleaved rows (gray, RGB or RGBA), as the PNG reader and writer exchange it.
namespace NetGen.Imaging;

/// <summary><see cref="Pixels"/> holds Height rows of Width·Channels bytes; Channels is 1 (gray), 3 (RGB) or 4 (RGBA).</summary>
public sealed record PngImage(int Width, int Height, int Channels, byte[] Pixels)
{
    public byte this[int x, int y, int channel] => Pixels[(y * Width + x) * Channels + channel];
}

// Minimal PNG encoder: 8-bit gray or RGB, non-interlaced, one IDAT chunk compressed with zlib, filter "None" on every row.
using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;

namespace NetGen.Imaging;

public static class PngWriter
{
    internal static ReadOnlySpan<byte> Signature => [137, 80, 78, 71, 13, 10, 26, 10];

    /// <summary>Writes interleaved RGB bytes [H, W, 3] to <paramref name="path"/>.</summary>
    public static void WriteRgb8(ReadOnlySpan<byte> rgb, int width, int height, string path) => WriteFile(rgb, width, height, 3, path);

    /// <summary>Writes gray bytes [H, W] to <paramref name="path"/>.</summary>
    public static void WriteGray8(ReadOnlySpan<byte> gray, int width, int height, string path) => WriteFile(gray, width, height, 1, path);

    /// <summary>Encodes 8-bit pixels (1 or 3 channels, interleaved) into <paramref name="stream"/>.</summary>
    public static void Write(ReadOnlySpan<byte> pixels, int width, int height, int channels, Stream stream)
    {
        if (width < 1 || height < 1) throw new ArgumentException($"image size {width}×{height} must be positive");
        if (channels is not (1 or 3)) throw new ArgumentOutOfRangeException(nameof(channels), channels, "PNG writer supports 1 (gray) or 3 (RGB) channels");
        int stride = width * channels;
        if (pixels.Length != stride * height)
            throw new ArgumentException($"{pixels.Length} bytes given for a {width}×{height}×{channels} image", nameof(pixels));

        stream.Write(Signature);
        Span<byte> header = stackalloc byte[13];
        BinaryPrimitives.WriteInt32BigEndian(header, width);
        BinaryPrimitives.WriteInt32BigEndian(header[4..], height);
        header[8] = 8;                              // bit depth
        header[9] = (byte)(channels == 1 ? 0 : 2);  // colour type: gray or truecolour
        header[10] = header[11] = header[12] = 0;   // deflate, adaptive filtering, no interlace
        WriteChunk(stream, "IHDR", header);
        WriteChunk(stream, "IDAT", Compress(pixels, stride, height));
        WriteChunk(stream, "IEND", []);
    }

    private static void WriteFile(ReadOnlySpan<byte> pixels, int width, int height, int channels, string path)
    {
        using var file = File.Create(path);
        Write(pixels, width, height, channels, file);
    }

    private static byte[] Compress(ReadOnlySpan<byte> pixels, int stride, int height)
    {
        using var compressed = new MemoryStream();
        using (var zlib = new ZLibStream(compressed, CompressionLevel.Optimal, leaveOpen: true))
        {
            for (int y = 0; y < height; y++)
            {
                zlib.WriteByte(0);
                zlib.Write(pixels.Slice(y * stride, stride));
            }
        }
        return compressed.ToArray();
    }

    private static void WriteChunk(Stream stream, string type, ReadOnlySpan<byte> data)
    {
        Span<byte> word = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(word, data.Length);
        stream.Write(word);
        Span<byte> typeBytes = stackalloc byte[4];
        Encoding.ASCII.GetBytes(type, typeBytes);
        stream.Write(typeBytes);
        stream.Write(data);
        BinaryPrimitives.WriteUInt32BigEndian(word, Crc32.Append(Crc32.Compute(typeBytes), data));
        stream.Write(word);
    }
}

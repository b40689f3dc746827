// Minimal PNG decoder for 8-bit gray, RGB and RGBA non-interlaced images with any of the five row filters.
// Anything else, or a damaged file, is rejected with a one-line message that names the file.
using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;

namespace NetGen.Imaging;

public static class PngReader
{
    public static PngImage Read(string path)
    {
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new InvalidDataException($"{path}: cannot read PNG file ({e.Message})", e);
        }
        return Decode(bytes, path);
    }

    /// <summary>Decodes PNG bytes; <paramref name="name"/> is used in error messages.</summary>
    public static PngImage Decode(ReadOnlySpan<byte> png, string name)
    {
        if (png.Length < 8 || !png[..8].SequenceEqual(PngWriter.Signature)) throw Bad(name, "not a PNG file (bad signature)");

        int width = 0, height = 0, channels = 0;
        bool seenHeader = false;
        using var idat = new MemoryStream();
        int offset = 8;
        while (true)
        {
            if (offset + 12 > png.Length) throw Bad(name, "truncated (no IEND chunk)");
            int length = BinaryPrimitives.ReadInt32BigEndian(png[offset..]);
            if (length < 0 || offset + 12 + length > png.Length) throw Bad(name, $"truncated chunk at byte {offset}");
            var type = png.Slice(offset + 4, 4);
            var data = png.Slice(offset + 8, length);
            uint crc = BinaryPrimitives.ReadUInt32BigEndian(png[(offset + 8 + length)..]);
            string typeName = Encoding.ASCII.GetString(type);
            if (Crc32.Append(Crc32.Compute(type), data) != crc) throw Bad(name, $"CRC mismatch in {typeName} chunk at byte {offset}");
            offset += 12 + length;

            if (!seenHeader && typeName != "IHDR") throw Bad(name, $"first chunk is {typeName}, expected IHDR");
            switch (typeName)
            {
                case "IHDR":
                    (width, height, channels) = ReadHeader(data, name);
                    seenHeader = true;
                    break;
                case "IDAT":
                    idat.Write(data);
                    break;
                case "IEND":
                    return new PngImage(width, height, channels, Unfilter(Inflate(idat, name), width, height, channels, name));
            }
        }
    }

    private static (int Width, int Height, int Channels) ReadHeader(ReadOnlySpan<byte> data, string name)
    {
        if (data.Length != 13) throw Bad(name, $"IHDR has {data.Length} bytes, expected 13");
        int width = BinaryPrimitives.ReadInt32BigEndian(data);
        int height = BinaryPrimitives.ReadInt32BigEndian(data[4..]);
        byte depth = data[8], colour = data[9], interlace = data[12];
        if (width <= 0 || height <= 0) throw Bad(name, $"invalid size {width}×{height}");
        if (depth != 8) throw Bad(name, $"bit depth {depth} is not supported (only 8)");
        if (interlace != 0) throw Bad(name, "interlaced PNGs are not supported");
        if (data[10] != 0 || data[11] != 0) throw Bad(name, "unknown compression or filter method");
        int channels = colour switch
        {
            0 => 1,
            2 => 3,
            6 => 4,
            _ => throw Bad(name, $"colour type {colour} is not supported (only gray, RGB, RGBA)"),
        };
        if ((long)width * height * channels > int.MaxValue / 2) throw Bad(name, $"image {width}×{height} is too large");
        return (width, height, channels);
    }

    private static byte[] Inflate(MemoryStream idat, string name)
    {
        try
        {
            idat.Position = 0;
            using var zlib = new ZLibStream(idat, CompressionMode.Decompress);
            using var raw = new MemoryStream();
            zlib.CopyTo(raw);
            return raw.ToArray();
        }
        catch (InvalidDataException e)
        {
            throw Bad(name, $"corrupt image data ({e.Message})");
        }
    }

    // Undoes the per-row filters (None, Sub, Up, Average, Paeth) in place of a fresh pixel buffer.
    private static byte[] Unfilter(byte[] raw, int width, int height, int channels, string name)
    {
        int stride = width * channels;
        if (raw.Length < (stride + 1) * height) throw Bad(name, $"image data has {raw.Length} bytes, expected {(stride + 1) * height}");
        var pixels = new byte[stride * height];
        for (int y = 0; y < height; y++)
        {
            byte filter = raw[y * (stride + 1)];
            var source = raw.AsSpan(y * (stride + 1) + 1, stride);
            var row = pixels.AsSpan(y * stride, stride);
            ReadOnlySpan<byte> up = y > 0 ? pixels.AsSpan((y - 1) * stride, stride) : new byte[stride];
            for (int i = 0; i < stride; i++)
            {
                int left = i >= channels ? row[i - channels] : 0;
                int above = up[i];
                int upperLeft = i >= channels ? up[i - channels] : 0;
                int predictor = filter switch
                {
                    0 => 0,
                    1 => left,
                    2 => above,
                    3 => (left + above) >> 1,
                    4 => Paeth(left, above, upperLeft),
                    _ => throw Bad(name, $"unknown filter type {filter} on row {y}"),
                };
                row[i] = (byte)(source[i] + predictor);
            }
        }
        return pixels;
    }

    private static int Paeth(int a, int b, int c)
    {
        int p = a + b - c;
        int pa = Math.Abs(p - a), pb = Math.Abs(p - b), pc = Math.Abs(p - c);
        return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
    }

    private static InvalidDataException Bad(string name, string reason) => new($"{name}: {reason}");
}

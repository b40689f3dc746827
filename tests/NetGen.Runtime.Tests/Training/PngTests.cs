// PNG writer/reader round trips, every row filter, the strip writer, and one-line errors that name the file.
using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;
using NetGen.Data;
using NetGen.Imaging;
using NetGen.Model;

namespace NetGen.Runtime.Tests.Training;

public sealed class PngTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("netgen-png-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void Rgb_round_trip()
    {
        var rgb = RandomBytes(5 * 3 * 3, seed: 1);
        string path = Path.Combine(_folder, "rgb.png");
        PngWriter.WriteRgb8(rgb, 5, 3, path);
        var image = PngReader.Read(path);
        Assert.Equal((5, 3, 3), (image.Width, image.Height, image.Channels));
        Assert.Equal(rgb, image.Pixels);
    }

    [Fact]
    public void Gray_round_trip()
    {
        var gray = RandomBytes(7 * 4, seed: 2);
        string path = Path.Combine(_folder, "gray.png");
        PngWriter.WriteGray8(gray, 7, 4, path);
        var image = PngReader.Read(path);
        Assert.Equal((7, 4, 1), (image.Width, image.Height, image.Channels));
        Assert.Equal(gray, image.Pixels);
    }

    [Theory]
    [InlineData(3)]
    [InlineData(4)]
    public void Reader_undoes_every_filter_type(int channels)
    {
        const int width = 6, height = 5;
        var pixels = RandomBytes(width * height * channels, seed: channels);
        var png = EncodeWithFilters(pixels, width, height, channels);
        var image = PngReader.Decode(png, "filters.png");
        Assert.Equal(channels, image.Channels);
        Assert.Equal(pixels, image.Pixels);
    }

    [Fact]
    public void Bad_file_error_is_one_line_naming_the_file()
    {
        string path = Path.Combine(_folder, "broken.png");
        File.WriteAllBytes(path, Encoding.ASCII.GetBytes("this is not a png"));
        var e = Assert.Throws<InvalidDataException>(() => PngReader.Read(path));
        Assert.Equal($"{path}: not a PNG file (bad signature)", e.Message);
    }

    [Fact]
    public void Damaged_chunk_is_reported_with_its_type()
    {
        string path = Path.Combine(_folder, "damaged.png");
        PngWriter.WriteGray8(new byte[16], 4, 4, path);
        var bytes = File.ReadAllBytes(path);
        bytes[20] ^= 0xFF;  // inside IHDR's data
        File.WriteAllBytes(path, bytes);
        var e = Assert.Throws<InvalidDataException>(() => PngReader.Read(path));
        Assert.StartsWith($"{path}: CRC mismatch in IHDR chunk", e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void Strip_shows_image_truth_and_prediction_side_by_side()
    {
        var shape = new Shape(3, 2, 2);
        var normalization = new InputNormalization([0.5f, 0.5f, 0.5f], [0.25f, 0.25f, 0.25f]);
        float[] image = [2, 2, 2, 2, -2, -2, -2, -2, 0, 0, 0, 0];  // raw (1, 0, 0.5): orange-ish red
        string path = Path.Combine(_folder, "strip.png");
        SegmentationStrip.Write(image, [0, 1, 2, 3], [3, 2, 1, 0], shape, normalization, path);

        var strip = PngReader.Read(path);
        Assert.Equal((3 * 2 + 2 * 2, 2), (strip.Width, strip.Height));
        Assert.Equal((255, 0, 128), (strip[0, 0, 0], strip[0, 0, 1], strip[0, 0, 2]));
        Assert.Equal(ClassPalette.Colour(1), (strip[5, 0, 0], strip[5, 0, 1], strip[5, 0, 2]));
        Assert.Equal(ClassPalette.Colour(2), (strip[9, 0, 0], strip[9, 0, 1], strip[9, 0, 2]));
    }

    private static byte[] RandomBytes(int count, int seed)
    {
        var bytes = new byte[count];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    // An independent encoder that uses filter type (row mod 5), so rows exercise None, Sub, Up, Average and Paeth.
    private static byte[] EncodeWithFilters(byte[] pixels, int width, int height, int channels)
    {
        int stride = width * channels;
        var raw = new MemoryStream();
        for (int y = 0; y < height; y++)
        {
            int filter = y % 5;
            raw.WriteByte((byte)filter);
            for (int i = 0; i < stride; i++)
            {
                int x = pixels[y * stride + i];
                int a = i >= channels ? pixels[y * stride + i - channels] : 0;
                int b = y > 0 ? pixels[(y - 1) * stride + i] : 0;
                int c = i >= channels && y > 0 ? pixels[(y - 1) * stride + i - channels] : 0;
                int p = a + b - c, pa = Math.Abs(p - a), pb = Math.Abs(p - b), pc = Math.Abs(p - c);
                int paeth = pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
                int predictor = filter switch { 0 => 0, 1 => a, 2 => b, 3 => (a + b) / 2, _ => paeth };
                raw.WriteByte((byte)(x - predictor));
            }
        }
        var compressed = new MemoryStream();
        using (var zlib = new ZLibStream(compressed, CompressionLevel.Fastest, leaveOpen: true)) zlib.Write(raw.ToArray());

        var png = new MemoryStream();
        png.Write([137, 80, 78, 71, 13, 10, 26, 10]);
        var header = new byte[13];
        BinaryPrimitives.WriteInt32BigEndian(header, width);
        BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(4), height);
        header[8] = 8;
        header[9] = (byte)(channels == 4 ? 6 : 2);
        Chunk(png, "IHDR", header);
        Chunk(png, "IDAT", compressed.ToArray());
        Chunk(png, "IEND", []);
        return png.ToArray();
    }

    private static void Chunk(Stream png, string type, byte[] data)
    {
        var word = new byte[4];
        BinaryPrimitives.WriteInt32BigEndian(word, data.Length);
        png.Write(word);
        byte[] typeAndData = [.. Encoding.ASCII.GetBytes(type), .. data];
        png.Write(typeAndData);
        BinaryPrimitives.WriteUInt32BigEndian(word, BitwiseCrc(typeAndData));
        png.Write(word);
    }

    // Bit-by-bit CRC-32, independent of the reader's table-driven one.
    private static uint BitwiseCrc(byte[] data)
    {
        uint crc = 0xFFFFFFFF;
        foreach (byte b in data)
        {
            crc ^= b;
            for (int k = 0; k < 8; k++) crc = (crc & 1) != 0 ? (crc >> 1) ^ 0xEDB88320 : crc >> 1;
        }
        return ~crc;
    }
}

// safetensors checkpoints: round trip, the byte layout other tools read, and one-line errors that change nothing.
using System.Buffers.Binary;
using System.Text;
using NetGen.Checkpoints;
using NetGen.Model;

namespace NetGen.Runtime.Tests.Checkpoints;

public sealed class SafeTensorsTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("netgen-ckpt").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static ParameterSet Parameters(int outChannels = 4)
    {
        var infos = new[]
        {
            new ParameterInfo("conv1.weight", [outChannels, 2, 3, 3], 0, true),
            new ParameterInfo("conv1.bias", [outChannels], 0, true),
            new ParameterInfo("bn1.running_var", [outChannels], 1, false),
        };
        var set = new ParameterSet(infos);
        var rng = new Random(3);
        foreach (var p in set.All)
            for (int i = 0; i < p.Value.Length; i++) p.Value[i] = (float)rng.NextDouble() - 0.5f;
        return set;
    }

    [Fact]
    public void Save_then_load_restores_every_tensor_and_the_metadata()
    {
        var saved = Parameters();
        string path = Path.Combine(_dir, "net.safetensors");
        SafeTensors.Save(path, saved, new Dictionary<string, string> { ["network"] = "Test" });

        var loaded = Parameters();
        foreach (var p in loaded.All) Array.Clear(p.Value);
        var metadata = SafeTensors.Load(path, loaded);

        Assert.Equal("Test", metadata["network"]);
        for (int i = 0; i < saved.Count; i++) Assert.Equal(saved[i].Value, loaded[i].Value);
        Assert.Empty(Directory.GetFiles(_dir, "*.tmp"));
    }

    [Fact]
    public void File_layout_is_safetensors_header_then_aligned_little_endian_data()
    {
        var saved = Parameters();
        string path = Path.Combine(_dir, "net.safetensors");
        SafeTensors.Save(path, saved);
        byte[] bytes = File.ReadAllBytes(path);

        ulong headerLength = BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        Assert.Equal(0ul, (8 + headerLength) % 8);
        string header = Encoding.UTF8.GetString(bytes, 8, (int)headerLength);
        Assert.Contains("\"conv1.weight\":{\"dtype\":\"F32\",\"shape\":[4,2,3,3],\"data_offsets\":[0,288]}", header);
        float first = BitConverter.ToSingle(bytes, 8 + (int)headerLength);
        Assert.Equal(saved["conv1.weight"].Value[0], first);
        Assert.Equal(8 + (long)headerLength + (72 + 4 + 4) * 4, bytes.Length);
    }

    [Fact]
    public void Shape_mismatch_names_file_and_tensor_and_changes_nothing()
    {
        string path = Path.Combine(_dir, "other.safetensors");
        SafeTensors.Save(path, Parameters(outChannels: 8));
        var target = Parameters(outChannels: 4);
        var before = target.All.Select(p => p.Value.ToArray()).ToArray();

        var error = Assert.Throws<InvalidDataException>(() => SafeTensors.Load(path, target));

        Assert.Contains(path, error.Message);
        Assert.Contains("'conv1.weight' has shape [8, 2, 3, 3]; the network expects [4, 2, 3, 3]", error.Message);
        Assert.DoesNotContain('\n', error.Message);
        for (int i = 0; i < target.Count; i++) Assert.Equal(before[i], target[i].Value);
    }

    [Theory]
    [InlineData(new byte[] { 1, 2, 3 }, "too short")]
    [InlineData(new byte[] { 255, 255, 255, 255, 0, 0, 0, 0, 123 }, "header length")]
    [InlineData(new byte[] { 4, 0, 0, 0, 0, 0, 0, 0, (byte)'{', (byte)'x', (byte)'y', (byte)'}' }, "malformed")]
    public void Damaged_files_give_a_one_line_error(byte[] content, string expected)
    {
        string path = Path.Combine(_dir, "bad.safetensors");
        File.WriteAllBytes(path, content);
        var error = Assert.Throws<InvalidDataException>(() => SafeTensors.Load(path, Parameters()));
        Assert.Contains(expected, error.Message);
        Assert.StartsWith($"checkpoint {path}:", error.Message);
    }

    [Fact]
    public void Missing_file_is_reported_with_its_path()
    {
        string path = Path.Combine(_dir, "absent.safetensors");
        var error = Assert.Throws<InvalidDataException>(() => SafeTensors.Load(path, Parameters()));
        Assert.StartsWith($"checkpoint {path}: cannot read it", error.Message);
    }

    [Fact]
    public void A_failed_save_keeps_the_existing_checkpoint()
    {
        string path = Path.Combine(_dir, "keep.safetensors");
        SafeTensors.Save(path, Parameters());
        byte[] original = File.ReadAllBytes(path);

        // A directory where the temporary file should go makes the write fail before anything replaces the target.
        string blocker = Directory.CreateDirectory(path + $".{Environment.ProcessId}.tmp").FullName;
        var changed = Parameters(outChannels: 8);
        Assert.ThrowsAny<SystemException>(() => SafeTensors.Save(path, changed));

        Assert.Equal(original, File.ReadAllBytes(path));
        Directory.Delete(blocker);
    }
}

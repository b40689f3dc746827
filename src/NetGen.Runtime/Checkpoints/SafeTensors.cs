// Checkpoints in the safetensors format (8-byte little-endian header length, JSON header, raw little-endian tensors),
// so weights move between NetGen, PyTorch and other tools. Saving never damages an existing file: it writes a temporary
// file beside the target and moves it over only when complete.
using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text.Json;
using NetGen.Model;

namespace NetGen.Checkpoints;

public static class SafeTensors
{
    private const int MaxHeaderBytes = 100 * 1024 * 1024;

    /// <summary>Writes every parameter and buffer of <paramref name="parameters"/> (values, not gradients) as F32 tensors
    /// named as in the network's parameter table, plus optional string metadata.</summary>
    public static void Save(string path, ParameterSet parameters, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        byte[] header = BuildHeader(parameters, metadata);
        int padding = (8 - header.Length % 8) % 8;   // keeps tensor data 8-byte aligned, as the format recommends

        string full = Path.GetFullPath(path);
        string temp = full + $".{Environment.ProcessId}.tmp";
        try
        {
            using (var stream = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None))
            {
                Span<byte> length = stackalloc byte[8];
                BinaryPrimitives.WriteUInt64LittleEndian(length, (ulong)(header.Length + padding));
                stream.Write(length);
                stream.Write(header);
                for (int i = 0; i < padding; i++) stream.WriteByte((byte)' ');
                foreach (var p in parameters.All)
                    stream.Write(MemoryMarshal.AsBytes(p.Value.AsSpan()));
                stream.Flush(flushToDisk: true);
            }
            File.Move(temp, full, overwrite: true);
        }
        catch
        {
            TryDelete(temp);
            throw;
        }
    }

    /// <summary>Loads every tensor of the network from <paramref name="path"/> into <paramref name="parameters"/>. The file must
    /// hold exactly the network's tensors with the same shapes as F32; on any mismatch nothing is changed and an
    /// <see cref="InvalidDataException"/> names the file and the tensor. Returns the file's metadata.</summary>
    public static IReadOnlyDictionary<string, string> Load(string path, ParameterSet parameters)
    {
        if (!BitConverter.IsLittleEndian)
            throw new PlatformNotSupportedException("safetensors loading needs a little-endian machine");
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new InvalidDataException($"checkpoint {path}: cannot read it ({e.Message})", e);
        }

        var (entries, metadata, dataStart) = ParseHeader(path, bytes);
        var values = new Dictionary<string, float[]>(StringComparer.Ordinal);
        foreach (var p in parameters.All)
        {
            if (!entries.TryGetValue(p.Name, out var entry))
                throw new InvalidDataException($"checkpoint {path}: tensor '{p.Name}' is missing (the file was saved from a different network?)");
            if (entry.DType != "F32")
                throw new InvalidDataException($"checkpoint {path}: tensor '{p.Name}' has dtype {entry.DType}; expected F32");
            if (!entry.Shape.SequenceEqual(p.Info.Shape))
                throw new InvalidDataException($"checkpoint {path}: tensor '{p.Name}' has shape [{string.Join(", ", entry.Shape)}]; the network expects [{string.Join(", ", p.Info.Shape)}]");
            long begin = dataStart + entry.Begin, end = dataStart + entry.End;
            if (entry.End - entry.Begin != (long)p.Value.Length * sizeof(float) || begin < dataStart || end > bytes.Length)
                throw new InvalidDataException($"checkpoint {path}: tensor '{p.Name}' has data offsets [{entry.Begin}, {entry.End}] that do not fit its shape or the file ({bytes.Length} bytes)");
            var data = new float[p.Value.Length];
            MemoryMarshal.Cast<byte, float>(bytes.AsSpan((int)begin, (int)(end - begin))).CopyTo(data);
            values.Add(p.Name, data);
        }
        foreach (string name in entries.Keys)
            if (!parameters.TryGet(name, out _))
                throw new InvalidDataException($"checkpoint {path}: tensor '{name}' does not belong to this network");

        foreach (var p in parameters.All) values[p.Name].CopyTo(p.Value, 0);
        return metadata;
    }

    private static byte[] BuildHeader(ParameterSet parameters, IReadOnlyDictionary<string, string>? metadata)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            if (metadata is { Count: > 0 })
            {
                json.WriteStartObject("__metadata__");
                foreach (var (key, value) in metadata.OrderBy(kv => kv.Key, StringComparer.Ordinal)) json.WriteString(key, value);
                json.WriteEndObject();
            }
            long offset = 0;
            foreach (var p in parameters.All)
            {
                long size = (long)p.Value.Length * sizeof(float);
                json.WriteStartObject(p.Name);
                json.WriteString("dtype", "F32");
                json.WriteStartArray("shape");
                foreach (int d in p.Info.Shape) json.WriteNumberValue(d);
                json.WriteEndArray();
                json.WriteStartArray("data_offsets");
                json.WriteNumberValue(offset);
                json.WriteNumberValue(offset + size);
                json.WriteEndArray();
                json.WriteEndObject();
                offset += size;
            }
            json.WriteEndObject();
        }
        return buffer.ToArray();
    }

    private sealed record Entry(string DType, int[] Shape, long Begin, long End);

    private static (Dictionary<string, Entry> Entries, Dictionary<string, string> Metadata, long DataStart) ParseHeader(string path, byte[] bytes)
    {
        if (bytes.Length < 8)
            throw new InvalidDataException($"checkpoint {path}: {bytes.Length} bytes is too short for a safetensors file");
        ulong headerLength = BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        if (headerLength > MaxHeaderBytes || (long)headerLength > bytes.Length - 8)
            throw new InvalidDataException($"checkpoint {path}: header length {headerLength} does not fit the file ({bytes.Length} bytes); not a safetensors file?");

        var entries = new Dictionary<string, Entry>(StringComparer.Ordinal);
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        try
        {
            using var document = JsonDocument.Parse(bytes.AsMemory(8, (int)headerLength));
            foreach (var property in document.RootElement.EnumerateObject())
            {
                if (property.Name == "__metadata__")
                {
                    foreach (var m in property.Value.EnumerateObject()) metadata[m.Name] = m.Value.GetString() ?? "";
                    continue;
                }
                var value = property.Value;
                var shape = value.GetProperty("shape").EnumerateArray().Select(e => e.GetInt32()).ToArray();
                var offsets = value.GetProperty("data_offsets").EnumerateArray().Select(e => e.GetInt64()).ToArray();
                if (offsets.Length != 2)
                    throw new InvalidDataException($"checkpoint {path}: tensor '{property.Name}' needs two data_offsets, has {offsets.Length}");
                entries[property.Name] = new Entry(value.GetProperty("dtype").GetString() ?? "", shape, offsets[0], offsets[1]);
            }
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            throw new InvalidDataException($"checkpoint {path}: the JSON header is malformed ({e.Message})", e);
        }
        return (entries, metadata, 8 + (long)headerLength);
    }

    private static void TryDelete(string path)
    {
        try { File.Delete(path); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}

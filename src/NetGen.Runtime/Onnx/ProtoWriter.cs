// The protobuf wire format, just the part ONNX export needs: varints, fixed32 floats and length-delimited fields.
// Messages are built inside out (a nested message is finished before its parent writes it), which keeps the writer trivial.
using System.Buffers;
using System.Buffers.Binary;
using System.Text;

namespace NetGen.Onnx;

/// <summary>Appends protobuf fields to a growing buffer. Field numbers come from the caller (see <see cref="OnnxProto"/>).</summary>
internal sealed class ProtoWriter
{
    private const int WireVarint = 0, WireFixed32 = 5, WireLengthDelimited = 2;
    private readonly ArrayBufferWriter<byte> _buffer = new();

    public ReadOnlySpan<byte> WrittenSpan => _buffer.WrittenSpan;

    public ProtoWriter Int64(int field, long value)
    {
        Tag(field, WireVarint);
        // Negative int64 values take ten bytes in protobuf: they are encoded as their two's complement.
        Varint((ulong)value);
        return this;
    }

    public ProtoWriter Float(int field, float value)
    {
        Tag(field, WireFixed32);
        BinaryPrimitives.WriteSingleLittleEndian(_buffer.GetSpan(4), value);
        _buffer.Advance(4);
        return this;
    }

    public ProtoWriter String(int field, string value)
    {
        byte[] utf8 = Encoding.UTF8.GetBytes(value);
        return Bytes(field, utf8);
    }

    public ProtoWriter Bytes(int field, ReadOnlySpan<byte> value)
    {
        Tag(field, WireLengthDelimited);
        Varint((ulong)value.Length);
        _buffer.Write(value);
        return this;
    }

    public ProtoWriter Message(int field, ProtoWriter message) => Bytes(field, message.WrittenSpan);

    /// <summary>A repeated int64 field in packed form (one length-delimited run of varints), as proto3 writes it.</summary>
    public ProtoWriter PackedInt64(int field, ReadOnlySpan<long> values)
    {
        var packed = new ProtoWriter();
        foreach (long v in values) packed.Varint((ulong)v);
        return Bytes(field, packed.WrittenSpan);
    }

    /// <summary>Floats as little-endian bytes, the layout of TensorProto.raw_data.</summary>
    public ProtoWriter FloatsAsBytes(int field, ReadOnlySpan<float> values)
    {
        byte[] bytes = new byte[values.Length * sizeof(float)];
        for (int i = 0; i < values.Length; i++)
            BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(i * sizeof(float)), values[i]);
        return Bytes(field, bytes);
    }

    private void Tag(int field, int wireType) => Varint((ulong)((field << 3) | wireType));

    private void Varint(ulong value)
    {
        Span<byte> span = _buffer.GetSpan(10);
        int n = 0;
        while (value >= 0x80)
        {
            span[n++] = (byte)(value | 0x80);
            value >>= 7;
        }
        span[n++] = (byte)value;
        _buffer.Advance(n);
    }
}

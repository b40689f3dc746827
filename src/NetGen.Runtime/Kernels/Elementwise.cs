// ReLU and channel Concat, forward and backward: memory-bound, so they are split into large chunks over the workers
// and copied or selected a vector at a time. Both may run in place (y aliasing x, dx aliasing dy).
using System.Runtime.Intrinsics;

namespace NetGen.Kernels;

public static unsafe class ReLUKernel
{
    // x: [any] -> y: [same]
    public static void Forward(ReadOnlySpan<float> x, Span<float> y)
    {
        Spans.Require<float>(y, x.Length, nameof(y));
        fixed (float* px = x, py = y)
        {
            var job = new ReLUJob { Path = KernelOptions.Path, Source = px, Output = py, Length = x.Length };
            WorkerPool.Run(ref job, ReLUJob.Tasks(x.Length), KernelOptions.Threads);
        }
    }

    // Reads y instead of x (y > 0 exactly where x > 0), so the layer can run in place.
    // y, dy: [any] -> dx: [same] (overwritten, skipped if empty)
    public static void Backward(ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx)
    {
        if (dx.Length == 0) return;
        Spans.Require(dy, y.Length, nameof(dy));
        Spans.Require<float>(dx, y.Length, nameof(dx));
        fixed (float* py = y, pdy = dy, pdx = dx)
        {
            var job = new ReLUJob { Path = KernelOptions.Path, Gate = py, Source = pdy, Output = pdx, Length = y.Length };
            WorkerPool.Run(ref job, ReLUJob.Tasks(y.Length), KernelOptions.Threads);
        }
    }
}

internal static unsafe class ReLUGate
{
    /// <summary>data[i] = gate[i] &gt; 0 ? data[i] : 0 over [0, length): a ReLU's backward run in place by the kernel that
    /// computed its dy, where that kernel's engine cannot apply the gate as it stores.</summary>
    public static void Apply(float* gate, float* data, long length)
    {
        var job = new ReLUJob { Path = KernelOptions.Path, Gate = gate, Source = data, Output = data, Length = length };
        WorkerPool.Run(ref job, ReLUJob.Tasks(length), KernelOptions.Threads);
    }
}

/// <summary>output = gate &gt; 0 ? source : 0, with the source as its own gate in the forward pass. NaN gates give 0.</summary>
internal unsafe struct ReLUJob : IParallelJob
{
    private const int ChunkLength = 1 << 15;

    public VectorPath Path;
    public float* Gate, Source, Output;
    public long Length;

    public static int Tasks(long length) => (int)((length + ChunkLength - 1) / ChunkLength);

    public void Execute(int task, int worker)
    {
        long start = (long)task * ChunkLength;
        int count = (int)Math.Min(ChunkLength, Length - start);
        Select((Gate == null ? Source : Gate) + start, Source + start, Output + start, count, Path);
    }

    /// <summary>output[i] = gate[i] &gt; 0 ? source[i] : 0 for i &lt; count; output may alias source. A ReLU's backward where
    /// gate is its output, and the mask the kernels that run a ReLU's backward with their own apply to what they store.</summary>
    public static void Select(float* gate, float* source, float* output, int count, VectorPath path)
    {
        int i = 0;
        if (path == VectorPath.Vector512)
            for (; i <= count - 16; i += 16)
                Vector512.ConditionalSelect(Vector512.GreaterThan(Vector512.Load(gate + i), Vector512<float>.Zero),
                    Vector512.Load(source + i), Vector512<float>.Zero).Store(output + i);
        else if (path == VectorPath.Vector256)
            for (; i <= count - 8; i += 8)
                Vector256.ConditionalSelect(Vector256.GreaterThan(Vector256.Load(gate + i), Vector256<float>.Zero),
                    Vector256.Load(source + i), Vector256<float>.Zero).Store(output + i);
        for (; i < count; i++) output[i] = gate[i] > 0f ? source[i] : 0f;
    }
}

public static unsafe class ConcatKernel
{
    // a: [N, aC, plane], b: [N, bC, plane] -> y: [N, aC + bC, plane]
    public static void Forward(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> y, int batch, int aChannels, int bChannels, int plane)
    {
        long aSize = (long)aChannels * plane, bSize = (long)bChannels * plane;
        Spans.Require(a, batch * aSize, nameof(a));
        Spans.Require(b, batch * bSize, nameof(b));
        Spans.Require<float>(y, batch * (aSize + bSize), nameof(y));
        fixed (float* pa = a, pb = b, py = y)
        {
            var job = new ConcatJob { Y = py, A = pa, B = pb, ASize = aSize, BSize = bSize, Batch = batch, Split = false };
            WorkerPool.Run(ref job, job.Tasks, KernelOptions.Threads);
        }
    }

    // dy: [N, aC + bC, plane] -> da: [N, aC, plane], db: [N, bC, plane] (each overwritten, skipped if empty)
    public static void Backward(ReadOnlySpan<float> dy, Span<float> da, Span<float> db, int batch, int aChannels, int bChannels, int plane)
    {
        long aSize = (long)aChannels * plane, bSize = (long)bChannels * plane;
        Spans.Require(dy, batch * (aSize + bSize), nameof(dy));
        Spans.RequireOptional<float>(da, batch * aSize, nameof(da));
        Spans.RequireOptional<float>(db, batch * bSize, nameof(db));
        fixed (float* pdy = dy, pda = da, pdb = db)
        {
            var job = new ConcatJob { Y = pdy, A = pda, B = pdb, ASize = aSize, BSize = bSize, Batch = batch, Split = true };
            WorkerPool.Run(ref job, job.Tasks, KernelOptions.Threads);
        }
    }
}

/// <summary>Copies between y [N, a + b] and its parts a [N, a], b [N, b]: into y (Split false) or out of it (Split true).
/// Each sample's part is cut into pieces so that even a batch of one keeps every worker busy.</summary>
internal unsafe struct ConcatJob : IParallelJob
{
    private const long PieceLength = 1 << 15;

    public float* Y, A, B;
    public long ASize, BSize;
    public int Batch;
    public bool Split;

    private readonly long APieces => (ASize + PieceLength - 1) / PieceLength;
    private readonly long BPieces => (BSize + PieceLength - 1) / PieceLength;
    public readonly int Tasks => (int)(Batch * (APieces + BPieces));

    public void Execute(int task, int worker)
    {
        long perSample = APieces + BPieces;
        int n = (int)(task / perSample);
        long piece = task % perSample;
        bool inA = piece < APieces;
        float* part = inA ? A : B;
        if (part == null) return;
        long size = inA ? ASize : BSize;
        long start = (inA ? piece : piece - APieces) * PieceLength;
        long length = Math.Min(PieceLength, size - start);
        float* whole = Y + n * (ASize + BSize) + (inA ? 0 : ASize) + start;
        float* own = part + n * size + start;
        if (Split) Buffer.MemoryCopy(whole, own, length * sizeof(float), length * sizeof(float));
        else Buffer.MemoryCopy(own, whole, length * sizeof(float), length * sizeof(float));
    }
}

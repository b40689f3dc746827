// x += y over whole tensors: how a Skip's backward adds the gradient its Concat sent back to the main path's. Memory-bound,
// so it is split into large chunks over the workers and added a vector at a time.
using System.Runtime.Intrinsics;

namespace NetGen.Kernels;

public static unsafe class AddKernel
{
    // y: [any] -> x: [same], x += y (skipped if both are empty)
    public static void Accumulate(ReadOnlySpan<float> y, Span<float> x)
    {
        if (x.Length != y.Length)
            throw new ArgumentException($"x holds {x.Length} values and y {y.Length}; x += y needs the same length.", nameof(x));
        if (x.Length == 0) return;
        fixed (float* py = y, px = x)
        {
            var job = new AddJob { Path = KernelOptions.Path, Source = py, Output = px, Length = x.Length };
            WorkerPool.Run(ref job, AddJob.Tasks(x.Length), KernelOptions.Threads);
        }
    }
}

/// <summary>output += source, one chunk per task. Each element is one IEEE addition on every path, so all paths agree bit for bit.</summary>
internal unsafe struct AddJob : IParallelJob
{
    private const int ChunkLength = 1 << 15;

    public VectorPath Path;
    public float* Source, Output;
    public long Length;

    public static int Tasks(long length) => (int)((length + ChunkLength - 1) / ChunkLength);

    public void Execute(int task, int worker)
    {
        long start = (long)task * ChunkLength;
        int count = (int)Math.Min(ChunkLength, Length - start);
        float* source = Source + start, output = Output + start;
        int i = 0;
        if (Path == VectorPath.Vector512)
            for (; i <= count - 16; i += 16) (Vector512.Load(output + i) + Vector512.Load(source + i)).Store(output + i);
        else if (Path == VectorPath.Vector256)
            for (; i <= count - 8; i += 8) (Vector256.Load(output + i) + Vector256.Load(source + i)).Store(output + i);
        for (; i < count; i++) output[i] += source[i];
    }
}

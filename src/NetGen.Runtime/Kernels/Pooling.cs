// MaxPool2d and MaxUnpool2d, forward and backward, one plane per task. The pool's argmax follows the reference exactly
// (first maximum in row-major window order wins, a NaN first element stays), since MaxUnpool2d depends on those indices.
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using NetGen.Model;

namespace NetGen.Kernels;

public static unsafe class MaxPool2dKernel
{
    // x: [N, C, InH, InW] -> y, indices: [N, C, OutH, OutW]
    public static void Forward(ReadOnlySpan<float> x, Span<float> y, Span<int> indices, int batch, in PoolGeometry g)
    {
        long planes = (long)batch * g.C;
        Spans.Require(x, planes * g.InPlane, nameof(x));
        Spans.Require<float>(y, planes * g.OutPlane, nameof(y));
        Spans.Require<int>(indices, planes * g.OutPlane, nameof(indices));
        fixed (float* px = x, py = y)
        fixed (int* pi = indices)
        {
            var job = new MaxPoolJob { Path = KernelOptions.Path, X = px, XEnd = px + planes * g.InPlane, Y = py, Indices = pi, G = g };
            WorkerPool.Run(ref job, (int)planes, KernelOptions.Threads);
        }
    }

    // dy, indices: [N, C, OutH, OutW] -> dx: [N, C, InH, InW] (overwritten, skipped if empty)
    public static void Backward(ReadOnlySpan<float> dy, ReadOnlySpan<int> indices, Span<float> dx, int batch, in PoolGeometry g)
    {
        if (dx.Length == 0) return;
        long planes = (long)batch * g.C;
        Spans.Require(dy, planes * g.OutPlane, nameof(dy));
        Spans.Require(indices, planes * g.OutPlane, nameof(indices));
        Spans.Require<float>(dx, planes * g.InPlane, nameof(dx));
        fixed (float* pdy = dy, pdx = dx)
        fixed (int* pi = indices)
            ScatterJob.Run(pdy, pi, pdx, (int)planes, g.OutPlane, g.InPlane, accumulate: true, nameof(indices));
    }
}

public static unsafe class MaxUnpool2dKernel
{
    // x, indices: [N, C, OutH, OutW] -> y: [N, C, InH, InW], zero except at the argmax positions
    public static void Forward(ReadOnlySpan<float> x, ReadOnlySpan<int> indices, Span<float> y, int batch, in PoolGeometry g)
    {
        long planes = (long)batch * g.C;
        Spans.Require(x, planes * g.OutPlane, nameof(x));
        Spans.Require(indices, planes * g.OutPlane, nameof(indices));
        Spans.Require<float>(y, planes * g.InPlane, nameof(y));
        fixed (float* px = x, py = y)
        fixed (int* pi = indices)
            ScatterJob.Run(px, pi, py, (int)planes, g.OutPlane, g.InPlane, accumulate: false, nameof(indices));
    }

    // dy: [N, C, InH, InW] -> dx: [N, C, OutH, OutW] (overwritten, skipped if empty), a gather at the argmax positions
    public static void Backward(ReadOnlySpan<float> dy, ReadOnlySpan<int> indices, Span<float> dx, int batch, in PoolGeometry g)
    {
        if (dx.Length == 0) return;
        long planes = (long)batch * g.C;
        Spans.Require(dy, planes * g.InPlane, nameof(dy));
        Spans.Require(indices, planes * g.OutPlane, nameof(indices));
        Spans.Require<float>(dx, planes * g.OutPlane, nameof(dx));
        fixed (float* pdy = dy, pdx = dx)
        fixed (int* pi = indices)
        {
            var job = new GatherJob { Source = pdy, Indices = pi, Output = pdx, SourcePlane = g.InPlane, OutputPlane = g.OutPlane };
            WorkerPool.Run(ref job, (int)planes, KernelOptions.Threads);
            if (job.Bad != 0) throw new ArgumentException("An index lies outside the input plane.", nameof(indices));
        }
    }
}

/// <summary>MaxPool2d forward of one plane: 16 (or 8) outputs of a row at once for strides 1 and 2, scalar elsewhere.</summary>
internal unsafe struct MaxPoolJob : IParallelJob
{
    public VectorPath Path;
    public float* X, XEnd, Y;
    public int* Indices;
    public PoolGeometry G;

    public void Execute(int task, int worker)
    {
        float* x = X + (long)task * G.InPlane;
        float* y = Y + (long)task * G.OutPlane;
        int* indices = Indices + (long)task * G.OutPlane;
        int lanes = Path switch { VectorPath.Vector512 => 16, VectorPath.Vector256 => 8, _ => 1 };
        bool vector = lanes > 1 && (G.Stride == 1 || (G.Stride == 2 && (lanes == 16 || Avx2.IsSupported)));
        for (int oy = 0; oy < G.OutH; oy++)
        {
            int ox = 0;
            if (vector)
            {
                // A row's last, partial block overlaps the one before it and rewrites the same values; on planes 22
                // to 60 wide it saves up to half the row from the scalar loop.
                while (ox < G.OutW && G.OutW >= lanes)
                {
                    int start = Math.Min(ox, G.OutW - lanes);
                    if (!Block(x, oy, start, y, indices, lanes)) break;
                    ox = start + lanes;
                }
            }
            for (; ox < G.OutW; ox++)
            {
                int best = oy * G.Stride * G.InW + ox * G.Stride;
                for (int ky = 0; ky < G.Kernel; ky++)
                for (int kx = 0; kx < G.Kernel; kx++)
                {
                    int at = (oy * G.Stride + ky) * G.InW + ox * G.Stride + kx;
                    if (x[at] > x[best]) best = at;
                }
                y[oy * G.OutW + ox] = x[best];
                indices[oy * G.OutW + ox] = best;
            }
        }
    }

    /// <summary>Outputs ox..ox + lanes of row oy; false (nothing written) where a stride-2 block's loads, 2·lanes values
    /// from its first window, would run past the end of the tensor.</summary>
    private readonly bool Block(float* x, int oy, int ox, float* y, int* indices, int lanes)
    {
        float* last = x + (oy * G.Stride + G.Kernel - 1) * G.InW + ox * G.Stride + G.Kernel - 1;
        if (G.Stride == 2 && last + 2 * lanes > XEnd) return false;
        int at = oy * G.OutW + ox;
        if (lanes == 16) Block512(x, oy, ox, y + at, indices + at);
        else Block256(x, oy, ox, y + at, indices + at);
        return true;
    }

    private readonly void Block512(float* x, int oy, int ox, float* y, int* indices)
    {
        var lane = Vector512.Create(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15) * G.Stride;
        Vector512<float> max = default;
        Vector512<int> index = default;
        for (int ky = 0; ky < G.Kernel; ky++)
        for (int kx = 0; kx < G.Kernel; kx++)
        {
            int first = (oy * G.Stride + ky) * G.InW + ox * G.Stride + kx;
            Vector512<float> v = Load512(x + first);
            Vector512<int> at = lane + Vector512.Create(first);
            if (ky == 0 && kx == 0)
            {
                max = v;
                index = at;
                continue;
            }
            // Strictly greater: the first maximum in window order stays, as in the reference.
            Vector512<float> greater = Vector512.GreaterThan(v, max);
            max = Vector512.ConditionalSelect(greater, v, max);
            index = Vector512.ConditionalSelect(greater.AsInt32(), at, index);
        }
        max.Store(y);
        index.Store(indices);
    }

    private readonly Vector512<float> Load512(float* p)
    {
        if (G.Stride == 1) return Vector512.Load(p);
        var evens = Vector512.Create(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
        return Avx512F.PermuteVar16x32x2(Vector512.Load(p), evens, Vector512.Load(p + 16));
    }

    private readonly void Block256(float* x, int oy, int ox, float* y, int* indices)
    {
        var lane = Vector256.Create(0, 1, 2, 3, 4, 5, 6, 7) * G.Stride;
        Vector256<float> max = default;
        Vector256<int> index = default;
        for (int ky = 0; ky < G.Kernel; ky++)
        for (int kx = 0; kx < G.Kernel; kx++)
        {
            int first = (oy * G.Stride + ky) * G.InW + ox * G.Stride + kx;
            Vector256<float> v = Load256(x + first);
            Vector256<int> at = lane + Vector256.Create(first);
            if (ky == 0 && kx == 0)
            {
                max = v;
                index = at;
                continue;
            }
            Vector256<float> greater = Vector256.GreaterThan(v, max);
            max = Vector256.ConditionalSelect(greater, v, max);
            index = Vector256.ConditionalSelect(greater.AsInt32(), at, index);
        }
        max.Store(y);
        index.Store(indices);
    }

    private readonly Vector256<float> Load256(float* p)
    {
        if (G.Stride == 1) return Vector256.Load(p);
        // Each half gathers its evens into its low 128 bits; the two low halves then make the 8 evens.
        var evensFirst = Vector256.Create(0, 2, 4, 6, 1, 3, 5, 7);
        var lo = Avx2.PermuteVar8x32(Vector256.Load(p), evensFirst);
        var hi = Avx2.PermuteVar8x32(Vector256.Load(p + 8), evensFirst);
        return Avx2.Permute2x128(lo, hi, 0x20);
    }
}

/// <summary>Zero-fills each output plane, then writes (or, for a pool's backward, adds) every value at its index, in order.</summary>
internal unsafe struct ScatterJob : IParallelJob
{
    public float* Values, Output;
    public int* Indices;
    public int ValuePlane, OutputPlane;
    public bool Accumulate;
    public int Bad;

    public void Execute(int task, int worker)
    {
        float* values = Values + (long)task * ValuePlane;
        int* indices = Indices + (long)task * ValuePlane;
        float* output = Output + (long)task * OutputPlane;
        Packing.Clear(output, OutputPlane);
        for (int o = 0; o < ValuePlane; o++)
        {
            int at = indices[o];
            if ((uint)at >= (uint)OutputPlane)
            {
                Volatile.Write(ref Bad, 1);
                continue;
            }
            // Overlapping pooling windows (stride < kernel) can pick one input twice; its gradient is the sum.
            if (Accumulate) output[at] += values[o];
            else output[at] = values[o];
        }
    }

    /// <summary>One task per plane; throws, naming <paramref name="indicesName"/>, if any index lay outside its output plane.</summary>
    public static void Run(float* values, int* indices, float* output, int planes, int valuePlane, int outputPlane, bool accumulate, string indicesName)
    {
        var job = new ScatterJob { Values = values, Indices = indices, Output = output, ValuePlane = valuePlane, OutputPlane = outputPlane, Accumulate = accumulate };
        WorkerPool.Run(ref job, planes, KernelOptions.Threads);
        if (job.Bad != 0) throw new ArgumentException("An index lies outside the output plane.", indicesName);
    }
}

/// <summary>output[o] = source[indices[o]] within each plane.</summary>
internal unsafe struct GatherJob : IParallelJob
{
    public float* Source, Output;
    public int* Indices;
    public int SourcePlane, OutputPlane;
    public int Bad;

    public void Execute(int task, int worker)
    {
        float* source = Source + (long)task * SourcePlane;
        int* indices = Indices + (long)task * OutputPlane;
        float* output = Output + (long)task * OutputPlane;
        for (int o = 0; o < OutputPlane; o++)
        {
            int at = indices[o];
            if ((uint)at >= (uint)SourcePlane)
            {
                Volatile.Write(ref Bad, 1);
                output[o] = 0;
                continue;
            }
            output[o] = source[at];
        }
    }
}

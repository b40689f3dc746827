// MaxPool2d and MaxUnpool2d, forward and backward, one plane per task. The common 2×2, stride-2 pool has its own vector
// row loop; scatters over windows that do not overlap write each plane in one dense pass; the gather uses hardware
// gathers. The pool's argmax follows the reference exactly (first maximum in row-major window order wins, a NaN first
// element stays), since MaxUnpool2d depends on those indices.
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
            MaxPoolJob.Run(px, py, pi, (int)planes, g);
    }

    // dy, indices: [N, C, OutH, OutW] -> dx: [N, C, InH, InW] (overwritten, skipped if empty)
    public static void Backward(ReadOnlySpan<float> dy, ReadOnlySpan<int> indices, Span<float> dx, int batch, in PoolGeometry g) =>
        Backward(dy, default, indices, dx, batch, g);

    // The pool's and the ReLU's before it in one pass: x was that ReLU's output, so x > 0 at an argmax exactly where the
    // pooled y > 0, and each dy counts only where its y > 0.
    // dy, y, indices: [N, C, OutH, OutW] -> dx: [N, C, InH, InW], the ReLU's input gradient (overwritten, skipped if empty)
    public static void BackwardThroughReLU(ReadOnlySpan<float> dy, ReadOnlySpan<float> y, ReadOnlySpan<int> indices, Span<float> dx,
        int batch, in PoolGeometry g)
    {
        Spans.Require(y, (long)batch * g.C * g.OutPlane, nameof(y));
        Backward(dy, y, indices, dx, batch, g);
    }

    private static void Backward(ReadOnlySpan<float> dy, ReadOnlySpan<float> gate, ReadOnlySpan<int> indices, Span<float> dx, int batch, in PoolGeometry g)
    {
        if (dx.Length == 0) return;
        long planes = (long)batch * g.C;
        Spans.Require(dy, planes * g.OutPlane, nameof(dy));
        Spans.Require(indices, planes * g.OutPlane, nameof(indices));
        Spans.Require<float>(dx, planes * g.InPlane, nameof(dx));
        fixed (float* pdy = dy, pgate = gate, pdx = dx)
        fixed (int* pi = indices)
            ScatterJob.Run(pdy, pgate, pi, pdx, (int)planes, g, accumulate: true, nameof(indices));
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
            ScatterJob.Run(px, null, pi, py, (int)planes, g, accumulate: false, nameof(indices));
    }

    // dy: [N, C, InH, InW] -> dx: [N, C, OutH, OutW] (overwritten, skipped if empty), a gather at the argmax positions
    public static void Backward(ReadOnlySpan<float> dy, ReadOnlySpan<int> indices, Span<float> dx, int batch, in PoolGeometry g) =>
        Backward(dy, default, indices, dx, batch, g);

    // The unpool's and the ReLU's before it in one pass: x is that ReLU's output, and dx is zero wherever x <= 0.
    // dy: [N, C, InH, InW], x, indices: [N, C, OutH, OutW] -> dx: [N, C, OutH, OutW], the ReLU's input gradient
    public static void BackwardThroughReLU(ReadOnlySpan<float> dy, ReadOnlySpan<float> x, ReadOnlySpan<int> indices, Span<float> dx,
        int batch, in PoolGeometry g)
    {
        Spans.Require(x, (long)batch * g.C * g.OutPlane, nameof(x));
        Backward(dy, x, indices, dx, batch, g);
    }

    private static void Backward(ReadOnlySpan<float> dy, ReadOnlySpan<float> gate, ReadOnlySpan<int> indices, Span<float> dx, int batch, in PoolGeometry g)
    {
        if (dx.Length == 0) return;
        long planes = (long)batch * g.C;
        Spans.Require(dy, planes * g.InPlane, nameof(dy));
        Spans.Require(indices, planes * g.OutPlane, nameof(indices));
        Spans.Require<float>(dx, planes * g.OutPlane, nameof(dx));
        fixed (float* pdy = dy, pgate = gate, pdx = dx)
        fixed (int* pi = indices)
        {
            GatherJob.Run(pdy, pgate, pi, pdx, (int)planes, g);
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

    /// <summary>Pools `planes` planes of x into y and indices, one plane per task.</summary>
    public static void Run(float* x, float* y, int* indices, int planes, in PoolGeometry g)
    {
        var job = new MaxPoolJob { Path = KernelOptions.Path, X = x, XEnd = x + (long)planes * g.InPlane, Y = y, Indices = indices, G = g };
        WorkerPool.Run(ref job, planes, KernelOptions.Threads);
    }

    public void Execute(int task, int worker)
    {
        Rows(X + (long)task * G.InPlane, Y + (long)task * G.OutPlane, Indices + (long)task * G.OutPlane, 0, G.OutH);
    }

    /// <summary>Output rows [oyFrom, oyTo) of one plane: x, y, indices are the plane's; x is read only on those rows'
    /// windows (a convolution's band buffer can stand in for them: see CorrelationBands), and a vector never reads past XEnd.</summary>
    public readonly void Rows(float* x, float* y, int* indices, int oyFrom, int oyTo)
    {
        int lanes = Path switch { VectorPath.Vector512 => 16, VectorPath.Vector256 => 8, _ => 1 };
        bool vector = lanes > 1 && (G.Stride == 1 || (G.Stride == 2 && (lanes == 16 || Avx2.IsSupported)));
        bool pairs = lanes == 16 && G.Kernel == 2 && G.Stride == 2 && G.OutW >= 16;
        for (int oy = oyFrom; oy < oyTo; oy++)
        {
            int ox = 0;
            if (pairs)
            {
                Row2x2(x, oy, y, indices);
                continue;
            }
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

    /// <summary>Row oy of a 2×2, stride-2 pool (the common one), 16 outputs at a time: the two input rows' 32 values
    /// split into even and odd columns make the window's four taps in window order. The loads end at the last window's
    /// odd column, inside the plane; a partial last block overlaps the one before.</summary>
    private readonly void Row2x2(float* x, int oy, float* y, int* indices)
    {
        var evens = Vector512.Create(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
        var odds = evens + Vector512<int>.One;
        var lane = evens;
        var one = Vector512<int>.One;
        var below = Vector512.Create(G.InW);
        for (int ox = 0; ox < G.OutW; ox += 16)
        {
            int start = Math.Min(ox, G.OutW - 16);
            int first = 2 * oy * G.InW + 2 * start;
            float* top = x + first, bottom = top + G.InW;
            Vector512<float> t0 = Vector512.Load(top), t1 = Vector512.Load(top + 16);
            Vector512<float> b0 = Vector512.Load(bottom), b1 = Vector512.Load(bottom + 16);
            Vector512<int> at = lane + Vector512.Create(first);
            Vector512<float> max = Avx512F.PermuteVar16x32x2(t0, evens, t1);
            Vector512<int> index = at;
            Vector512<float> v = Avx512F.PermuteVar16x32x2(t0, odds, t1);
            Vector512<float> greater = Vector512.GreaterThan(v, max);
            max = Vector512.ConditionalSelect(greater, v, max);
            index = Vector512.ConditionalSelect(greater.AsInt32(), at + one, index);
            v = Avx512F.PermuteVar16x32x2(b0, evens, b1);
            greater = Vector512.GreaterThan(v, max);
            max = Vector512.ConditionalSelect(greater, v, max);
            index = Vector512.ConditionalSelect(greater.AsInt32(), at + below, index);
            v = Avx512F.PermuteVar16x32x2(b0, odds, b1);
            greater = Vector512.GreaterThan(v, max);
            max = Vector512.ConditionalSelect(greater, v, max);
            index = Vector512.ConditionalSelect(greater.AsInt32(), at + below + one, index);
            max.Store(y + oy * G.OutW + start);
            index.Store(indices + oy * G.OutW + start);
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

/// <summary>Writes (or, for a pool's backward, adds) every value at its index into a zeroed output plane. Where windows do
/// not overlap (kernel ≤ stride), each index normally lies in its own stride × stride cell: then every output position is
/// written once, in one dense pass without a clear, as its cell's value where the cell's index points at it and zero
/// elsewhere. A plane whose indices do not all hit their cells (counted on the way) is redone the general way.</summary>
internal unsafe struct ScatterJob : IParallelJob
{
    public VectorPath Path;
    public float* Values, Output;
    /// <summary>Where set (laid out like Values), a value counts only where its gate is positive: see MaxPool2dKernel.BackwardThroughReLU.</summary>
    public float* Gate;
    public int* Indices;
    public PoolGeometry G;
    public bool Accumulate;
    public int Bad;

    public void Execute(int task, int worker)
    {
        float* values = Values + (long)task * G.OutPlane;
        float* gate = Gate == null ? null : Gate + (long)task * G.OutPlane;
        int* indices = Indices + (long)task * G.OutPlane;
        float* output = Output + (long)task * G.InPlane;
        if (G.Kernel <= G.Stride && Dense(values, gate, indices, output) == G.OutPlane) return;
        Packing.Clear(output, G.InPlane);
        for (int o = 0; o < G.OutPlane; o++)
        {
            int at = indices[o];
            if ((uint)at >= (uint)G.InPlane)
            {
                Volatile.Write(ref Bad, 1);
                continue;
            }
            float value = gate == null || gate[o] > 0f ? values[o] : 0f;
            // Overlapping pooling windows (stride < kernel) can pick one input twice; its gradient is the sum.
            if (Accumulate) output[at] += value;
            else output[at] = value;
        }
    }

    /// <summary>Fills the plane densely; returns how many indices hit their own cell (all of them: the plane is done).</summary>
    private readonly int Dense(float* values, float* gate, int* indices, float* output)
    {
        int hits = 0;
        for (int iy = 0; iy < G.InH; iy++)
            hits += UnpoolRows.Fill(values, gate, indices, G, iy, output + (long)iy * G.InW, Path, Accumulate);
        return hits;
    }

    /// <summary>One task per plane; throws, naming <paramref name="indicesName"/>, if any index lay outside its output plane.</summary>
    public static void Run(float* values, float* gate, int* indices, float* output, int planes, in PoolGeometry g, bool accumulate, string indicesName)
    {
        var job = new ScatterJob
        {
            Path = KernelOptions.Path, Values = values, Gate = gate, Indices = indices, Output = output, G = g, Accumulate = accumulate,
        };
        WorkerPool.Run(ref job, planes, KernelOptions.Threads);
        if (job.Bad != 0) throw new ArgumentException("An index lies outside the output plane.", indicesName);
    }
}

/// <summary>One row of a scatter over pooling windows that do not overlap (kernel ≤ stride), written densely: see ScatterJob.
/// Shared with the convolutions that read an unpool's output row by row as they pack it (CorrelationBands).</summary>
internal static unsafe class UnpoolRows
{
    /// <summary>Writes row <paramref name="iy"/> of the unpooled plane (InW floats) to <paramref name="row"/>: each cell's value
    /// where the cell's index points at that position, zero elsewhere; returns how many positions of the row were hit.
    /// values, gate (may be null), indices: one pooled plane [OutH, OutW].</summary>
    public static int Fill(float* values, float* gate, int* indices, in PoolGeometry g, int iy, float* row, VectorPath path, bool accumulate)
    {
        int s = g.Stride, hits = 0;
        int oy = iy / s;
        if (oy >= g.OutH)
        {
            Packing.Clear(row, g.InW);
            return 0;
        }
        // With kernel < stride the last cell can reach past the plane's edge; its outside part holds no window input.
        int cellsW = Math.Min(g.OutW * s, g.InW);
        // Vectors of 2·(lanes / 2) inputs expand lanes / 2 cells of a stride-2 row.
        int lanes = s != 2 ? 1 : path switch
        {
            VectorPath.Vector512 => 16,
            VectorPath.Vector256 when Avx2.IsSupported => 8,
            _ => 1,
        };
        float* v = values + oy * g.OutW;
        float* gt = gate == null ? null : gate + oy * g.OutW;
        int* index = indices + oy * g.OutW;
        int first = iy * g.InW, ix = 0;
        // Hits are counted in vector lanes (a hit is −1) and summed once per row.
        if (lanes == 16)
        {
            var count = Vector512<int>.Zero;
            for (; ix + 16 <= cellsW; ix += 16)
                count += Expand512(v + ix / 2, gt == null ? null : gt + ix / 2, index + ix / 2, first + ix, row + ix, accumulate);
            hits -= Vector512.Sum(count);
        }
        else if (lanes == 8)
        {
            var count = Vector256<int>.Zero;
            for (; ix + 8 <= cellsW; ix += 8)
                count += Expand256(v + ix / 2, gt == null ? null : gt + ix / 2, index + ix / 2, first + ix, row + ix, accumulate);
            hits -= Vector256.Sum(count);
        }
        for (; ix < cellsW; ix++)
        {
            int o = ix / s;
            bool hit = index[o] == first + ix;
            hits += hit ? 1 : 0;
            row[ix] = hit && (gt == null || gt[o] > 0f) ? Zeroed(v[o], accumulate) : 0f;
        }
        for (; ix < g.InW; ix++) row[ix] = 0f;
        return hits;
    }

    // A pool's gradient is a sum from zero, which turns −0 into +0.
    private static float Zeroed(float value, bool accumulate) => accumulate ? value + 0f : value;

    private static Vector512<int> Expand512(float* values, float* gate, int* indices, int first, float* output, bool accumulate)
    {
        var pairs = Vector512.Create(0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7);
        var loaded = Vector256.Load(values);
        if (gate != null) loaded &= Vector256.GreaterThan(Vector256.Load(gate), Vector256<float>.Zero);
        var v = Avx512F.PermuteVar16x32(loaded.ToVector512Unsafe(), pairs);
        var index = Avx512F.PermuteVar16x32(Vector256.Load(indices).ToVector512Unsafe(), pairs);
        var hit = Vector512.Equals(index, Vector512<int>.Indices + Vector512.Create(first));
        var result = v & hit.AsSingle();
        if (accumulate) result += Vector512<float>.Zero;
        result.Store(output);
        return hit;
    }

    private static Vector256<int> Expand256(float* values, float* gate, int* indices, int first, float* output, bool accumulate)
    {
        var pairs = Vector256.Create(0, 0, 1, 1, 2, 2, 3, 3);
        var loaded = Vector128.Load(values);
        if (gate != null) loaded &= Vector128.GreaterThan(Vector128.Load(gate), Vector128<float>.Zero);
        var v = Avx2.PermuteVar8x32(loaded.ToVector256Unsafe(), pairs);
        var index = Avx2.PermuteVar8x32(Vector128.Load(indices).ToVector256Unsafe(), pairs);
        var hit = Vector256.Equals(index, Vector256<int>.Indices + Vector256.Create(first));
        var result = v & hit.AsSingle();
        if (accumulate) result += Vector256<float>.Zero;
        result.Store(output);
        return hit;
    }
}

/// <summary>output[o] = source[indices[o]] within each plane.</summary>
internal unsafe struct GatherJob : IParallelJob
{
    public VectorPath Path;
    public float* Source, Output;
    /// <summary>Where set (laid out like Output), output is zero wherever the gate is not positive.</summary>
    public float* Gate;
    public int* Indices;
    public int SourcePlane, OutputPlane;
    public int Bad;

    /// <summary>Gathers `planes` planes of source (g.InPlane each) at their indices into output (g.OutPlane each), gated where
    /// gate is set; throws, naming "indices", if an index lies outside its source plane.</summary>
    public static void Run(float* source, float* gate, int* indices, float* output, int planes, in PoolGeometry g)
    {
        var job = new GatherJob { Path = KernelOptions.Path, Source = source, Gate = gate, Indices = indices, Output = output, SourcePlane = g.InPlane, OutputPlane = g.OutPlane };
        WorkerPool.Run(ref job, planes, KernelOptions.Threads);
        if (job.Bad != 0) throw new ArgumentException("An index lies outside the input plane.", "indices");
    }

    public void Execute(int task, int worker)
    {
        float* source = Source + (long)task * SourcePlane;
        int* indices = Indices + (long)task * OutputPlane;
        float* output = Output + (long)task * OutputPlane;
        float* gate = Gate == null ? null : Gate + (long)task * OutputPlane;
        // One by one: on this Zen 4 an 8-wide hardware gather made the unpool backward of SegNet-Basic 180×240 ~35 % slower
        // (1.4 → 1.9 ms for its four layers) than plain loads.
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
        // Gated afterwards, a vector at a time, while the plane is in L1: a select per value in the loop above branched on
        // the sign of each x and made the gather 2–3× slower.
        if (gate != null) ReLUJob.Select(gate, output, output, OutputPlane, Path);
    }
}

/// <summary>An unpool's backward done band by band by the convolution that computes the unpool's output gradient
/// (CorrelationBands.GatherBand): each pooled position reads that gradient at its argmax, which must lie in the position's
/// own stride × stride cell (a pool whose windows do not overlap puts it there), so a band of whole cells holds it.</summary>
internal static unsafe class UnpoolGather
{
    /// <summary>Pooled rows [oyFrom, oyTo) of one plane: output[q] = source[indices[q]], or 0 where gate (null: none) is not
    /// positive. source is the unpooled plane (g.InW wide), read only on those rows' cells; g.Kernel = g.Stride. Returns
    /// how many argmax (or blocks of them) lay outside their cells, whose outputs are then not to be used.</summary>
    public static int Rows(VectorPath path, float* source, float* gate, int* indices, float* output, in PoolGeometry g, int oyFrom, int oyTo)
    {
        int s = g.Stride, w = g.InW, outW = g.OutW, missed = 0;
        // 2×2 windows, two rows of 2·lanes values split into even and odd columns: the cell's four taps, picked by the argmax.
        int lanes = g.Kernel == 2 && s == 2 ? path switch { VectorPath.Vector512 => 16, VectorPath.Vector256 when Avx2.IsSupported => 8, _ => 0 } : 0;
        bool vector = lanes > 0 && outW >= lanes;
        for (int oy = oyFrom; oy < oyTo; oy++)
        {
            int row = oy * outW, ox = 0;
            if (vector)
            {
                // A row's last, partial block overlaps the one before it and rewrites the same values.
                for (; ox < outW; ox += lanes)
                {
                    int start = Math.Min(ox, outW - lanes);
                    missed += lanes == 16
                        ? Block512(source, gate, indices, output, row + start, 2 * oy * w + 2 * start, w)
                        : Block256(source, gate, indices, output, row + start, 2 * oy * w + 2 * start, w);
                }
            }
            for (; ox < outW; ox++)
            {
                int q = row + ox, cell = oy * s * w + ox * s, at = indices[q];
                bool inCell = false;
                for (int ky = 0; ky < s; ky++) inCell |= (uint)(at - cell - ky * w) < (uint)s;
                if (!inCell)
                {
                    missed++;
                    continue;
                }
                output[q] = gate == null || gate[q] > 0f ? source[at] : 0f;
            }
        }
        return missed;
    }

    private static int Block512(float* source, float* gate, int* indices, float* output, int q, int cell, int w)
    {
        var evens = Vector512.Create(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
        var odds = evens + Vector512<int>.One;
        float* top = source + cell, bottom = top + w;
        Vector512<float> t0 = Vector512.Load(top), t1 = Vector512.Load(top + 16);
        Vector512<float> b0 = Vector512.Load(bottom), b1 = Vector512.Load(bottom + 16);
        Vector512<int> at = Vector512.Load(indices + q) - (evens + Vector512.Create(cell));
        Vector512<int> right = Vector512.Equals(at, Vector512<int>.One), below = Vector512.Equals(at, Vector512.Create(w));
        Vector512<int> both = Vector512.Equals(at, Vector512.Create(w + 1));
        Vector512<float> v = Avx512F.PermuteVar16x32x2(t0, evens, t1);
        v = Vector512.ConditionalSelect(right.AsSingle(), Avx512F.PermuteVar16x32x2(t0, odds, t1), v);
        v = Vector512.ConditionalSelect(below.AsSingle(), Avx512F.PermuteVar16x32x2(b0, evens, b1), v);
        v = Vector512.ConditionalSelect(both.AsSingle(), Avx512F.PermuteVar16x32x2(b0, odds, b1), v);
        if (gate != null) v = Vector512.ConditionalSelect(Vector512.GreaterThan(Vector512.Load(gate + q), Vector512<float>.Zero), v, Vector512<float>.Zero);
        v.Store(output + q);
        Vector512<int> inCell = Vector512.Equals(at, Vector512<int>.Zero) | right | below | both;
        return inCell == Vector512<int>.AllBitsSet ? 0 : 1;
    }

    private static int Block256(float* source, float* gate, int* indices, float* output, int q, int cell, int w)
    {
        var evens = Vector256.Create(0, 2, 4, 6, 8, 10, 12, 14);
        float* top = source + cell, bottom = top + w;
        Vector256<int> at = Vector256.Load(indices + q) - (evens + Vector256.Create(cell));
        Vector256<int> right = Vector256.Equals(at, Vector256<int>.One), below = Vector256.Equals(at, Vector256.Create(w));
        Vector256<int> both = Vector256.Equals(at, Vector256.Create(w + 1));
        Vector256<float> v = Split(top, odd: false);
        v = Vector256.ConditionalSelect(right.AsSingle(), Split(top, odd: true), v);
        v = Vector256.ConditionalSelect(below.AsSingle(), Split(bottom, odd: false), v);
        v = Vector256.ConditionalSelect(both.AsSingle(), Split(bottom, odd: true), v);
        if (gate != null) v = Vector256.ConditionalSelect(Vector256.GreaterThan(Vector256.Load(gate + q), Vector256<float>.Zero), v, Vector256<float>.Zero);
        v.Store(output + q);
        Vector256<int> inCell = Vector256.Equals(at, Vector256<int>.Zero) | right | below | both;
        return inCell == Vector256<int>.AllBitsSet ? 0 : 1;
    }

    // The even (or odd) columns of the 16 values at p: each half gathers them into its low 128 bits, and the two low halves
    // make the 8.
    private static Vector256<float> Split(float* p, bool odd)
    {
        var order = odd ? Vector256.Create(1, 3, 5, 7, 0, 2, 4, 6) : Vector256.Create(0, 2, 4, 6, 1, 3, 5, 7);
        var lo = Avx2.PermuteVar8x32(Vector256.Load(p), order);
        var hi = Avx2.PermuteVar8x32(Vector256.Load(p + 8), order);
        return Avx2.Permute2x128(lo, hi, 0x20);
    }
}

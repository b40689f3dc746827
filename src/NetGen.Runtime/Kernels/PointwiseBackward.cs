// The backward of a 1×1, stride-1, unpadded convolution with few output channels (a classifier: one per class) in one pass
// over its pixels: dx[c] = Σ_k w[k, c]·dy[k] (zero where the gate, x itself, is not positive), dw[k, c] += Σ x[c]·dy[k] and
// db[k] += Σ dy[k]. Done apart (bias, weight gradient, input gradient), x and dy came from memory three times; here each
// chunk of pixels brings them into cache once and every pass over it reads them there. Chunks are fixed by the shape and
// their sums added in chunk order: the same gradients on any number of threads.
using System.Runtime.Intrinsics;
using NetGen.Losses;

namespace NetGen.Kernels;

internal unsafe struct PointwiseBackwardJob : IParallelJob
{
    // Pixels per task, by the shape alone (the sums' order must not depend on the threads): dy's planes and one input
    // channel's x and dx fit half an L2 while every input channel runs over them, and a plane makes at least 4 tasks where it
    // can, within 1024 to 16384. Small chunks cost more than their tasks: each plane's chunk starts the prefetcher over (2
    // classes at 256×256, in the network: 0.49–0.50 ms with 1024 pixels, 0.43–0.45 with 4096, 0.37–0.42 with 16384).
    private static int ChunkPixels(int k, long plane) =>
        (int)Math.Clamp(Math.Min(128 * 1024 / (k + 2), (plane + 3) / 4) / 1024 * 1024, 1024, 16384);

    /// <summary>The most output channels this pass takes: each pair of them is one more pass over the chunk's x (beyond
    /// that, the tiled weight gradient of the general path does better).</summary>
    public const int MaxOutC = 16;

    public VectorPath Path;
    public float* X, Dy, W, Dx, Partials;
    public int C, K, Chunks, ChunkSize, Stride;
    public long Plane;
    public bool Gated;

    /// <summary>x [N, c, plane], dy [N, k, plane], w [k, c] → dx [N, c, plane] (overwritten; null: skipped), dw [k, c] and
    /// db [k] (added to; null: skipped). <paramref name="gated"/>: dx is zero wherever x is not positive (x is a ReLU's output).</summary>
    public static void Run(float* x, int c, float* dy, int k, float* w, float* dx, float* dw, float* db, long plane, int batch, bool gated)
    {
        int chunkPixels = ChunkPixels(k, plane), chunks = (int)((plane + chunkPixels - 1) / chunkPixels), tasks = batch * chunks, stride = k * c + k;
        var job = new PointwiseBackwardJob
        {
            Path = KernelOptions.Path, X = x, Dy = dy, W = w, Dx = dx, C = c, K = k, Chunks = chunks, ChunkSize = chunkPixels, Stride = stride, Plane = plane,
            Gated = gated, Partials = Workspace.Current.Get<float>(ScratchSlot.Partials, (long)tasks * stride),
        };
        WorkerPool.Run(ref job, tasks, KernelOptions.Threads);
        // Each chunk's sums, [k·c weight sums][k bias sums], added up in chunk order in double.
        if (dw != null) AddChunkSums(job.Partials, 0, k * c, dw, tasks, stride);
        if (db != null) AddChunkSums(job.Partials, k * c, k, db, tasks, stride);
    }

    private static void AddChunkSums(float* partials, int first, int count, float* target, int tasks, int stride)
    {
        for (int i = 0; i < count; i++)
        {
            double sum = 0;
            for (int t = 0; t < tasks; t++) sum += partials[(long)t * stride + first + i];
            target[i] += (float)sum;
        }
    }

    public void Execute(int task, int worker)
    {
        int n = task / Chunks;
        long from = (long)(task % Chunks) * ChunkSize, to = Math.Min(Plane, from + ChunkSize);
        float* partial = Partials + (long)task * Stride;
        switch (Path)
        {
            case VectorPath.Vector512:
                Chunk<Lanes512, Vector512<float>>(n, from, to, partial);
                break;
            case VectorPath.Vector256:
                Chunk<Lanes256, Vector256<float>>(n, from, to, partial);
                break;
            default:
                Chunk<Lanes1, float>(n, from, to, partial);
                break;
        }
    }

    // The chunk's pixels [from, to) of sample n: whole vectors (writing the sums, zeros if there are none), then the tail one
    // pixel at a time (Lanes1), adding to them.
    private readonly void Chunk<TLanes, TV>(int n, long from, long to, float* partial) where TLanes : ILanes<TV> where TV : struct
    {
        long vectorEnd = from + (to - from) / TLanes.Count * TLanes.Count;
        Pixels<TLanes, TV>(n, from, vectorEnd, partial, add: false);
        if (vectorEnd < to) Pixels<Lanes1, float>(n, vectorEnd, to, partial, add: true);
    }

    // Pixels [from, to) (a whole number of TV vectors): writes (or with `add`, adds to) the chunk's sums. Output channels go
    // in pairs: each pair is one pass over every input channel's plane, summing x·dy for both and adding both terms of dx
    // (the first pair stores dx, later ones add to it, the last applies the gate).
    private readonly void Pixels<TLanes, TV>(int n, long from, long to, float* partial, bool add) where TLanes : ILanes<TV> where TV : struct
    {
        int c = C, k = K, count = TLanes.Count;
        float* x = X + (long)n * c * Plane, dy = Dy + (long)n * k * Plane, dx = Dx == null ? null : Dx + (long)n * c * Plane;
        for (int o = 0; o < k; o++)
        {
            float* d = dy + o * Plane;
            TV sum = TLanes.Zero;
            for (long p = from; p < to; p += count) sum = TLanes.Add(sum, TLanes.Load(d + p));
            Accumulate(partial + k * c + o, TLanes.Sum(sum), add);
        }
        for (int i = 0; i < c; i++)
        {
            float* xi = x + i * Plane, dxi = dx == null ? null : dx + i * Plane;
            for (int a = 0; a < k; a += 2)
            {
                // An odd last channel pairs with itself, its second sum dropped and its second weight zero.
                int b = Math.Min(a + 1, k - 1);
                float* da = dy + a * Plane, db = dy + b * Plane;
                TV wa = TLanes.Create(W[a * c + i]), wb = TLanes.Create(b == a ? 0f : W[b * c + i]);
                TV sa = TLanes.Zero, sb = TLanes.Zero;
                bool first = a == 0, last = a + 2 >= k;
                for (long p = from; p < to; p += count)
                {
                    TV xv = TLanes.Load(xi + p), va = TLanes.Load(da + p), vb = TLanes.Load(db + p);
                    sa = TLanes.MultiplyAdd(xv, va, sa);
                    sb = TLanes.MultiplyAdd(xv, vb, sb);
                    if (dxi == null) continue;
                    TV t = TLanes.MultiplyAdd(wb, vb, first ? TLanes.Multiply(wa, va) : TLanes.MultiplyAdd(wa, va, TLanes.Load(dxi + p)));
                    TLanes.Store(last && Gated ? TLanes.WherePositive(xv, t) : t, dxi + p);
                }
                Accumulate(partial + a * c + i, TLanes.Sum(sa), add);
                if (b != a) Accumulate(partial + b * c + i, TLanes.Sum(sb), add);
            }
        }
    }

    private static void Accumulate(float* at, float value, bool add) => *at = add ? *at + value : value;
}

/// <summary>One float as a one-lane vector: the scalar path, and the vector paths' tails.</summary>
internal readonly unsafe struct Lanes1 : ILanes<float>
{
    public static int Count => 1;
    public static float Zero => 0f;
    public static float Load(float* source) => *source;
    public static void Store(float value, float* destination) => *destination = value;
    public static float Max(float a, float b) => MathF.Max(a, b);
    public static float Add(float a, float b) => a + b;
    public static float Subtract(float a, float b) => a - b;
    public static float Multiply(float a, float b) => a * b;
    public static float Exp(float value) => MathF.Exp(value);
    public static float Log(float value) => MathF.Log(value);
    public static float Create(float value) => value;
    public static float Divide(float a, float b) => a / b;
    public static float LabelMask(int* labels, int c) => *labels == c ? BitConverter.Int32BitsToSingle(-1) : 0f;
    public static float Select(float mask, float a, float b) => BitConverter.SingleToInt32Bits(mask) != 0 ? a : b;
    public static float MultiplyAdd(float a, float b, float c) => Simd.Mad(a, b, c);
    public static float Sum(float value) => value;
    public static float WherePositive(float gate, float a) => gate > 0f ? a : 0f;
}

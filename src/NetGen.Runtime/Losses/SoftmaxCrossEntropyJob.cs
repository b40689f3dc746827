// One chunk of pixels of the softmax cross-entropy per task: the per-pixel max and exp-sum over the classes, the loss, and
// (in training) the gradient, in one pass over the chunk. The class-plane exps go straight into the gradient buffer and
// are scaled there, so each logit is read once and exp'd once. Vector512, Vector256 and scalar paths share one generic body.
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using NetGen.Kernels;

namespace NetGen.Losses;

internal unsafe struct SoftmaxCrossEntropyJob : IParallelJob
{
    // Pixels per task: enough to amortize a task, small enough that a chunk's class planes stay in L2 (11 classes: 90 KB).
    private const int ChunkPixels = 2048;

    public VectorPath Path;
    public float* Logits, Gradient, Weights;
    public int* Labels;
    public int Classes, Plane, Chunks, IgnoreLabel;
    public bool HasIgnoreLabel;
    public float Scale;
    public double* Partials;

    public static int ChunksOf(int plane) => (plane + ChunkPixels - 1) / ChunkPixels;

    public void Execute(int task, int worker)
    {
        int n = task / Chunks, start = task % Chunks * ChunkPixels, end = Math.Min(Plane, start + ChunkPixels);
        Partials[task] = Path switch
        {
            VectorPath.Vector512 => Run<Lanes512, Vector512<float>>(n, start, end),
            VectorPath.Vector256 => Run<Lanes256, Vector256<float>>(n, start, end),
            _ => Pixels(n, start, end),
        };
    }

    // Segments of 16 whole vectors, then the tail pixel by pixel. Returns Σ w_y·(log Σexp + max − x_y) over [start, end).
    // Each step sweeps one class plane at a time: interleaving the planes vector by vector would put loads and stores
    // whose addresses differ by a multiple of 4 KB next to each other (planes of 64×64 or 256×256 pixels), which the
    // core treats as possible aliases and stalls on.
    private readonly double Run<TLanes, TV>(int n, int start, int end) where TLanes : ILanes<TV> where TV : struct
    {
        int count = TLanes.Count, segment = 16 * count, p = start;
        long sample = (long)n * Classes * Plane;
        float* x = Logits + sample, dx = Gradient == null ? null : Gradient + sample;
        int* y = Labels + (long)n * Plane;
        float* max = stackalloc float[256], sum = stackalloc float[256], logSum = stackalloc float[256];
        float* xLabel = stackalloc float[256], w = stackalloc float[256];
        double loss = 0;
        for (; p <= end - segment; p += segment)
        {
            for (int v = 0; v < segment; v += count) TLanes.Store(TLanes.Load(x + p + v), max + v);
            for (int c = 1; c < Classes; c++)
            {
                float* xc = x + (long)c * Plane + p;
                for (int v = 0; v < segment; v += count) TLanes.Store(TLanes.Max(TLanes.Load(max + v), TLanes.Load(xc + v)), max + v);
            }
            for (int v = 0; v < segment; v += count) TLanes.Store(TLanes.Zero, sum + v);
            for (int c = 0; c < Classes; c++)
            {
                float* xc = x + (long)c * Plane + p, dc = dx == null ? null : dx + (long)c * Plane + p;
                for (int v = 0; v < segment; v += count)
                {
                    TV e = TLanes.Exp(TLanes.Subtract(TLanes.Load(xc + v), TLanes.Load(max + v)));
                    TLanes.Store(TLanes.Add(TLanes.Load(sum + v), e), sum + v);
                    if (dc != null) TLanes.Store(e, dc + v);
                }
            }
            // The label-dependent terms, vector by vector: each class's lanes pick its logit and weight (Weight: 0 for the ignored
            // label, whether or not it is a class; a label matching no class keeps 0), `sum` becomes the gradient factor
            // Scale·w / Σexp, and the loss adds up in double.
            TV scale = TLanes.Create(Scale);
            for (int v = 0; v < segment; v += count)
            {
                TV labelLogit = TLanes.Zero, weight = TLanes.Zero;
                for (int c = 0; c < Classes; c++)
                {
                    TV mask = TLanes.LabelMask(y + p + v, c);
                    labelLogit = TLanes.Select(mask, TLanes.Load(x + (long)c * Plane + p + v), labelLogit);
                    weight = TLanes.Select(mask, TLanes.Create(Weight(c)), weight);
                }
                TLanes.Store(labelLogit, xLabel + v);
                TLanes.Store(weight, w + v);
                TV total = TLanes.Load(sum + v);
                TLanes.Store(TLanes.Log(total), logSum + v);
                TLanes.Store(TLanes.Divide(TLanes.Multiply(scale, weight), total), sum + v);
            }
            // Four running sums in a fixed order (one would chain every pixel's add behind the last).
            double l0 = 0, l1 = 0, l2 = 0, l3 = 0;
            for (int i = 0; i < segment; i += 4)
            {
                l0 += Term(w[i], logSum[i], max[i], xLabel[i]);
                l1 += Term(w[i + 1], logSum[i + 1], max[i + 1], xLabel[i + 1]);
                l2 += Term(w[i + 2], logSum[i + 2], max[i + 2], xLabel[i + 2]);
                l3 += Term(w[i + 3], logSum[i + 3], max[i + 3], xLabel[i + 3]);
            }
            loss += (l0 + l1) + (l2 + l3);
            if (dx == null) continue;
            // ∂/∂x_c = Scale·w·softmax_c − Scale·w on the label's class.
            for (int c = 0; c < Classes; c++)
            {
                float* dc = dx + (long)c * Plane + p;
                for (int v = 0; v < segment; v += count)
                {
                    TV onLabel = TLanes.Select(TLanes.LabelMask(y + p + v, c), TLanes.Multiply(scale, TLanes.Load(w + v)), TLanes.Zero);
                    TLanes.Store(TLanes.Subtract(TLanes.Multiply(TLanes.Load(dc + v), TLanes.Load(sum + v)), onLabel), dc + v);
                }
            }
        }
        return loss + Pixels(n, p, end);
    }

    // The scalar path, and the tail of the vector ones: the same steps for one pixel at a time.
    private readonly double Pixels(int n, int start, int end)
    {
        long sample = (long)n * Classes * Plane;
        float* x = Logits + sample, dx = Gradient == null ? null : Gradient + sample;
        int* y = Labels + (long)n * Plane;
        double loss = 0;
        for (int p = start; p < end; p++)
        {
            float m = x[p];
            for (int c = 1; c < Classes; c++) m = MathF.Max(m, x[(long)c * Plane + p]);
            float sum = 0f;
            for (int c = 0; c < Classes; c++)
            {
                float e = MathF.Exp(x[(long)c * Plane + p] - m);
                sum += e;
                if (dx != null) dx[(long)c * Plane + p] = e;
            }
            int label = y[p];
            float w = Weight(label);
            if (w != 0f) loss += w * (Math.Log(sum) + m - x[(long)label * Plane + p]);
            if (dx == null) continue;
            float factor = Scale * w / sum;
            for (int c = 0; c < Classes; c++) dx[(long)c * Plane + p] *= factor;
            if (!Ignored(label)) dx[(long)label * Plane + p] -= Scale * w;
        }
        return loss;
    }

    // One pixel's loss, w·(log Σexp + max − x_label), 0 where the weight is (an ignored label).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static double Term(float w, float logSum, float max, float labelLogit) =>
        w == 0f ? 0 : w * ((double)logSum + max - labelLogit);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private readonly bool Ignored(int label) => HasIgnoreLabel && label == IgnoreLabel;

    // Labels were validated before the job ran: anything not ignored is a class index.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private readonly float Weight(int label) => Ignored(label) ? 0f : Weights == null ? 1f : Weights[label];
}

/// <summary>The few vector operations the loss needs, so one generic body serves Vector512 and Vector256.</summary>
internal unsafe interface ILanes<TV> where TV : struct
{
    static abstract int Count { get; }
    static abstract TV Zero { get; }
    static abstract TV Load(float* source);
    static abstract void Store(TV value, float* destination);
    static abstract TV Max(TV a, TV b);
    static abstract TV Add(TV a, TV b);
    static abstract TV Subtract(TV a, TV b);
    static abstract TV Multiply(TV a, TV b);
    static abstract TV Exp(TV value);
    static abstract TV Log(TV value);
    static abstract TV Create(float value);
    static abstract TV Divide(TV a, TV b);
    /// <summary>All bits set in the lanes whose label (the ints at labels) is c.</summary>
    static abstract TV LabelMask(int* labels, int c);
    static abstract TV Select(TV mask, TV a, TV b);
    /// <summary>a·b + c, rounded once.</summary>
    static abstract TV MultiplyAdd(TV a, TV b, TV c);
    /// <summary>The lanes added up (in a fixed order).</summary>
    static abstract float Sum(TV value);
    /// <summary>a where gate &gt; 0, else 0 (a ReLU's backward; NaN gates give 0).</summary>
    static abstract TV WherePositive(TV gate, TV a);
}

internal readonly unsafe struct Lanes512 : ILanes<Vector512<float>>
{
    public static int Count => Vector512<float>.Count;
    public static Vector512<float> Zero => Vector512<float>.Zero;
    public static Vector512<float> Load(float* source) => Vector512.Load(source);
    public static void Store(Vector512<float> value, float* destination) => value.Store(destination);
    public static Vector512<float> Max(Vector512<float> a, Vector512<float> b) => Vector512.Max(a, b);
    public static Vector512<float> Add(Vector512<float> a, Vector512<float> b) => a + b;
    public static Vector512<float> Subtract(Vector512<float> a, Vector512<float> b) => a - b;
    public static Vector512<float> Multiply(Vector512<float> a, Vector512<float> b) => a * b;
    public static Vector512<float> Exp(Vector512<float> value) => FastMath.Exp(value);
    public static Vector512<float> Log(Vector512<float> value) => FastMath.Log(value);
    public static Vector512<float> Create(float value) => Vector512.Create(value);
    public static Vector512<float> Divide(Vector512<float> a, Vector512<float> b) => a / b;
    public static Vector512<float> LabelMask(int* labels, int c) => Vector512.Equals(Vector512.Load(labels), Vector512.Create(c)).AsSingle();
    public static Vector512<float> Select(Vector512<float> mask, Vector512<float> a, Vector512<float> b) => Vector512.ConditionalSelect(mask, a, b);
    public static Vector512<float> MultiplyAdd(Vector512<float> a, Vector512<float> b, Vector512<float> c) => Vector512.FusedMultiplyAdd(a, b, c);
    public static float Sum(Vector512<float> value) => Vector512.Sum(value);
    public static Vector512<float> WherePositive(Vector512<float> gate, Vector512<float> a) =>
        Vector512.ConditionalSelect(Vector512.GreaterThan(gate, Vector512<float>.Zero), a, Vector512<float>.Zero);
}

internal readonly unsafe struct Lanes256 : ILanes<Vector256<float>>
{
    public static int Count => Vector256<float>.Count;
    public static Vector256<float> Zero => Vector256<float>.Zero;
    public static Vector256<float> Load(float* source) => Vector256.Load(source);
    public static void Store(Vector256<float> value, float* destination) => value.Store(destination);
    public static Vector256<float> Max(Vector256<float> a, Vector256<float> b) => Vector256.Max(a, b);
    public static Vector256<float> Add(Vector256<float> a, Vector256<float> b) => a + b;
    public static Vector256<float> Subtract(Vector256<float> a, Vector256<float> b) => a - b;
    public static Vector256<float> Multiply(Vector256<float> a, Vector256<float> b) => a * b;
    public static Vector256<float> Exp(Vector256<float> value) => Vector256.Exp(value);
    public static Vector256<float> Log(Vector256<float> value) => Vector256.Log(value);
    public static Vector256<float> Create(float value) => Vector256.Create(value);
    public static Vector256<float> Divide(Vector256<float> a, Vector256<float> b) => a / b;
    public static Vector256<float> LabelMask(int* labels, int c) => Vector256.Equals(Vector256.Load(labels), Vector256.Create(c)).AsSingle();
    public static Vector256<float> Select(Vector256<float> mask, Vector256<float> a, Vector256<float> b) => Vector256.ConditionalSelect(mask, a, b);
    public static Vector256<float> MultiplyAdd(Vector256<float> a, Vector256<float> b, Vector256<float> c) => Vector256.FusedMultiplyAdd(a, b, c);
    public static float Sum(Vector256<float> value) => Vector256.Sum(value);
    public static Vector256<float> WherePositive(Vector256<float> gate, Vector256<float> a) =>
        Vector256.ConditionalSelect(Vector256.GreaterThan(gate, Vector256<float>.Zero), a, Vector256<float>.Zero);
}

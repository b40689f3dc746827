// Per-pixel softmax cross-entropy used in training: float, channel-planar logits, vectorized across the pixels of a plane.
// Same definition and gradient as SoftmaxCrossEntropyRef, which is its ground truth in tests.
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using NetGen.Model;

namespace NetGen.Losses;

/// <summary>Softmax cross-entropy over logits [N, C, H, W] (per-sample shape <c>shape</c>) and labels [N, H, W].
/// Holds one plane of scratch (per-pixel max, exp-sum and gradient factor), so a call allocates nothing.
/// Not thread-safe: use one instance per training loop.</summary>
public sealed class SoftmaxCrossEntropy
{
    private readonly Shape _shape;
    private readonly LossReduction _reduction;
    private readonly float[]? _weights;
    private readonly int? _ignoreLabel;
    private readonly float[] _max, _sum, _factor;

    public SoftmaxCrossEntropy(in Shape shape, SoftmaxCrossEntropyOptions? options = null)
    {
        options ??= new SoftmaxCrossEntropyOptions();
        if (shape.C < 1 || shape.H < 1 || shape.W < 1) throw new ArgumentException($"logits shape {shape} must be positive", nameof(shape));
        if (options.ClassWeights is { } w && w.Length != shape.C)
            throw new ArgumentException($"{w.Length} class weights given for {shape.C} classes", nameof(options));
        _shape = shape;
        _reduction = options.Reduction;
        _weights = options.ClassWeights?.ToArray();
        _ignoreLabel = options.IgnoreLabel;
        int plane = shape.H * shape.W;
        _max = new float[plane];
        _sum = new float[plane];
        _factor = new float[plane];
    }

    public Shape Shape => _shape;
    public int? IgnoreLabel => _ignoreLabel;

    /// <summary>logits [N, C, H, W], labels [N, H, W] → loss; overwrites dlogits [N, C, H, W] with ∂loss/∂logits
    /// unless dlogits is empty (evaluation).</summary>
    public float Forward(ReadOnlySpan<float> logits, ReadOnlySpan<int> labels, Span<float> dlogits, int batch)
    {
        int size = _shape.Size, plane = _shape.H * _shape.W;
        if (logits.Length < batch * size) throw new ArgumentException($"logits need {batch * size} elements", nameof(logits));
        if (labels.Length < batch * plane) throw new ArgumentException($"labels need {batch * plane} elements", nameof(labels));
        if (!dlogits.IsEmpty && dlogits.Length < batch * size) throw new ArgumentException($"dlogits need {batch * size} elements", nameof(dlogits));

        double weightSum = 0;
        for (int i = 0; i < batch * plane; i++)
        {
            LabelCheck.Validate(labels[i], i, _shape, _ignoreLabel);
            if (labels[i] != _ignoreLabel) weightSum += Weight(labels[i]);
        }
        double scale = _reduction == LossReduction.Sum ? 1 : weightSum == 0 ? 0 : 1 / weightSum;

        double loss = 0;
        for (int n = 0; n < batch; n++)
        {
            var x = logits.Slice(n * size, size);
            var y = labels.Slice(n * plane, plane);
            MaxAndExpSum(x);
            loss += PixelLosses(x, y, scale);
            if (!dlogits.IsEmpty) Gradient(x, y, dlogits.Slice(n * size, size), (float)scale);
        }
        return (float)(loss * scale);
    }

    private float Weight(int label) => _weights is null ? 1f : _weights[label];

    // Per pixel p: _max[p] = max_c x[c, p] and _sum[p] = Σ_c exp(x[c, p] − _max[p]).
    private void MaxAndExpSum(ReadOnlySpan<float> x)
    {
        int classes = _shape.C, plane = _max.Length;
        x[..plane].CopyTo(_max);
        for (int c = 1; c < classes; c++) Max(x.Slice(c * plane, plane), _max);
        Array.Clear(_sum);
        for (int c = 0; c < classes; c++) AddExp(x.Slice(c * plane, plane), _max, _sum);
    }

    // Σ_p w_y·(log Σexp + max − x[y, p]); leaves the gradient factor scale·w_y / Σexp in _factor (0 for ignored pixels).
    private double PixelLosses(ReadOnlySpan<float> x, ReadOnlySpan<int> y, double scale)
    {
        int plane = _max.Length;
        double loss = 0;
        for (int p = 0; p < plane; p++)
        {
            int label = y[p];
            if (label == _ignoreLabel)
            {
                _factor[p] = 0;
                continue;
            }
            float w = Weight(label);
            loss += w * (Math.Log(_sum[p]) + _max[p] - x[label * plane + p]);
            _factor[p] = (float)(scale * w / _sum[p]);
        }
        return loss;
    }

    // dx[c, p] = factor[p]·exp(x[c, p] − max[p]) − scale·w_y·[c = y]: softmax minus one-hot, weighted and scaled.
    private void Gradient(ReadOnlySpan<float> x, ReadOnlySpan<int> y, Span<float> dx, float scale)
    {
        int classes = _shape.C, plane = _max.Length;
        for (int c = 0; c < classes; c++) ScaledExp(x.Slice(c * plane, plane), _max, _factor, dx.Slice(c * plane, plane));
        for (int p = 0; p < plane; p++)
        {
            int label = y[p];
            if (label != _ignoreLabel) dx[label * plane + p] -= scale * Weight(label);
        }
    }

    private static void Max(ReadOnlySpan<float> x, Span<float> max)
    {
        int i = 0;
        if (Vector512.IsHardwareAccelerated)
            for (; i <= x.Length - Vector512<float>.Count; i += Vector512<float>.Count)
                Vector512.Max(Load(x, i), Load(max, i)).StoreUnsafe(ref Ref(max), (nuint)i);
        for (; i < x.Length; i++) max[i] = MathF.Max(max[i], x[i]);
    }

    private static void AddExp(ReadOnlySpan<float> x, ReadOnlySpan<float> max, Span<float> sum)
    {
        int i = 0;
        if (Vector512.IsHardwareAccelerated)
            for (; i <= x.Length - Vector512<float>.Count; i += Vector512<float>.Count)
                (Load(sum, i) + Vector512.Exp(Load(x, i) - Load(max, i))).StoreUnsafe(ref Ref(sum), (nuint)i);
        for (; i < x.Length; i++) sum[i] += MathF.Exp(x[i] - max[i]);
    }

    private static void ScaledExp(ReadOnlySpan<float> x, ReadOnlySpan<float> max, ReadOnlySpan<float> factor, Span<float> dx)
    {
        int i = 0;
        if (Vector512.IsHardwareAccelerated)
            for (; i <= x.Length - Vector512<float>.Count; i += Vector512<float>.Count)
                (Load(factor, i) * Vector512.Exp(Load(x, i) - Load(max, i))).StoreUnsafe(ref Ref(dx), (nuint)i);
        for (; i < x.Length; i++) dx[i] = factor[i] * MathF.Exp(x[i] - max[i]);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Load(ReadOnlySpan<float> s, int i) => Vector512.LoadUnsafe(ref Unsafe.AsRef(in s[0]), (nuint)i);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ref float Ref(Span<float> s) => ref s[0];
}

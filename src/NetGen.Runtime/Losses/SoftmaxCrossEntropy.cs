// Per-pixel softmax cross-entropy used in training: float, channel-planar logits. The pixels of each sample are split into
// chunks that run on the kernel workers (SoftmaxCrossEntropyJob), each chunk in one pass that also writes its gradient.
// Same definition and gradient as SoftmaxCrossEntropyRef, which is its ground truth in tests.
using NetGen.Kernels;
using NetGen.Model;

namespace NetGen.Losses;

/// <summary>Softmax cross-entropy over logits [N, C, H, W] (per-sample shape <c>shape</c>) and labels [N, H, W].
/// Keeps one partial sum per chunk of pixels, so a call allocates nothing once it has seen its largest batch.
/// Not thread-safe: use one instance per training loop.</summary>
public sealed class SoftmaxCrossEntropy
{
    private readonly Shape _shape;
    private readonly LossReduction _reduction;
    private readonly float[]? _weights;
    private readonly int? _ignoreLabel;
    private double[] _partials = [];

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
    }

    public Shape Shape => _shape;
    public int? IgnoreLabel => _ignoreLabel;

    /// <summary>logits [N, C, H, W], labels [N, H, W] → loss; overwrites dlogits [N, C, H, W] with ∂loss/∂logits
    /// unless dlogits is empty (evaluation).</summary>
    public unsafe float Forward(ReadOnlySpan<float> logits, ReadOnlySpan<int> labels, Span<float> dlogits, int batch)
    {
        int size = _shape.Size, plane = _shape.H * _shape.W;
        if (logits.Length < batch * size) throw new ArgumentException($"logits need {batch * size} elements", nameof(logits));
        if (labels.Length < batch * plane) throw new ArgumentException($"labels need {batch * plane} elements", nameof(labels));
        if (!dlogits.IsEmpty && dlogits.Length < batch * size) throw new ArgumentException($"dlogits need {batch * size} elements", nameof(dlogits));
        if (batch <= 0) return 0f;

        double weightSum = LabelWeightSum(labels[..(batch * plane)]);
        double scale = _reduction == LossReduction.Sum ? 1 : weightSum == 0 ? 0 : 1 / weightSum;

        int chunks = SoftmaxCrossEntropyJob.ChunksOf(plane), tasks = batch * chunks;
        if (_partials.Length < tasks) _partials = new double[tasks];
        fixed (float* x = logits, dx = dlogits, weights = _weights)
        fixed (int* y = labels)
        fixed (double* partials = _partials)
        {
            var job = new SoftmaxCrossEntropyJob
            {
                Path = KernelOptions.Path, Logits = x, Labels = y, Gradient = dlogits.IsEmpty ? null : dx, Weights = weights,
                Classes = _shape.C, Plane = plane, Chunks = chunks, IgnoreLabel = _ignoreLabel ?? -1,
                HasIgnoreLabel = _ignoreLabel.HasValue, Scale = (float)scale, Partials = partials,
            };
            WorkerPool.Run(ref job, tasks, KernelOptions.Threads);
        }
        // Chunks add up in a fixed order: the same loss on any number of threads.
        double loss = 0;
        for (int t = 0; t < tasks; t++) loss += _partials[t];
        return (float)(loss * scale);
    }

    // Validates every label (one clear message for the first bad one) and sums the weights of those not ignored.
    private double LabelWeightSum(ReadOnlySpan<int> labels)
    {
        uint classes = (uint)_shape.C;
        if (_weights is null && _ignoreLabel is null)
        {
            // Every label must be a class: one unsigned maximum finds any negative or too large one.
            uint max = 0;
            foreach (int label in labels) max = Math.Max(max, (uint)label);
            if (max < classes) return labels.Length;
        }
        double sum = 0;
        for (int i = 0; i < labels.Length; i++)
        {
            int label = labels[i];
            LabelCheck.Validate(label, i, _shape, _ignoreLabel);
            if (label != _ignoreLabel) sum += _weights is null ? 1f : _weights[label];
        }
        return sum;
    }
}

// The naive way to segment, as a measured baseline: classify the 16×16 patch around every pixel with a small CNN, one
// pass per pixel (batched). The CNN is the tiny hourglass's encoder (3×3 convs 16-32-64, two pools) with a linear
// classifier on top, built from NetGen's own kernels, so the comparison is the method, not the kernels.
using NetGen.Kernels;
using NetGen.Model;

namespace NetGen.Benchmarks.Patch;

public sealed class PatchClassifier
{
    public const int PatchSize = 16;
    private const int Half = PatchSize / 2;
    private const int Classes = 2;

    private static readonly ConvGeometry Conv1 = new(1, 16, 16, 16, 16, 16, Kernel: 3, Stride: 1, Padding: 1);
    private static readonly PoolGeometry Pool1 = new(16, 16, 16, 8, 8, Kernel: 2, Stride: 2);
    private static readonly ConvGeometry Conv2 = new(16, 8, 8, 32, 8, 8, Kernel: 3, Stride: 1, Padding: 1);
    private static readonly PoolGeometry Pool2 = new(32, 8, 8, 4, 4, Kernel: 2, Stride: 2);
    private static readonly ConvGeometry Conv3 = new(32, 4, 4, 64, 4, 4, Kernel: 3, Stride: 1, Padding: 1);
    // The linear layer over the 64×4×4 features, as a 4×4 convolution without padding.
    private static readonly ConvGeometry Linear = new(64, 4, 4, Classes, 1, 1, Kernel: 4, Stride: 1, Padding: 0);

    /// <summary>FLOPs to classify one patch (2 per multiply-add): 73,728 + 589,824 + 589,824 + 4,096.</summary>
    public static long FlopsPerPatch { get; } = Flops(Conv1) + Flops(Conv2) + Flops(Conv3) + Flops(Linear);

    private readonly int _batch;
    private readonly float[][] _weights, _biases;
    private readonly float[] _patches, _a1, _r1, _p1, _a2, _r2, _p2, _a3, _r3, _logits;
    private readonly int[] _i1, _i2;

    /// <param name="batch">Patches per pass: enough to keep both threads busy, small enough to stay in cache.</param>
    public PatchClassifier(int batch = 256, int seed = 7)
    {
        _batch = batch;
        var rng = new Random(seed);
        ConvGeometry[] layers = [Conv1, Conv2, Conv3, Linear];
        _weights = layers.Select(g => HeWeights(rng, g)).ToArray();
        _biases = layers.Select(g => new float[g.OutC]).ToArray();
        _patches = new float[batch * PatchSize * PatchSize];
        _a1 = new float[batch * 16 * 256];
        _r1 = new float[_a1.Length];
        _p1 = new float[batch * 16 * 64];
        _i1 = new int[_p1.Length];
        _a2 = new float[batch * 32 * 64];
        _r2 = new float[_a2.Length];
        _p2 = new float[batch * 32 * 16];
        _i2 = new int[_p2.Length];
        _a3 = new float[batch * 64 * 16];
        _r3 = new float[_a3.Length];
        _logits = new float[batch * Classes];
    }

    /// <summary>image [H, W] (one channel) → classes [H, W], by H·W patch classifications.</summary>
    public void Segment(ReadOnlySpan<float> image, int height, int width, Span<int> classes)
    {
        int pixels = height * width;
        for (int start = 0; start < pixels; start += _batch)
        {
            int n = Math.Min(_batch, pixels - start);
            for (int i = 0; i < n; i++) Gather(image, height, width, start + i, _patches.AsSpan(i * PatchSize * PatchSize, PatchSize * PatchSize));
            Conv2dKernel.Forward(_patches.AsSpan(0, n * 256), _weights[0], _biases[0], _a1, n, Conv1);
            ReLUKernel.Forward(_a1.AsSpan(0, n * 16 * 256), _r1);
            MaxPool2dKernel.Forward(_r1, _p1, _i1, n, Pool1);
            Conv2dKernel.Forward(_p1.AsSpan(0, n * 16 * 64), _weights[1], _biases[1], _a2, n, Conv2);
            ReLUKernel.Forward(_a2.AsSpan(0, n * 32 * 64), _r2);
            MaxPool2dKernel.Forward(_r2, _p2, _i2, n, Pool2);
            Conv2dKernel.Forward(_p2.AsSpan(0, n * 32 * 16), _weights[2], _biases[2], _a3, n, Conv3);
            ReLUKernel.Forward(_a3.AsSpan(0, n * 64 * 16), _r3);
            Conv2dKernel.Forward(_r3.AsSpan(0, n * 64 * 16), _weights[3], _biases[3], _logits, n, Linear);
            for (int i = 0; i < n; i++) classes[start + i] = _logits[i * Classes + 1] > _logits[i * Classes] ? 1 : 0;
        }
    }

    // The patch centred on pixel p (rows and columns −8 … +7 around it), zero outside the image.
    private static void Gather(ReadOnlySpan<float> image, int height, int width, int p, Span<float> patch)
    {
        int y0 = p / width - Half, x0 = p % width - Half;
        for (int r = 0; r < PatchSize; r++)
        {
            var row = patch.Slice(r * PatchSize, PatchSize);
            int y = y0 + r;
            if (y < 0 || y >= height)
            {
                row.Clear();
                continue;
            }
            int from = Math.Max(0, -x0), to = Math.Min(PatchSize, width - x0);
            row[..from].Clear();
            image.Slice(y * width + x0 + from, to - from).CopyTo(row[from..]);
            row[to..].Clear();
        }
    }

    private static long Flops(in ConvGeometry g) => 2L * g.InC * g.OutC * g.Kernel * g.Kernel * g.OutH * g.OutW;

    private static float[] HeWeights(Random rng, in ConvGeometry g)
    {
        var w = new float[g.OutC * g.InC * g.Kernel * g.Kernel];
        double std = Math.Sqrt(2.0 / (g.InC * g.Kernel * g.Kernel));
        for (int i = 0; i < w.Length; i++) w[i] = (float)((rng.NextDouble() * 2 - 1) * std * Math.Sqrt(3));
        return w;
    }
}

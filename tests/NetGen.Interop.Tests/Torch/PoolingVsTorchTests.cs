// MaxPool2d and MaxUnpool2d reference ops against libtorch's max_pool2d_with_indices / max_unpool2d: values, the argmax
// indices (which must agree exactly, since the unpool consumes them) and gradients.
using NetGen.Model;
using NetGen.Reference;
using static NetGen.Interop.Tests.Support.TorchData;
using static NetGen.Interop.Tests.Support.Tolerance;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace NetGen.Interop.Tests.Torch;

public sealed class PoolingVsTorchTests
{
    [Theory]
    [InlineData(2, 3, 9, 7, 2, 2)]   // odd sizes: floor mode drops the last row and column
    [InlineData(1, 2, 8, 8, 3, 2)]   // overlapping windows: one input can win twice, its gradient is the sum
    [InlineData(2, 2, 9, 9, 3, 3)]
    public void MaxPool2d_MatchesTorch(int batch, int channels, int inH, int inW, int kernel, int stride)
    {
        using var scope = NewDisposeScope();
        var g = Geometry(channels, inH, inW, kernel, stride);
        float[] x = Random(11, batch * g.InSize), dy = Random(12, batch * g.OutSize);

        var y = new float[batch * g.OutSize];
        var indices = new int[batch * g.OutSize];
        MaxPool2dRef.Forward<float>(x, y, indices, batch, g);
        var dx = new float[x.Length];
        MaxPool2dRef.Backward<float>(dy, indices, dx, batch, g);

        var tx = ToTorch(x, [batch, channels, inH, inW], requiresGrad: true);
        var (ty, tIndices) = F.max_pool2d_with_indices(tx, [kernel, kernel], [stride, stride]);
        ty.backward([ToTorch(dy, ty.shape)]);

        Assert.Equal([batch, channels, g.OutH, g.OutW], ty.shape);
        Assert.Equal(Array.ConvertAll(indices, i => (long)i), tIndices.data<long>().ToArray());
        AssertClose(ToArray(ty), y, Float32, "y");
        AssertClose(Grad(tx), dx, Float32, "dx");
    }

    // The unpool restores the pool's input size exactly, also for odd sizes (9 → 4 → 9), which torch needs output_size for.
    [Theory]
    [InlineData(2, 3, 9, 7, 2)]
    [InlineData(1, 2, 8, 10, 2)]
    [InlineData(2, 2, 11, 9, 3)]
    public void MaxUnpool2d_MatchesTorch(int batch, int channels, int inH, int inW, int kernel)
    {
        using var scope = NewDisposeScope();
        var g = Geometry(channels, inH, inW, kernel, kernel);
        float[] pooled = Random(13, batch * g.InSize), x = Random(14, batch * g.OutSize), dy = Random(15, batch * g.InSize);
        var (_, tIndices) = F.max_pool2d_with_indices(ToTorch(pooled, [batch, channels, inH, inW]), [kernel, kernel], [kernel, kernel]);
        int[] indices = Array.ConvertAll(tIndices.data<long>().ToArray(), i => checked((int)i));

        var y = new float[batch * g.InSize];
        MaxUnpool2dRef.Forward<float>(x, indices, y, batch, g);
        var dx = new float[x.Length];
        MaxUnpool2dRef.Backward<float>(dy, indices, dx, batch, g);

        var tx = ToTorch(x, [batch, channels, g.OutH, g.OutW], requiresGrad: true);
        // TorchSharp 0.107 drops a two-element output_size (the call fails); the full [N, C, H, W] form works.
        var ty = F.max_unpool2d(tx, tIndices, [kernel, kernel], [kernel, kernel], output_size: [batch, channels, inH, inW]);
        ty.backward([ToTorch(dy, ty.shape)]);

        Assert.Equal([batch, channels, inH, inW], ty.shape);
        AssertClose(ToArray(ty), y, Float32, "y");
        AssertClose(Grad(tx), dx, Float32, "dx");
    }

    private static PoolGeometry Geometry(int channels, int inH, int inW, int kernel, int stride) =>
        new(channels, inH, inW, ConvGeometry.ConvOut(inH, kernel, stride, 0), ConvGeometry.ConvOut(inW, kernel, stride, 0), kernel, stride);
}

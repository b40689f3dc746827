// MaxPool2d and MaxUnpool2d kernels against the reference, bit for bit, on every forced path and thread count. Inputs
// take a few levels only (with both zeros), so equal maxima are everywhere and the first-wins rule is exercised.
using NetGen.Kernels;
using NetGen.Model;
using NetGen.Reference;
using static NetGen.Runtime.Tests.Kernels.KernelCheck;

namespace NetGen.Runtime.Tests.Kernels;

public class PoolingKernelTests
{
    /// <summary>channels, inH, inW, kernel, stride, batch: odd sizes (45 → 22), overlapping windows (stride &lt; kernel),
    /// rows of many vectors, rows ending in a partial vector (SegNet's 45×60 → 22×30), and windows reaching the very
    /// end of the tensor.</summary>
    public static TheoryData<int, int, int, int, int, int> Shapes => new()
    {
        { 3, 13, 17, 2, 2, 3 },
        { 16, 45, 45, 2, 2, 1 },
        { 20, 17, 13, 3, 2, 1 },
        { 1, 13, 45, 3, 1, 3 },
        { 3, 16, 20, 3, 3, 1 },
        { 64, 9, 33, 2, 1, 1 },
        { 1, 64, 64, 2, 2, 1 },
        { 3, 8, 70, 2, 2, 3 },
        { 8, 45, 60, 2, 2, 2 },
    };

    private static PoolGeometry Geometry(int c, int inH, int inW, int kernel, int stride) =>
        new(c, inH, inW, (inH - kernel) / stride + 1, (inW - kernel) / stride + 1, kernel, stride);

    /// <summary>Values in {−1, −0, 0, 1, 2}: ties between equal values and between the two zeros.</summary>
    private static float[] WithTies(long length, int seed)
    {
        var rng = new Random(seed);
        var values = Levels(length, 4, seed);
        for (long i = 0; i < length; i++)
        {
            values[i] -= 1;
            if (values[i] == 0 && rng.Next(2) == 0) values[i] = -0f;
        }
        return values;
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void MaxPool2d_matches_reference_exactly(int c, int inH, int inW, int kernel, int stride, int batch)
    {
        var g = Geometry(c, inH, inW, kernel, stride);
        var x = WithTies(batch * g.InSize, 31);
        var dy = Random(batch * g.OutSize, 32);
        var y = new float[batch * g.OutSize];
        var indices = new int[y.Length];
        MaxPool2dRef.Forward<float>(x, y, indices, batch, g);
        var dx = new float[batch * g.InSize];
        MaxPool2dRef.Backward<float>(dy, indices, dx, batch, g);

        ForEachPath(run =>
        {
            var ky = Filled(y.Length, float.NaN);
            var kIndices = new int[y.Length];
            Array.Fill(kIndices, -7);
            MaxPool2dKernel.Forward(x, ky, kIndices, batch, g);
            Same<float>(y, ky, $"y, {run}");
            Same<int>(indices, kIndices, $"indices, {run}");

            var kdx = Filled(dx.Length, 123f);
            MaxPool2dKernel.Backward(dy, indices, kdx, batch, g);
            Same<float>(dx, kdx, $"dx, {run}");
        });
    }

    [Fact]
    public void MaxPool2d_keeps_the_first_of_equal_maxima()
    {
        var g = Geometry(2, 6, 40, 3, 2);
        var x = Filled(2 * g.InSize, 5f);
        ForEachPath(run =>
        {
            var y = new float[2 * g.OutSize];
            var indices = new int[y.Length];
            MaxPool2dKernel.Forward(x, y, indices, 2, g);
            for (int i = 0; i < indices.Length; i++)
            {
                int o = i % g.OutPlane;
                Assert.Equal((o / g.OutW) * g.Stride * g.InW + (o % g.OutW) * g.Stride, indices[i]);
            }
        });
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void MaxUnpool2d_matches_reference_exactly(int c, int inH, int inW, int kernel, int stride, int batch)
    {
        var g = Geometry(c, inH, inW, kernel, stride);
        var pooled = new float[batch * g.OutSize];
        var indices = new int[pooled.Length];
        MaxPool2dRef.Forward<float>(WithTies(batch * g.InSize, 33), pooled, indices, batch, g);
        var x = Random(batch * g.OutSize, 34);
        var dy = Random(batch * g.InSize, 35);
        var y = new float[batch * g.InSize];
        MaxUnpool2dRef.Forward<float>(x, indices, y, batch, g);
        var dx = new float[batch * g.OutSize];
        MaxUnpool2dRef.Backward<float>(dy, indices, dx, batch, g);

        ForEachPath(run =>
        {
            var ky = Filled(y.Length, float.NaN);
            MaxUnpool2dKernel.Forward(x, indices, ky, batch, g);
            Same<float>(y, ky, $"y, {run}");
            var kdx = Filled(dx.Length, float.NaN);
            MaxUnpool2dKernel.Backward(dy, indices, kdx, batch, g);
            Same<float>(dx, kdx, $"dx, {run}");
        });
    }

    [Fact]
    public void MaxUnpool2d_rejects_an_index_outside_the_plane()
    {
        var g = Geometry(1, 4, 4, 2, 2);
        var indices = new[] { 0, 2, 8, 16 };
        Assert.Throws<ArgumentException>(() => MaxUnpool2dKernel.Forward(new float[4], indices, new float[16], 1, g));
        Assert.Throws<ArgumentException>(() => MaxUnpool2dKernel.Backward(new float[16], indices, new float[4], 1, g));
    }
}

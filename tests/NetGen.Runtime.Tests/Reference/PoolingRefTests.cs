// MaxPool2d / MaxUnpool2d reference: gradients against finite differences (inputs without ties), floor-mode sizes and the
// pool → unpool round trip that restores odd sizes.
using NetGen.Model;
using NetGen.Reference;

namespace NetGen.Runtime.Tests.Reference;

public class PoolingRefTests
{
    private const int Batch = 2;

    private static PoolGeometry Geometry(int c, int inH, int inW, int kernel, int stride) =>
        new(c, inH, inW, ConvGeometry.ConvOut(inH, kernel, stride, 0), ConvGeometry.ConvOut(inW, kernel, stride, 0), kernel, stride);

    [Theory]
    [InlineData(2, 2, 5, 7)]
    [InlineData(2, 2, 6, 6)]
    [InlineData(3, 2, 7, 8)]
    [InlineData(3, 3, 9, 7)]
    public void MaxPool2d_gradient_matches_finite_differences(int kernel, int stride, int inH, int inW)
    {
        var g = Geometry(3, inH, inW, kernel, stride);
        var x = Tensors.Random(Batch * g.InSize, 31);
        var r = Tensors.Random(Batch * g.OutSize, 32);
        var y = new double[Batch * g.OutSize];
        var indices = new int[Batch * g.OutSize];
        double Loss()
        {
            MaxPool2dRef.Forward<double>(x, y, indices, Batch, g);
            return Tensors.Dot(y, r);
        }

        Loss();
        var dx = Enumerable.Repeat(123.0, x.Length).ToArray();
        MaxPool2dRef.Backward<double>(r, indices, dx, Batch, g);

        GradientCheck.AssertMatches("dx", x, dx, Loss);
    }

    // Unpooling is only well defined for windows that do not overlap, which is how the generator pairs them.
    [Theory]
    [InlineData(2, 5, 7)]
    [InlineData(2, 6, 6)]
    [InlineData(3, 9, 7)]
    public void MaxUnpool2d_gradient_matches_finite_differences(int kernel, int inH, int inW)
    {
        var g = Geometry(3, inH, inW, kernel, kernel);
        var pooled = new double[Batch * g.OutSize];
        var indices = new int[Batch * g.OutSize];
        MaxPool2dRef.Forward<double>(Tensors.Random(Batch * g.InSize, 33), pooled, indices, Batch, g);

        var x = Tensors.Random(Batch * g.OutSize, 34);
        var r = Tensors.Random(Batch * g.InSize, 35);
        var y = new double[Batch * g.InSize];
        double Loss()
        {
            MaxUnpool2dRef.Forward<double>(x, indices, y, Batch, g);
            return Tensors.Dot(y, r);
        }

        var dx = new double[x.Length];
        MaxUnpool2dRef.Backward<double>(r, indices, dx, Batch, g);

        GradientCheck.AssertMatches("dx", x, dx, Loss);
    }

    [Theory]
    [InlineData(2, 1)]
    [InlineData(4, 2)]
    [InlineData(5, 2)]
    [InlineData(9, 4)]
    [InlineData(45, 22)]
    public void Two_by_two_pool_output_size_is_floor_of_half(int n, int expected)
    {
        Assert.Equal(expected, ConvGeometry.ConvOut(n, 2, 2, 0));
        Assert.Equal((n - 2) / 2 + 1, expected);
    }

    [Fact]
    public void Floor_mode_ignores_the_last_row_and_column_of_an_odd_plane()
    {
        var g = Geometry(1, 5, 5, 2, 2);
        var x = Tensors.Random(g.InSize, 36);
        for (int i = 0; i < 5; i++)
        {
            x[4 * 5 + i] = 10 + i;
            x[i * 5 + 4] = 20 + i;
        }
        var y = new double[g.OutSize];
        var indices = new int[g.OutSize];

        MaxPool2dRef.Forward<double>(x, y, indices, 1, g);

        Assert.All(y, v => Assert.InRange(v, -1.0, 1.0));
        Assert.All(indices, at => Assert.True(at / 5 < 4 && at % 5 < 4, $"argmax {at} lies outside the pooled 4×4 region"));
    }

    [Fact]
    public void Ties_pick_the_first_maximum_in_row_major_order()
    {
        var g = Geometry(1, 2, 2, 2, 2);
        var y = new double[1];
        var indices = new int[1];

        MaxPool2dRef.Forward<double>([0.5, 2.0, 2.0, 2.0], y, indices, 1, g);

        Assert.Equal(2.0, y[0]);
        Assert.Equal(1, indices[0]);
    }

    [Fact]
    public void Pool_then_unpool_restores_a_5x5_plane_with_maxima_in_place_and_zeros_elsewhere()
    {
        var g = Geometry(2, 5, 5, 2, 2);
        Assert.Equal((2, 2), (g.OutH, g.OutW));
        var x = Tensors.Random(Batch * g.InSize, 37);
        var pooled = new double[Batch * g.OutSize];
        var indices = new int[Batch * g.OutSize];
        var restored = Enumerable.Repeat(123.0, Batch * g.InSize).ToArray();

        MaxPool2dRef.Forward<double>(x, pooled, indices, Batch, g);
        MaxUnpool2dRef.Forward<double>(pooled, indices, restored, Batch, g);

        var kept = new HashSet<int>();
        for (int o = 0; o < indices.Length; o++) kept.Add(o / g.OutPlane * g.InPlane + indices[o]);
        for (int i = 0; i < restored.Length; i++)
            Assert.Equal(kept.Contains(i) ? x[i] : 0.0, restored[i]);
        Assert.Equal(Batch * g.OutSize, kept.Count);
    }

    [Fact]
    public void Pool_then_unpool_restores_45_from_22()
    {
        var g = Geometry(1, 45, 45, 2, 2);
        Assert.Equal((22, 22), (g.OutH, g.OutW));
        var x = Tensors.Random(g.InSize, 38).Select(v => v + 2).ToArray();
        var pooled = new double[g.OutSize];
        var indices = new int[g.OutSize];
        var restored = new double[g.InSize];

        MaxPool2dRef.Forward<double>(x, pooled, indices, 1, g);
        MaxUnpool2dRef.Forward<double>(pooled, indices, restored, 1, g);

        Assert.Equal(22 * 22, restored.Count(v => v != 0));
        for (int i = 0; i < restored.Length; i++)
            if (restored[i] != 0) Assert.Equal(x[i], restored[i]);
        for (int i = 0; i < 45; i++)
        {
            Assert.Equal(0.0, restored[44 * 45 + i]);
            Assert.Equal(0.0, restored[i * 45 + 44]);
        }
    }
}

// ConvTranspose2dKernel.ForwardFromUnpool (a MaxUnpool2d and the transposed convolution after it in one call) against the
// two calls it replaces, bit for bit, on every forced path and thread count: the pool's own argmax (every index in its
// window: the bands unpool their rows densely), argmax moved out of their windows or doubled (the bands redo the run by
// scanning every index, later ones last, as MaxUnpool2d writes them), overlapping windows, and the layers the bands do not
// run (stride 2, 1×1), which unpool into scratch first.
using NetGen.Kernels;
using NetGen.Model;
using static NetGen.Runtime.Tests.Kernels.KernelCheck;

namespace NetGen.Runtime.Tests.Kernels;

public class UnpoolConvolutionTests
{
    /// <summary>channels, unpooled inH × inW, pool kernel and stride, deconv outC, kernel, stride, padding, batch.</summary>
    public static TheoryData<int, int, int, int, int, int, int, int, int, int> Shapes => new()
    {
        // The tiny hourglass's deconv1 and deconv2 (several bands per sample on two threads).
        { 16, 64, 64, 2, 2, 16, 3, 1, 1, 1 },
        { 32, 32, 32, 2, 2, 16, 3, 1, 1, 3 },
        // Odd sizes: the pool drops the last row and column, which unpool to zeros; channels not a multiple of 4.
        { 5, 13, 17, 2, 2, 6, 3, 1, 1, 2 },
        // Rows of 16 and 48 outputs (tiles of whole rows), heights not a multiple of a tile's rows.
        { 6, 22, 16, 2, 2, 7, 3, 1, 1, 2 },
        { 4, 10, 48, 2, 2, 5, 3, 1, 1, 1 },
        // SegNet's 7×7 on a plane with a partial last vector per row.
        { 8, 45, 60, 2, 2, 8, 7, 1, 3, 1 },
        // Stride-3 pools (scalar rows), padding 0 (the output grows) and k − 1 (it shrinks).
        { 3, 16, 20, 3, 3, 5, 5, 1, 2, 1 },
        { 6, 12, 12, 2, 2, 4, 3, 1, 0, 2 },
        { 6, 12, 12, 2, 2, 4, 3, 1, 2, 1 },
        // Overlapping windows: scanned from the start.
        { 20, 17, 13, 3, 2, 8, 3, 1, 1, 1 },
        // Not run by the bands: stride 2, and a 1×1 kernel.
        { 8, 16, 16, 2, 2, 4, 3, 2, 1, 2 },
        { 8, 10, 10, 2, 2, 4, 1, 1, 0, 1 },
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Equals_unpool_then_forward(int c, int inH, int inW, int poolK, int poolS, int outC, int k, int s, int p, int batch)
    {
        var (pool, g) = Geometries(c, inH, inW, poolK, poolS, outC, k, s, p);
        var (pooled, indices) = Pooled(pool, batch, seed: 31);
        var w = Random(g.WeightSize, 32);
        var b = Random(g.OutC, 33);
        ForEachPath(run =>
        {
            foreach (bool relu in new[] { false, true })
                Same<float>(UnpoolThenForward(pooled, indices, pool, w, b, batch, g, relu),
                    Fused(pooled, indices, pool, w, b, batch, g, relu), $"relu {relu}, {run}");
        });
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Indices_outside_their_window_are_placed_as_the_unpool_places_them(bool duplicates)
    {
        var (pool, g) = Geometries(16, 32, 32, 2, 2, 8, 3, 1, 1);
        const int batch = 2;
        var (pooled, indices) = Pooled(pool, batch, seed: 41);
        // A few argmax per plane moved anywhere in the plane, or onto another cell's argmax (MaxUnpool2d keeps the later).
        var rng = new Random(42);
        for (int plane = 0; plane < batch * pool.C; plane += 3)
        for (int j = 0; j < 4; j++)
        {
            int o = plane * pool.OutPlane + rng.Next(pool.OutPlane);
            indices[o] = duplicates ? indices[plane * pool.OutPlane + rng.Next(pool.OutPlane)] : rng.Next(pool.InPlane);
        }
        var w = Random(g.WeightSize, 43);
        var b = Random(g.OutC, 44);
        ForEachPath(run => Same<float>(UnpoolThenForward(pooled, indices, pool, w, b, batch, g, relu: true),
            Fused(pooled, indices, pool, w, b, batch, g, relu: true), run));
    }

    [Fact]
    public void An_index_outside_the_plane_or_a_pool_of_another_shape_is_rejected()
    {
        var (pool, g) = Geometries(4, 16, 16, 2, 2, 4, 3, 1, 1);
        var (pooled, indices) = Pooled(pool, 1, seed: 51);
        var w = Random(g.WeightSize, 52);
        indices[37] = pool.InPlane;
        ForEachPath(run =>
        {
            var e = Assert.Throws<ArgumentException>(() => Fused(pooled, indices, pool, w, [], 1, g, relu: false));
            Assert.Equal("indices", e.ParamName);
        });
        var other = pool with { InH = 15 };
        Assert.Equal("pool", Assert.Throws<ArgumentException>(() => Fused(pooled, indices, other, w, [], 1, g, relu: false)).ParamName);
    }

    private static (PoolGeometry Pool, ConvGeometry Deconv) Geometries(int c, int inH, int inW, int poolK, int poolS, int outC, int k, int s, int p)
    {
        var pool = new PoolGeometry(c, inH, inW, (inH - poolK) / poolS + 1, (inW - poolK) / poolS + 1, poolK, poolS);
        var deconv = new ConvGeometry(c, inH, inW, outC, (inH - 1) * s - 2 * p + k, (inW - 1) * s - 2 * p + k, k, s, p);
        return (pool, deconv);
    }

    private static float[] UnpoolThenForward(float[] pooled, int[] indices, PoolGeometry pool, float[] w, float[] b, int batch, ConvGeometry g, bool relu)
    {
        var unpooled = Filled(batch * pool.InSize, float.NaN);
        MaxUnpool2dKernel.Forward(pooled, indices, unpooled, batch, pool);
        var y = Filled(batch * g.OutSize, float.NaN);
        ConvTranspose2dKernel.Forward(unpooled, w, b, y, batch, g, relu);
        return y;
    }

    private static float[] Fused(float[] pooled, int[] indices, PoolGeometry pool, float[] w, float[] b, int batch, ConvGeometry g, bool relu)
    {
        var y = Filled(batch * g.OutSize, float.NaN);
        // The dense engines' unpooling as they pack, bit for bit; the sums over the nonzeros only (Vector512, 3×3 to 16
        // channels, 5×5 and 7×7 to whole vector blocks) run in another order: SparseUnpooledBackwardTests.
        using (KernelOptions.DenseUnpooled())
            ConvTranspose2dKernel.ForwardFromUnpool(pooled, indices, pool, w, b, y, batch, g, relu);
        return y;
    }
}

// ConvTranspose2dKernel.BackwardFromUnpool (a transposed convolution's backward reading its input as a MaxUnpool2d's
// pooled values and argmax) against unpooling first and calling Backward, bit for bit, on every forced path and thread
// count: inputs the channel engine unpools row by row as it transposes them (16 to 64 channels, odd sizes, a 7×7 kernel),
// inputs too narrow for it (unpooled into scratch), argmax moved out of their cells or windows that overlap (unpooled the
// general way), and an index outside the plane (rejected before any gradient is touched).
// ConvTranspose2dKernel.BackwardThroughUnpool (the same, with the unpool's backward and the ReLU's before it: the input
// gradient gathered at the argmax band by band) against BackwardFromUnpool followed by MaxUnpool2dKernel's backward, bit for
// bit, on the engines each band can run (Winograd's 4×4 and 2×2 tiles, Winograd along rows, the channel tiles, nine taps),
// pools of stride 2 and 3, argmax out of their cells (redone from the whole gradient) and bad arguments.
using NetGen.Kernels;
using NetGen.Model;
using static NetGen.Runtime.Tests.Kernels.KernelCheck;

namespace NetGen.Runtime.Tests.Kernels;

public class UnpoolBackwardTests
{
    /// <summary>channels, unpooled inH × inW, pool kernel and stride, deconv outC, kernel, padding, batch.</summary>
    public static TheoryData<int, int, int, int, int, int, int, int, int> Shapes => new()
    {
        // The tiny hourglass's deconv1 and deconv2: the channel engine, unpooling as it transposes.
        { 16, 64, 64, 2, 2, 16, 3, 1, 1 },
        { 32, 32, 32, 2, 2, 16, 3, 1, 2 },
        // SegNet-like: 7×7 on an odd plane whose pool dropped the last row and column.
        { 64, 45, 61, 2, 2, 8, 7, 3, 1 },
        // Five channels: not the channel engine, unpooled into scratch first.
        { 5, 13, 17, 2, 2, 6, 3, 1, 2 },
        // Overlapping windows: the argmax of neighbouring windows may share a cell's row.
        { 16, 17, 13, 3, 2, 8, 3, 1, 1 },
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Equals_unpool_then_backward(int c, int inH, int inW, int poolK, int poolS, int outC, int k, int p, int batch)
    {
        var (pool, g) = Geometries(c, inH, inW, poolK, poolS, outC, k, p);
        var (pooled, indices) = Pooled(pool, batch, seed: 61);
        ForEachPath(run => Compare(pooled, indices, pool, g, batch, seed: 62, run));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Argmax_outside_their_cells_are_unpooled_as_MaxUnpool2d_places_them(bool duplicates)
    {
        var (pool, g) = Geometries(16, 32, 32, 2, 2, 8, 3, 1);
        const int batch = 2;
        var (pooled, indices) = Pooled(pool, batch, seed: 71);
        var rng = new Random(72);
        for (int plane = 0; plane < batch * pool.C; plane += 5)
        {
            int o = plane * pool.OutPlane + rng.Next(pool.OutPlane);
            indices[o] = duplicates ? indices[plane * pool.OutPlane + rng.Next(pool.OutPlane)] : rng.Next(pool.InPlane);
        }
        ForEachPath(run => Compare(pooled, indices, pool, g, batch, seed: 73, run));
    }

    [Fact]
    public void An_index_outside_the_plane_is_rejected_before_any_gradient_changes()
    {
        var (pool, g) = Geometries(16, 16, 16, 2, 2, 8, 3, 1);
        var (pooled, indices) = Pooled(pool, 1, seed: 81);
        indices[40] = pool.InPlane + 3;
        var w = Random(g.WeightSize, 82);
        var dy = Random(g.OutSize, 83);
        ForEachPath(run =>
        {
            var dw = Filled(g.WeightSize, 0.5f);
            var db = Filled(g.OutC, 0.25f);
            var e = Assert.Throws<ArgumentException>(() =>
                ConvTranspose2dKernel.BackwardFromUnpool(pooled, indices, pool, w, dy, new float[g.InSize], dw, db, 1, g));
            Assert.Equal("indices", e.ParamName);
            Assert.All(dw, v => Assert.Equal(0.5f, v));
            Assert.All(db, v => Assert.Equal(0.25f, v));
        });
    }

    /// <summary>As <see cref="Shapes"/>, for the gathered input gradient: channels, unpooled inH × inW, pool kernel and
    /// stride, deconv outC, kernel, padding, batch.</summary>
    public static TheoryData<int, int, int, int, int, int, int, int, int> GatherShapes => new()
    {
        // The tiny hourglass's deconv1 at 64×64 (Winograd's 4×4 tiles) and deconv2 (2×2 tiles).
        { 16, 64, 64, 2, 2, 16, 3, 1, 1 },
        { 32, 32, 32, 2, 2, 16, 3, 1, 2 },
        // SegNet-like 7×7 on an even width (Winograd along rows) and on odd planes whose pool dropped a row and column.
        { 64, 44, 60, 2, 2, 8, 7, 3, 1 },
        { 16, 45, 61, 2, 2, 8, 7, 3, 1 },
        // A 3×3 pool of stride 3 (bands of 3 rows: the channel tiles), an odd plane, a deconv with one output channel (nine
        // taps), five channels, overlapping windows (gathered from the whole gradient).
        { 16, 18, 24, 3, 3, 8, 3, 1, 2 },
        { 16, 33, 35, 2, 2, 8, 3, 1, 2 },
        { 16, 32, 32, 2, 2, 1, 3, 1, 1 },
        { 5, 13, 17, 2, 2, 6, 3, 1, 2 },
        { 16, 17, 13, 3, 2, 8, 3, 1, 1 },
    };

    [Theory]
    [MemberData(nameof(GatherShapes))]
    public void Gathered_equals_backward_then_unpool_backward(int c, int inH, int inW, int poolK, int poolS, int outC, int k, int p, int batch)
    {
        var (pool, g) = Geometries(c, inH, inW, poolK, poolS, outC, k, p);
        var (pooled, indices) = Pooled(pool, batch, seed: 91);
        Correlation.GatherRedone = 0;
        ForEachPath(run =>
        {
            CompareGathered(pooled, indices, pool, g, batch, seed: 92, throughReLU: true, run);
            CompareGathered(pooled, indices, pool, g, batch, seed: 94, throughReLU: false, run);
        });
        // A pool's argmax lie in their cells: the bands gather every one (overlapping windows never go through the bands).
        Assert.Equal(0, Correlation.GatherRedone);
    }

    [Fact]
    public void Gathered_argmax_outside_their_cells_are_read_from_the_whole_gradient()
    {
        var (pool, g) = Geometries(16, 64, 64, 2, 2, 8, 3, 1);
        const int batch = 2;
        var (pooled, indices) = Pooled(pool, batch, seed: 101);
        var rng = new Random(102);
        for (int plane = 0; plane < batch * pool.C; plane += 7) indices[plane * pool.OutPlane + rng.Next(pool.OutPlane)] = rng.Next(pool.InPlane);
        Correlation.GatherRedone = 0;
        ForEachPath(run => CompareGathered(pooled, indices, pool, g, batch, seed: 103, throughReLU: true, run));
        Assert.Equal(KernelCheck.Configurations.Length, Correlation.GatherRedone);
    }

    [Fact]
    public void Gathered_bad_arguments_are_rejected_before_any_gradient_changes()
    {
        var (pool, g) = Geometries(16, 32, 32, 2, 2, 8, 3, 1);
        var (pooled, indices) = Pooled(pool, 1, seed: 111);
        var w = Random(g.WeightSize, 112);
        var dy = Random(g.OutSize, 113);
        var badIndices = (int[])indices.Clone();
        badIndices[40] = pool.InPlane + 3;
        ForEachPath(run =>
        {
            var dw = Filled(g.WeightSize, 0.5f);
            var db = Filled(g.OutC, 0.25f);
            var e = Assert.Throws<ArgumentException>(() =>
                ConvTranspose2dKernel.BackwardThroughUnpool(pooled, badIndices, pool, w, dy, new float[pool.OutSize], dw, db, 1, g, true));
            Assert.Equal("indices", e.ParamName);
            e = Assert.Throws<ArgumentException>(() =>
                ConvTranspose2dKernel.BackwardThroughUnpool(pooled, indices, pool, w, dy, new float[pool.OutSize - 1], dw, db, 1, g, true));
            Assert.Equal("dPooled", e.ParamName);
            Assert.All(dw, v => Assert.Equal(0.5f, v));
            Assert.All(db, v => Assert.Equal(0.25f, v));
        });
    }

    private static void CompareGathered(float[] pooled, int[] indices, PoolGeometry pool, ConvGeometry g, int batch, int seed, bool throughReLU, string run)
    {
        var w = Random(g.WeightSize, seed);
        var dy = Random(batch * g.OutSize, seed + 1);
        var (dx, dw, db) = (Filled(batch * g.InSize, float.NaN), Filled(g.WeightSize, 0.5f), Filled(g.OutC, 0.25f));
        ConvTranspose2dKernel.BackwardFromUnpool(pooled, indices, pool, w, dy, dx, dw, db, batch, g);
        var dPooled = Filled(batch * pool.OutSize, float.NaN);
        if (throughReLU) MaxUnpool2dKernel.BackwardThroughReLU(dx, pooled, indices, dPooled, batch, pool);
        else MaxUnpool2dKernel.Backward(dx, indices, dPooled, batch, pool);

        var (fused, fusedDw, fusedDb) = (Filled(batch * pool.OutSize, float.NaN), Filled(g.WeightSize, 0.5f), Filled(g.OutC, 0.25f));
        // The dense engines' bands (UnpooledBackward's sparse sums are SparseUnpooledBackwardTests').
        using (KernelOptions.DenseUnpooled())
            ConvTranspose2dKernel.BackwardThroughUnpool(pooled, indices, pool, w, dy, fused, fusedDw, fusedDb, batch, g, throughReLU);

        Same<float>(dw, fusedDw, $"dw, {run}");
        Same<float>(db, fusedDb, $"db, {run}");
        Same<float>(dPooled, fused, $"dPooled (through the ReLU: {throughReLU}), {run}");
    }

    private static void Compare(float[] pooled, int[] indices, PoolGeometry pool, ConvGeometry g, int batch, int seed, string run)
    {
        var w = Random(g.WeightSize, seed);
        var dy = Random(batch * g.OutSize, seed + 1);
        var unpooled = Filled(batch * pool.InSize, float.NaN);
        MaxUnpool2dKernel.Forward(pooled, indices, unpooled, batch, pool);

        var (dx, dw, db) = (Filled(batch * g.InSize, float.NaN), Filled(g.WeightSize, 0.5f), Filled(g.OutC, 0.25f));
        ConvTranspose2dKernel.Backward(unpooled, w, dy, dx, dw, db, batch, g);
        var (fusedDx, fusedDw, fusedDb) = (Filled(batch * g.InSize, float.NaN), Filled(g.WeightSize, 0.5f), Filled(g.OutC, 0.25f));
        ConvTranspose2dKernel.BackwardFromUnpool(pooled, indices, pool, w, dy, fusedDx, fusedDw, fusedDb, batch, g);

        Same<float>(dw, fusedDw, $"dw, {run}");
        Same<float>(db, fusedDb, $"db, {run}");
        Same<float>(dx, fusedDx, $"dx, {run}");
    }

    private static (PoolGeometry Pool, ConvGeometry Deconv) Geometries(int c, int inH, int inW, int poolK, int poolS, int outC, int k, int p)
    {
        var pool = new PoolGeometry(c, inH, inW, (inH - poolK) / poolS + 1, (inW - poolK) / poolS + 1, poolK, poolS);
        return (pool, new ConvGeometry(c, inH, inW, outC, inH - 2 * p + k - 1, inW - 2 * p + k - 1, k, 1, p));
    }
}

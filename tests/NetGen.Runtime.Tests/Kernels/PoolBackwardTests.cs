// Conv2dKernel.BackwardThroughPool (a convolution's backward with the MaxPool2d after it, and the ReLU between) against the
// pool's backward followed by Backward, on every forced path and thread count: the one-channel 3×3 first layer, whose weight
// gradient reads dy from the pooled values and argmax (the same weight gradient bit for bit, the bias within float sums'
// rounding), odd channel counts, argmax moved out of their windows (made the general way), and the layers that always go
// the general way (several input channels, an input gradient asked for, a pool that leaves rows out).
using NetGen.Kernels;
using NetGen.Model;
using static NetGen.Runtime.Tests.Kernels.KernelCheck;

namespace NetGen.Runtime.Tests.Kernels;

public class PoolBackwardTests
{
    /// <summary>input channels, output channels, H, W, batch, whether dx is asked for.</summary>
    public static TheoryData<int, int, int, int, int, bool> Shapes => new()
    {
        { 1, 16, 64, 64, 1, false },   // the tiny hourglass's conv1 at 64×64: dy from the pooled values
        { 1, 5, 32, 48, 2, false },    // an odd channel count (the last pair alone), two samples
        { 1, 4, 6, 16, 2, false },     // pooled planes of 24 values: the bias sums' scalar tail
        { 1, 8, 33, 32, 1, false },    // an odd height: the pool leaves the last row out, the general way
        { 3, 8, 32, 32, 2, false },    // three input channels: the general way
        { 1, 8, 32, 32, 1, true },     // dx asked for: the general way
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Equals_pool_backward_then_backward(int inC, int outC, int h, int w, int batch, bool withDx)
    {
        var (g, pool) = Geometries(inC, outC, h, w);
        var x = Random(batch * g.InSize, 1);
        var weights = Random(g.WeightSize, 2);
        var (pooledY, indices) = Pooled(pool, batch, seed: 3);
        var pooledDy = Random(batch * pool.OutSize, 4);
        WeightGradientNineTaps.PooledRuns = 0;
        ForEachPath(run =>
        {
            foreach (bool relu in new[] { true, false })
                Compare(x, weights, pooledDy, pooledY, indices, pool, g, batch, relu, withDx, $"ReLU {relu}, {run}");
        });
        // Vector512 on 1 and 2 threads, with and without the ReLU, where the first layer's case holds.
        bool pooledWay = inC == 1 && !withDx && h % 2 == 0;
        Assert.Equal(pooledWay && System.Runtime.Intrinsics.Vector512.IsHardwareAccelerated ? 4 : 0, WeightGradientNineTaps.PooledRuns);
    }

    [Fact]
    public void Argmax_outside_their_windows_go_the_general_way()
    {
        var (g, pool) = Geometries(1, 8, 32, 32);
        const int batch = 2;
        var x = Random(batch * g.InSize, 11);
        var weights = Random(g.WeightSize, 12);
        var (pooledY, indices) = Pooled(pool, batch, seed: 13);
        var rng = new Random(14);
        for (int plane = 0; plane < batch * pool.C; plane += 3) indices[plane * pool.OutPlane + rng.Next(pool.OutPlane)] = rng.Next(pool.InPlane);
        var pooledDy = Random(batch * pool.OutSize, 15);
        WeightGradientNineTaps.PooledRuns = 0;
        ForEachPath(run => Compare(x, weights, pooledDy, pooledY, indices, pool, g, batch, relu: true, withDx: false, run));
        Assert.Equal(0, WeightGradientNineTaps.PooledRuns);
    }

    [Fact]
    public void Short_operands_are_rejected_by_name_before_any_gradient_changes()
    {
        var (g, pool) = Geometries(1, 8, 16, 16);
        var (pooledY, indices) = Pooled(pool, 1, seed: 21);
        var dw = Filled(g.WeightSize, 0.5f);
        var db = Filled(g.OutC, 0.25f);
        var e = Assert.Throws<ArgumentException>(() => Conv2dKernel.BackwardThroughPool(Random(g.InSize, 22), Random(g.WeightSize, 23),
            new float[pool.OutSize - 1], pooledY, indices, pool, [], dw, db, 1, g, throughReLU: true));
        Assert.Equal("pooledDy", e.ParamName);
        e = Assert.Throws<ArgumentException>(() => Conv2dKernel.BackwardThroughPool(Random(g.InSize, 22), Random(g.WeightSize, 23),
            new float[pool.OutSize], new float[3], indices, pool, [], dw, db, 1, g, throughReLU: true));
        Assert.Equal("pooledY", e.ParamName);
        Assert.All(dw, v => Assert.Equal(0.5f, v));
        Assert.All(db, v => Assert.Equal(0.25f, v));
    }

    private static void Compare(float[] x, float[] w, float[] pooledDy, float[] pooledY, int[] indices, PoolGeometry pool, ConvGeometry g,
        int batch, bool relu, bool withDx, string what)
    {
        var dy = new float[batch * g.OutSize];
        if (relu) MaxPool2dKernel.BackwardThroughReLU(pooledDy, pooledY, indices, dy, batch, pool);
        else MaxPool2dKernel.Backward(pooledDy, indices, dy, batch, pool);
        var (dx, dw, db) = (withDx ? new float[batch * g.InSize] : [], Filled(g.WeightSize, 0.5f), Filled(g.OutC, 0.25f));
        Conv2dKernel.Backward(x, w, dy, dx, dw, db, batch, g);

        var (fdx, fdw, fdb) = (withDx ? Filled(batch * g.InSize, float.NaN) : [], Filled(g.WeightSize, 0.5f), Filled(g.OutC, 0.25f));
        Conv2dKernel.BackwardThroughPool(x, w, pooledDy, pooledY, indices, pool, fdx, fdw, fdb, batch, g, throughReLU: relu);
        Same<float>(dw, fdw, $"dw, {what}");
        Same<float>(dx, fdx, $"dx, {what}");
        // The bias sums run over the pooled values in float vectors here, over dy's planes in double there.
        Close(db, fdb, 1e-5, $"db, {what}");
    }

    private static (ConvGeometry Conv, PoolGeometry Pool) Geometries(int inC, int outC, int h, int w) =>
        (new ConvGeometry(inC, h, w, outC, h, w, 3, 1, 1), new PoolGeometry(outC, h, w, h / 2, w / 2, 2, 2));
}

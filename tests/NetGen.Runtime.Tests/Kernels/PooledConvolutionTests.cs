// Conv2dKernel.ForwardPooled (a convolution, its ReLU and the MaxPool2d after them in one call) against the calls it
// replaces, values and argmax bit for bit, on every forced path and thread count: the bands that pool from their thread's
// buffer (grayscale nine-tap rows, RGB taps in registers, 4-channel tiles stored from registers or through memory, odd planes whose last row
// the pool drops, stride-3 pools, several bands and channel groups per sample) and the layers they do not run
// (overlapping windows, a strided convolution, 1×1), which compute the output into scratch and pool it.
using NetGen.Kernels;
using NetGen.Model;
using static NetGen.Runtime.Tests.Kernels.KernelCheck;

namespace NetGen.Runtime.Tests.Kernels;

public class PooledConvolutionTests
{
    /// <summary>inC, outC, kernel, stride, padding, inH, inW, pool kernel, pool stride, batch.</summary>
    public static TheoryData<int, int, int, int, int, int, int, int, int, int> Shapes => new()
    {
        // The tiny hourglass's conv1 (one channel: nine-tap rows) and conv2.
        { 1, 16, 3, 1, 1, 64, 64, 2, 2, 2 },
        { 16, 32, 3, 1, 1, 32, 32, 2, 2, 3 },
        // One input channel with ReLU: pooled in the nine-tap rows' registers; an odd last row (dropped by the pool), rows
        // of 34 and 38 (the last 32 columns overlap), 5 and 7 channels, no padding.
        { 1, 5, 3, 1, 1, 13, 34, 2, 2, 2 },
        { 1, 7, 3, 1, 0, 15, 40, 2, 2, 1 },
        // Two or three input channels with ReLU (an RGB network's first layer): pooled in registers, two output channels at a
        // time (RunTapsPooled); 7 channels (the last paired with itself), an odd last row, rows of 34 (the last 32 columns
        // overlap), no padding, and a 64×64 plane in several bands.
        { 3, 7, 3, 1, 1, 13, 34, 2, 2, 2 },
        { 2, 6, 3, 1, 0, 15, 40, 2, 2, 1 },
        { 3, 16, 3, 1, 1, 64, 64, 2, 2, 1 },
        // Rows of 16 and 48 outputs (tiles of whole rows), a band's last tile shorter; 6 channels.
        { 5, 6, 3, 1, 1, 22, 16, 2, 2, 2 },
        { 3, 6, 3, 1, 1, 14, 48, 2, 2, 1 },
        // Odd planes: the pool drops the last row and column; channels not a multiple of 4.
        { 3, 6, 3, 1, 1, 13, 17, 2, 2, 2 },
        { 4, 5, 3, 1, 0, 17, 17, 2, 2, 1 },
        // SegNet's first layer on a plane with a partial last vector per row.
        { 3, 12, 7, 1, 3, 45, 60, 2, 2, 1 },
        // A stride-3 pool; several bands and channel groups on a larger plane.
        { 5, 6, 3, 1, 1, 18, 18, 3, 3, 1 },
        { 32, 64, 3, 1, 1, 64, 64, 2, 2, 1 },
        // Winograd's bands (as conv2 and the one above): 10 channels, rows of 48, several bands.
        { 8, 10, 3, 1, 1, 14, 48, 2, 2, 2 },
        // Not run by the bands: overlapping windows, a strided convolution, a 1×1 kernel.
        { 4, 4, 3, 1, 1, 17, 13, 3, 2, 2 },
        { 3, 8, 3, 2, 1, 32, 32, 2, 2, 1 },
        { 16, 11, 1, 1, 0, 45, 61, 2, 2, 2 },
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Equals_forward_then_pool(int inC, int outC, int k, int s, int p, int inH, int inW, int poolK, int poolS, int batch)
    {
        var g = ConvCase.Conv(inC, outC, k, s, p, inH, inW);
        var pool = new PoolGeometry(outC, g.OutH, g.OutW, (g.OutH - poolK) / poolS + 1, (g.OutW - poolK) / poolS + 1, poolK, poolS);
        var x = Random(batch * g.InSize, 61);
        var w = Random(g.WeightSize, 62);
        var b = Random(g.OutC, 63);
        ForEachPath(run =>
        {
            foreach (bool relu in new[] { false, true })
            {
                var y = Filled(batch * g.OutSize, float.NaN);
                Conv2dKernel.Forward(x, w, b, y, batch, g, relu);
                var expected = Filled(batch * pool.OutSize, float.NaN);
                var expectedIndices = new int[batch * pool.OutSize];
                MaxPool2dKernel.Forward(y, expected, expectedIndices, batch, pool);

                var pooled = Filled(batch * pool.OutSize, float.NaN);
                var indices = new int[batch * pool.OutSize];
                Array.Fill(indices, -1);
                Conv2dKernel.ForwardPooled(x, w, b, pooled, indices, batch, g, pool, relu);
                Same<float>(expected, pooled, $"pooled, relu {relu}, {run}");
                Same<int>(expectedIndices, indices, $"argmax, relu {relu}, {run}");
            }
        });
    }

    [Fact]
    public void A_pool_of_another_shape_is_rejected()
    {
        var g = ConvCase.Conv(2, 4, 3, 1, 1, 16, 16);
        var pool = new PoolGeometry(4, 16, 15, 8, 7, 2, 2);
        var e = Assert.Throws<ArgumentException>(() => Conv2dKernel.ForwardPooled(new float[g.InSize], new float[g.WeightSize], [],
            new float[pool.OutSize], new int[pool.OutSize], 1, g, pool));
        Assert.Equal("pool", e.ParamName);
    }
}

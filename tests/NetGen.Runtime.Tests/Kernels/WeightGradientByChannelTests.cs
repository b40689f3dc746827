// The channel-vectorized weight gradient (WeightGradientByChannel) against the float reference on every forced path and
// thread count, through the public Conv2d and ConvTranspose2d kernels, on shapes chosen to reach each of its cases:
// the wide and narrow Vector512 tiles, channel counts that leave padding lanes, several channel blocks, row copies and
// the padded and phase-split grids, a 1×1 kernel read in place, tap groups and row segments, partial transposition blocks.
using NetGen.Kernels;
using NetGen.Model;
using NetGen.Reference;
using static NetGen.Runtime.Tests.Kernels.KernelCheck;

namespace NetGen.Runtime.Tests.Kernels;

public class WeightGradientByChannelTests
{
    // As for the other dw tests: the same products summed in another order (n ≤ 3k per value), far inside 1e-4, while one
    // lost or misplaced product is off by ≈ 1/√n ≈ 2e-2.
    private const double Tolerance = 1e-4;

    /// <summary>inC, outC, kernel, stride, padding, inH, inW, batch of a Conv2d; its dw correlates dy (outC channels) with x.</summary>
    public static TheoryData<int, int, int, int, int, int, int, int> Conv2dShapes => new()
    {
        // 64 channels of dy: the wide tile, on row copies of a 16×16 plane, taps split into groups.
        { 32, 64, 3, 1, 1, 16, 16, 1 },
        // 16 channels on an odd, tall plane: the narrow tile on the padded grid, positions split into segments.
        { 16, 16, 3, 1, 1, 37, 29, 2 },
        // 16 channels on a plane small enough for tap groups alone (a channel block of A stays in L2).
        { 16, 16, 3, 1, 1, 20, 21, 2 },
        // Stride 2 on the phase-split grid, two narrow channel blocks, three samples.
        { 8, 32, 3, 2, 1, 17, 23, 3 },
        // A first layer's shape: 7×7 at stride 2, 4 input channels (3 or fewer take the position engine).
        { 4, 16, 7, 2, 3, 45, 31, 1 },
        // A 1×1 kernel on planes that are not whole vectors: both tensors read in place.
        { 64, 16, 1, 1, 0, 13, 17, 2 },
        // 63 channels: one padding lane in the wide tile; no padding, so the plane shrinks.
        { 9, 63, 3, 1, 0, 12, 15, 2 },
        // 128 channels: two wide channel blocks.
        { 8, 128, 3, 1, 1, 9, 11, 1 },
        // 72 channels: five narrow blocks, the last one half padding.
        { 8, 72, 5, 1, 2, 7, 19, 2 },
    };

    [Theory]
    [MemberData(nameof(Conv2dShapes))]
    public void Conv2d_dw_matches_reference(int inC, int outC, int kernel, int stride, int padding, int inH, int inW, int batch)
    {
        var g = ConvCase.Conv(inC, outC, kernel, stride, padding, inH, inW);
        Assert.True(WeightGradient.ByChannelPays(g.OutC, g.InC, g.InC * kernel * kernel, batch * g.OutPlane), "the shape should take the channel-vectorized engine");
        // Winograd would take the 3×3 shapes on whole-vector rows: this checks the channel engine.
        using var direct = KernelOptions.DirectOnly();
        Conv2dDwMatchesReference(g, batch, seed: 31, Tolerance);
    }

    [Theory]
    // Mirrors of Conv2d shapes: dw of a transposed convolution correlates x (the mirror's outC channels) with dy.
    [InlineData(32, 64, 3, 1, 1, 16, 16, 1)]
    [InlineData(16, 32, 3, 2, 1, 16, 15, 2)]
    [InlineData(64, 16, 7, 1, 3, 11, 13, 1)]
    public void ConvTranspose2d_dw_matches_reference(int inC, int outC, int kernel, int stride, int padding, int inH, int inW, int batch)
    {
        var g = ConvCase.Mirror(ConvCase.Conv(inC, outC, kernel, stride, padding, inH, inW));
        Assert.True(WeightGradient.ByChannelPays(g.InC, g.OutC, g.OutC * kernel * kernel, batch * g.InPlane), "the shape should take the channel-vectorized engine");
        // Winograd would take the 3×3 shapes on whole-vector rows: this checks the channel engine.
        using var direct = KernelOptions.DirectOnly();
        ConvTranspose2dDwMatchesReference(g, batch, seed: 41, Tolerance);
    }

    [Theory]
    [InlineData(512)]
    [InlineData(256)]
    [InlineData(1)]
    public void Results_do_not_depend_on_the_thread_count_or_the_run(int width)
    {
        // Tap groups (64 channels on a small plane; 16 on a smaller one), where on 2 threads each thread transposes its own
        // copy of dy, and row segments (16 channels on a larger one). The channel engine, not Winograd, on the 16×16 plane.
        using var direct = KernelOptions.DirectOnly();
        DwIsRepeatable(width, ConvCase.Conv(32, 64, 3, 1, 1, 16, 16), 1);
        DwIsRepeatable(width, ConvCase.Conv(16, 16, 3, 1, 1, 20, 21), 2);
        DwIsRepeatable(width, ConvCase.Conv(16, 16, 3, 1, 1, 37, 29), 2);
    }
}

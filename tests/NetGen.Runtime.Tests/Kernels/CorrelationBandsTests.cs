// The stride-1 correlation in bands of output rows (CorrelationBands) against the reference: Conv2d forward and input
// gradient and ConvTranspose2d forward on shapes that hit its cases (several bands with a shorter last one, channel
// groups, rows narrower than a vector, one output channel, partial 4-channel blocks, batches, cropping), and its plans.
using NetGen.Kernels;
using NetGen.Model;
using NetGen.Reference;
using static NetGen.Runtime.Tests.Kernels.KernelCheck;

namespace NetGen.Runtime.Tests.Kernels;

public class CorrelationBandsTests
{
    // As in Conv2dKernelTests: the kernel sums the same products in another order (and may start from the bias).
    private const double Tolerance = 1e-4;

    /// <summary>inC, outC, kernel, padding, inH, inW, batch of a stride-1 Conv2d.</summary>
    public static TheoryData<int, int, int, int, int, int, int> Shapes => new()
    {
        // A tall plane: several bands per sample on 2 threads, the last one shorter.
        { 16, 16, 3, 1, 67, 33, 1 },
        // 6 output channels: a partial 4-channel block; batch 3.
        { 5, 6, 3, 1, 19, 21, 3 },
        // Rows narrower than a vector (outW + k − 1 < 16): the tile goes through memory on every path.
        { 3, 8, 3, 1, 7, 5, 2 },
        // One output channel (and, for dx, one input channel): the one-channel tile, stored from registers.
        { 7, 1, 3, 1, 29, 41, 2 },
        { 1, 9, 5, 2, 23, 17, 1 },
        // No padding, a 5×5 kernel: grid columns past the output on every row.
        { 4, 12, 5, 0, 18, 40, 1 },
        // A 7×7 kernel on a small plane with few tiles: the output channels are split into groups between tasks.
        { 8, 64, 7, 3, 9, 12, 1 },
        // A 1×1 kernel with padding (not the pointwise path), whose input gradient crops.
        { 6, 5, 1, 2, 11, 19, 2 },
        // One input channel, 3×3: the nine-tap rows, two 16-column blocks at a time with an overlapping last pair (37
        // wide), one block (16 wide, 5 channels), no padding (38 wide, its input gradient pads by 2).
        { 1, 16, 3, 1, 20, 37, 2 },
        { 1, 5, 3, 1, 9, 16, 1 },
        { 1, 7, 3, 0, 12, 40, 1 },
        // Rows of 16, 32 and 48 outputs: tiles of whole rows (6, 3 and 2 at a time) and a shorter last tile per band;
        // 6 and 9 output channels (partial 4-channel blocks); a 5×5 kernel.
        { 6, 6, 3, 1, 23, 16, 2 },
        { 5, 9, 3, 1, 10, 32, 1 },
        { 3, 8, 3, 1, 7, 48, 2 },
        { 4, 12, 5, 2, 13, 16, 1 },
        { 32, 64, 3, 1, 16, 16, 2 },
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Conv2d_matches_reference(int inC, int outC, int kernel, int padding, int inH, int inW, int batch)
    {
        var g = ConvCase.Conv(inC, outC, kernel, 1, padding, inH, inW);
        Conv2dMatchesReference(g, batch, seed: 21, Tolerance);
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void ConvTranspose2d_matches_reference(int inC, int outC, int kernel, int padding, int inH, int inW, int batch)
    {
        var g = ConvCase.Mirror(ConvCase.Conv(inC, outC, kernel, 1, padding, inH, inW));
        ConvTranspose2dMatchesReference(g, batch, seed: 31, Tolerance);
    }

    [Theory]
    [InlineData(512)]
    [InlineData(256)]
    [InlineData(1)]
    public void Results_do_not_depend_on_the_band_plan(int width)
    {
        // 1 thread takes a few large bands, 2 threads more, smaller ones (and channel groups on the small plane).
        foreach (var g in new[] { ConvCase.Conv(16, 16, 3, 1, 1, 67, 33), ConvCase.Conv(8, 64, 7, 1, 3, 9, 12), ConvCase.Conv(7, 1, 3, 1, 1, 29, 41),
                     ConvCase.Conv(16, 32, 3, 1, 1, 32, 32), ConvCase.Conv(8, 12, 3, 1, 1, 19, 16) })
            YAndDxDoNotDependOnTheThreads(width, g, batch: 2);
    }

    [Theory]
    [InlineData(16, 64, 64, 3, 4, 1, 1)]
    [InlineData(16, 64, 64, 3, 4, 1, 2)]
    [InlineData(32, 16, 16, 3, 16, 1, 2)]
    [InlineData(64, 180, 240, 7, 16, 1, 2)]
    [InlineData(3, 37, 29, 5, 2, 3, 2)]
    public void Plans_cover_every_row_and_channel_block(int inC, int outH, int outW, int k, int coBlocks, int batch, int threads)
    {
        var plan = CorrelationBands.Plan(inC, outH, outW, k, coBlocks, CorrelationTiles.Channels, 96, batch, threads);
        Assert.True(plan.Rows >= 1 && plan.BandsPerSample * plan.Rows >= outH && (plan.BandsPerSample - 1) * plan.Rows < outH, $"{plan}");
        Assert.True(plan.Groups * plan.CbPerGroup >= coBlocks && (plan.Groups - 1) * plan.CbPerGroup < coBlocks, $"{plan}");
        // With a second thread there is work for it.
        if (threads > 1) Assert.True((long)batch * plan.BandsPerSample * plan.Groups >= threads, $"{plan}");
    }

    /// <summary>Bands are at most maxRows tall (Winograd's transformed input per band) and a multiple of the fused pool's
    /// stride, even where that takes more than 64 bands: before, a maxRows under outH / 64 fell back to one band of the whole
    /// plane (one task, and SegNet-Basic's 360×480 layer would have transformed 200 MB of it).</summary>
    [Theory]
    [InlineData(360, 480, 7, 1, 5)]
    [InlineData(360, 480, 7, 2, 5)]
    [InlineData(360, 480, 7, 1, 7)]
    [InlineData(512, 512, 3, 2, 2)]
    [InlineData(90, 120, 7, 1, 100)]
    [InlineData(9, 64, 3, 2, 4)]
    public void Plans_keep_bands_within_max_rows(int outH, int outW, int k, int rowMultiple, int maxRows)
    {
        var plan = CorrelationBands.Plan(64, outH, outW, k, 16, CorrelationTiles.Channels, 96, 1, 2, rowMultiple, maxRows: maxRows);
        Assert.True(plan.Rows <= maxRows && (plan.Rows % rowMultiple == 0 || plan.Rows == outH), $"{plan}");
        Assert.True(plan.BandsPerSample * plan.Rows >= outH && (plan.BandsPerSample - 1) * plan.Rows < outH, $"{plan}");
    }
}

// Winograd's F(2×2, 3×3) in the band engine (Vector512, 3×3 with one padding, rows of whole vectors, even heights, at
// least 8 channels in and out) and its transpose F(3×3, 2×2) for the weight gradient: where they apply, against the
// reference on every path (forward, fused ReLU, input gradient, transposed forward, both weight gradients), against the
// direct tiles on the same shapes (it must really run, and be about as accurate as they are against float64 sums), and
// independent of the thread count. The fused pool, unpool, classifier and ReLU gate are checked on Winograd shapes by their
// own tests (PooledConvolutionTests, UnpoolConvolutionTests, UnpoolBackwardTests, ClassifiedConvolutionTests, ReLUGateTests).
using System.Runtime.Intrinsics.X86;
using NetGen.Kernels;
using NetGen.Model;
using NetGen.Reference;
using static NetGen.Runtime.Tests.Kernels.KernelCheck;

namespace NetGen.Runtime.Tests.Kernels;

public class WinogradTests
{
    private const double Tolerance = 1e-4;

    /// <summary>inC, outC, inH, inW, batch of a 3×3 stride-1 Conv2d with one padding that Winograd runs.</summary>
    public static TheoryData<int, int, int, int, int> Shapes => new()
    {
        // The tiny hourglass's layers: 8 tiles per row (half a vector), 16 and 32 per row.
        { 32, 64, 16, 16, 2 },
        { 16, 32, 32, 32, 1 },
        { 16, 16, 64, 64, 1 },
        // A tall plane: several bands per sample, the last one shorter; 9 input channels.
        { 9, 16, 70, 32, 1 },
        // 10 output channels (a partial block of 4), rows of 48 (24 tiles: a chunk's last vector half full), batch 3.
        { 8, 10, 6, 48, 3 },
        // More input than output channels, 2 rows (one tile row).
        { 64, 12, 2, 16, 2 },
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Conv2d_matches_reference(int inC, int outC, int inH, int inW, int batch)
    {
        var g = ConvCase.Conv(inC, outC, 3, 1, 1, inH, inW);
        Assert.True(Winograd.Applies(VectorPath.Vector512, inC, inH, inW, outC, inH, inW, 3, 1) || !Winograd.Enabled);
        Conv2dMatchesReference(g, batch, seed: 71, Tolerance);
        // And the direct tiles on the same shapes, which Winograd now takes from them.
        using var direct = KernelOptions.DirectOnly();
        Conv2dMatchesReference(g, batch, seed: 71, Tolerance);
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void ConvTranspose2d_matches_reference(int inC, int outC, int inH, int inW, int batch)
    {
        var g = ConvCase.Mirror(ConvCase.Conv(inC, outC, 3, 1, 1, inH, inW));
        ConvTranspose2dMatchesReference(g, batch, seed: 81, Tolerance);
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Conv2d_dw_matches_reference(int inC, int outC, int inH, int inW, int batch)
    {
        var g = ConvCase.Conv(inC, outC, 3, 1, 1, inH, inW);
        // dw sums A = dy (outC channels, its vector lanes) against B = x.
        Assert.True(WinogradWeightGradient.Applies(VectorPath.Vector512, outC, inH, inW, inC, inH, inW, 3, 1, 1)
            || outC < 16 || !Winograd.Enabled);
        Conv2dDwMatchesReference(g, batch, seed: 75, Tolerance);
        using var direct = KernelOptions.DirectOnly();
        Conv2dDwMatchesReference(g, batch, seed: 75, Tolerance);
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void ConvTranspose2d_dw_matches_reference(int inC, int outC, int inH, int inW, int batch)
    {
        var g = ConvCase.Mirror(ConvCase.Conv(inC, outC, 3, 1, 1, inH, inW));
        ConvTranspose2dDwMatchesReference(g, batch, seed: 85, Tolerance);
    }

    /// <summary>Where all segments' sums would pass their memory cap (large planes and batches), segments loop over several
    /// chunks of rows; here forced on small planes by lowering the cap on this thread.</summary>
    [Fact]
    public void Dw_in_segments_of_several_chunks_matches_reference()
    {
        WinogradWeightGradient.ProductBytesCap = 32 << 10;
        try
        {
            Conv2dDwMatchesReference(ConvCase.Conv(16, 16, 3, 1, 1, 64, 64), 1, seed: 95, Tolerance);
            Conv2dDwMatchesReference(ConvCase.Conv(24, 32, 3, 1, 1, 40, 32), 3, seed: 96, Tolerance);
            DwIsRepeatable(512, ConvCase.Conv(16, 16, 3, 1, 1, 64, 64), 2);
        }
        finally
        {
            WinogradWeightGradient.ProductBytesCap = 0;
        }
    }

    [Fact]
    public void Dw_does_not_depend_on_the_thread_count_or_the_run()
    {
        DwIsRepeatable(512, ConvCase.Conv(16, 32, 3, 1, 1, 32, 32), 1);
        DwIsRepeatable(512, ConvCase.Conv(16, 16, 3, 1, 1, 66, 64), 2);
        DwIsRepeatable(512, ConvCase.Conv(9, 24, 3, 1, 1, 10, 48), 3);
    }

    [Fact]
    public void Applies_only_to_3x3_same_size_correlations_on_whole_vectors()
    {
        var v = VectorPath.Vector512;
        Assert.Equal(Winograd.Enabled, Winograd.Applies(v, 16, 32, 32, 32, 32, 32, 3, 1));
        Assert.False(Winograd.Applies(VectorPath.Vector256, 16, 32, 32, 32, 32, 32, 3, 1));
        Assert.False(Winograd.Applies(v, 16, 32, 32, 32, 32, 32, 5, 2));   // 5×5
        Assert.False(Winograd.Applies(v, 16, 32, 32, 32, 30, 30, 3, 0));   // no padding
        Assert.False(Winograd.Applies(v, 16, 32, 33, 32, 33, 32, 3, 1));   // odd height
        Assert.False(Winograd.Applies(v, 16, 32, 32, 40, 32, 40, 3, 1));   // rows not whole vectors
        Assert.False(Winograd.Applies(v, 4, 32, 32, 32, 32, 32, 3, 1));    // too few input channels
        Assert.False(Winograd.Applies(v, 16, 4, 32, 32, 32, 32, 3, 1));    // too few output channels
        Assert.Equal(Winograd.Enabled, WinogradWeightGradient.Applies(v, 32, 16, 16, 16, 16, 16, 3, 1, 1));
        Assert.False(WinogradWeightGradient.Applies(v, 8, 16, 16, 16, 16, 16, 3, 1, 1));   // A too narrow for its lanes
        Assert.False(WinogradWeightGradient.Applies(v, 32, 16, 16, 16, 16, 16, 3, 2, 1));  // stride 2
        using var direct = KernelOptions.DirectOnly();
        Assert.False(Winograd.Applies(v, 16, 32, 32, 32, 32, 32, 3, 1));
        Assert.False(WinogradWeightGradient.Applies(v, 32, 16, 16, 16, 16, 16, 3, 1, 1));
    }

    /// <summary>On Vector512 the Winograd result differs from the direct tiles' in rounding (so it really ran), and its error
    /// against float64 sums is at most twice theirs (measured: 0.4–0.8× of theirs: each output sums 16 products per input
    /// channel in its own chain where the tiles chain all 9·inC multiply-adds).</summary>
    [Theory]
    [MemberData(nameof(Shapes))]
    public void Runs_and_is_about_as_accurate_as_the_direct_tiles(int inC, int outC, int inH, int inW, int batch)
    {
        if (!Avx512F.IsSupported || !Winograd.Enabled) return;
        var (winogradError, tilesError) = ErrorsAgainstFloat64(ConvCase.Conv(inC, outC, 3, 1, 1, inH, inW), batch, 91, dw: false);
        Assert.True(winogradError <= 2 * tilesError, $"Winograd's max error {winogradError:G3}, the direct tiles' {tilesError:G3}");
    }

    [Fact]
    public void Results_do_not_depend_on_the_thread_count()
    {
        foreach (var g in new[] { ConvCase.Conv(16, 16, 3, 1, 1, 66, 64), ConvCase.Conv(32, 64, 3, 1, 1, 16, 16),
                     ConvCase.Conv(9, 10, 3, 1, 1, 70, 32) })
            YAndDxDoNotDependOnTheThreads(512, g, batch: 2, relu: true);
    }
}

// The position-vectorized weight gradient (WeightGradient's lane tiles, A read in place row by row) against the float
// reference on every forced path and thread count, on shapes that stay on it: rows ending in a partial vector, rows split
// into several passes, samples after samples, 1×1 kernels read in place; and a first layer with one input channel, 3×3,
// which the Vector512 path gives to the nine-tap engine (WeightGradientNineTaps).
using NetGen.Kernels;
using NetGen.Reference;
using static NetGen.Runtime.Tests.Kernels.KernelCheck;

namespace NetGen.Runtime.Tests.Kernels;

public class WeightGradientByPositionTests
{
    // As for the other dw tests: the same products summed in another order, far inside 1e-4.
    private const double Tolerance = 1e-4;

    [Theory]
    // One input channel, 29-wide rows (a partial last vector), two samples; no padding, 16-wide rows, an odd channel count
    // (a lone last pair on the nine-tap engine).
    [InlineData(1, 16, 3, 1, 1, 37, 29, 2)]
    [InlineData(1, 5, 3, 1, 0, 18, 18, 1)]
    // 61-wide rows, 33 to a pass: each sample takes two passes.
    [InlineData(3, 20, 7, 1, 3, 45, 61, 1)]
    // An RGB first layer to 64 channels (147 taps): B's 3 channels keep it off the channel engine.
    [InlineData(3, 64, 7, 1, 3, 30, 40, 2)]
    // Stride 2 on the phase-split grid, rows of 9.
    [InlineData(3, 5, 3, 2, 1, 19, 17, 3)]
    // 1×1 in place on a 3840-position plane: two rows of 1920.
    [InlineData(64, 11, 1, 1, 0, 48, 80, 2)]
    // 1×1 in place on a 144-position plane: one row.
    [InlineData(16, 2, 1, 1, 0, 12, 12, 3)]
    public void Conv2d_dw_matches_reference(int inC, int outC, int kernel, int stride, int padding, int inH, int inW, int batch)
    {
        var g = ConvCase.Conv(inC, outC, kernel, stride, padding, inH, inW);
        Assert.False(WeightGradient.ByChannelPays(g.OutC, g.InC, g.InC * kernel * kernel, batch * g.OutPlane), "the shape should stay on the position engine");
        Conv2dDwMatchesReference(g, batch, seed: 61, Tolerance);
    }

    [Fact]
    public void The_nine_tap_engine_gives_the_same_bits_on_any_thread_count() =>
        DwIsRepeatable(512, ConvCase.Conv(1, 7, 3, 1, 1, 21, 35), 2);
}

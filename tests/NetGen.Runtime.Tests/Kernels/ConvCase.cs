// The convolution shapes the Conv2d and ConvTranspose2d kernel tests share: strides 1, 2 (and 3), padding 0..3, kernels
// 1/3/5/7, odd widths, short planes and a tall one, channel counts 1..72 (not multiples of the 4-channel tiles too)
// and batches 1 to 3.
using NetGen.Model;

namespace NetGen.Runtime.Tests.Kernels;

public static class ConvCase
{
    /// <summary>inC, outC, kernel, stride, padding, inH, inW, batch of a Conv2d; ConvTranspose2d tests use its mirror.</summary>
    public static TheoryData<int, int, int, int, int, int, int, int> All => new()
    {
        { 1, 3, 3, 1, 1, 13, 17, 3 },
        { 3, 16, 3, 1, 0, 17, 13, 1 },
        { 16, 20, 5, 1, 2, 13, 45, 1 },
        { 20, 16, 7, 1, 3, 17, 13, 1 },
        { 3, 20, 1, 1, 0, 13, 17, 3 },
        { 16, 3, 1, 1, 3, 9, 13, 1 },
        { 64, 64, 3, 1, 1, 16, 45, 1 },
        { 64, 20, 5, 1, 1, 13, 17, 1 },
        { 3, 16, 3, 2, 1, 17, 45, 3 },
        { 16, 20, 5, 2, 2, 13, 17, 1 },
        { 20, 3, 7, 2, 3, 17, 13, 1 },
        { 1, 16, 1, 2, 0, 13, 17, 1 },
        { 3, 64, 3, 2, 0, 13, 13, 3 },
        { 16, 16, 3, 2, 3, 13, 17, 1 },
        { 20, 1, 7, 2, 2, 45, 17, 1 },
        { 3, 5, 1, 3, 1, 13, 17, 1 },
        { 4, 6, 5, 3, 2, 17, 19, 3 },
        // A plane tall enough for stride 1 to run on the padded grid rather than on row copies.
        { 3, 8, 3, 1, 1, 41, 23, 2 },
        // A 1×1 classifier over planes of several tasks each, ending in a partial tile on every path.
        { 16, 11, 1, 1, 0, 45, 61, 2 },
        // Planes of whole vectors: the 1×1 weight gradient reads the tensors in place.
        { 16, 11, 1, 1, 0, 40, 52, 2 },
        // One input channel on a plane tall enough for the padded grid: the input gradient takes the one-channel tile,
        // over several tiles ending in a partial one.
        { 1, 16, 3, 1, 1, 37, 29, 2 },
        // More than 64 channels: the weight gradient splits them between tasks.
        { 8, 72, 3, 1, 1, 9, 11, 1 },
    };

    public static ConvGeometry Conv(int inC, int outC, int kernel, int stride, int padding, int inH, int inW) =>
        new(inC, inH, inW, outC, ConvGeometry.ConvOut(inH, kernel, stride, padding), ConvGeometry.ConvOut(inW, kernel, stride, padding),
            kernel, stride, padding);

    /// <summary>The ConvTranspose2d that restores the conv's input size (with output padding where the stride needs it).</summary>
    public static ConvGeometry Mirror(ConvGeometry c) =>
        new(c.OutC, c.OutH, c.OutW, c.InC, c.InH, c.InW, c.Kernel, c.Stride, c.Padding);
}

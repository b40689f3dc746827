// The 1×1 convolution (the classifier and its input gradient) against the reference, on shapes that hit each of its tiles:
// the one- and two-channel tiles of 192 positions, the 4-channel tile stored from registers or through memory (planes
// shorter than a tile), partial last tiles and channel blocks, batches that do or do not split evenly between threads.
using NetGen.Kernels;
using NetGen.Model;
using NetGen.Reference;
using static NetGen.Runtime.Tests.Kernels.KernelCheck;

namespace NetGen.Runtime.Tests.Kernels;

public class PointwiseTests
{
    // The kernel sums the same products in another order (and may start from the bias).
    private const double Tolerance = 1e-4;

    /// <summary>inC, outC, inH, inW, batch of a 1×1, stride-1, unpadded Conv2d.</summary>
    public static TheoryData<int, int, int, int, int> Shapes => new()
    {
        // Two classes on a plane of 221: the two-channel tile, its last tile overlapping the one before; batch 3.
        { 16, 2, 13, 17, 3 },
        // One output channel (and one input channel for dx): the one-channel tile.
        { 3, 1, 15, 15, 1 },
        { 1, 5, 15, 15, 2 },
        // A plane shorter than one tile: through a zero-padded copy and a tile in memory.
        { 16, 2, 9, 9, 2 },
        // A plane between one 4-channel tile and one narrow tile: the 4-channel tile, stored from registers.
        { 16, 2, 10, 12, 1 },
        // The tiny hourglass's classifier and a SegNet-like 11 classes: a partial channel block over many tiles.
        { 16, 2, 64, 64, 1 },
        { 64, 11, 23, 29, 1 },
        { 5, 6, 7, 40, 3 },
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Conv2d_matches_reference(int inC, int outC, int inH, int inW, int batch)
    {
        var g = ConvCase.Conv(inC, outC, 1, 1, 0, inH, inW);
        Conv2dMatchesReference(g, batch, seed: 51, Tolerance);
    }

    [Theory]
    [InlineData(16, 2, 13, 17, 3)]
    [InlineData(64, 11, 23, 29, 2)]
    public void Results_are_the_same_bits_on_one_and_two_threads(int inC, int outC, int inH, int inW, int batch)
    {
        var g = ConvCase.Conv(inC, outC, 1, 1, 0, inH, inW);
        var x = Random(batch * g.InSize, 55);
        var w = Random(g.WeightSize, 56);
        var b = Random(g.OutC, 57);
        foreach (int width in new[] { 512, 256, 1 })
        {
            var one = new float[batch * g.OutSize];
            var two = new float[one.Length];
            using (KernelOptions.Override(width, 1)) Conv2dKernel.Forward(x, w, b, one, batch, g);
            using (KernelOptions.Override(width, 2)) Conv2dKernel.Forward(x, w, b, two, batch, g);
            Same<float>(one, two, $"width {width}");
        }
    }
}

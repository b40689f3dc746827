// ConvTranspose2dKernel.ForwardClassified and ForwardFromUnpoolClassified (a transposed convolution, or an unpool and one,
// with the 1×1 classifier after it in one call) against the calls they replace, on every forced path and thread count:
// bands classified from the thread's buffer (wide planes in several bands, planes narrower than a tile, one to eleven
// classes, the nine-tap rows), unpooled inputs, and the layers the bands do not run (stride 2, 1×1), classified from scratch;
// and with the deconvolution's output kept too (a training forward), each band classified from it.
using NetGen.Kernels;
using NetGen.Model;
using static NetGen.Runtime.Tests.Kernels.KernelCheck;

namespace NetGen.Runtime.Tests.Kernels;

public class ClassifiedConvolutionTests
{
    // The same sums in the same order, but a band shorter than a tile goes through memory (bias added last) where the
    // whole plane stores from registers (bias first): the last bits may differ.
    private const double Tolerance = 1e-6;

    /// <summary>inC, inH, inW, deconv outC, kernel, stride, padding, classes, batch.</summary>
    public static TheoryData<int, int, int, int, int, int, int, int, int> Shapes => new()
    {
        // The tiny hourglass's deconv1 and classifier: two-class narrow tiles over bands of 64-wide rows.
        { 16, 64, 64, 16, 3, 1, 1, 2, 1 },
        { 16, 32, 32, 16, 3, 1, 1, 2, 3 },
        // Rows of 16 outputs (tiles of whole rows) on a plane 13 tall; 6 channels, 3 classes.
        { 5, 13, 16, 6, 3, 1, 1, 3, 2 },
        // SegNet-like: a 7×7 kernel, 11 classes (three 4-class blocks, the last partial), odd sizes.
        { 8, 45, 60, 8, 7, 1, 3, 11, 1 },
        // A tall plane in many bands, one class; a plane narrower than a tile, three classes.
        { 6, 67, 33, 6, 3, 1, 1, 1, 2 },
        { 5, 5, 7, 6, 3, 1, 1, 3, 2 },
        // One input channel, 3×3, rows 37 wide: the nine-tap rows.
        { 1, 20, 37, 8, 3, 1, 1, 2, 2 },
        // Not run by the bands: stride 2, and a 1×1 kernel.
        { 8, 9, 10, 4, 3, 2, 1, 3, 2 },
        { 8, 10, 10, 4, 1, 1, 0, 2, 1 },
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Equals_forward_then_classifier(int inC, int inH, int inW, int outC, int k, int s, int p, int classes, int batch)
    {
        var g = Deconv(inC, inH, inW, outC, k, s, p);
        var x = Random(batch * g.InSize, 11);
        var (w, b, cw, cb) = Weights(g, classes, seed: 12);
        ForEachPath(run =>
        {
            foreach (bool relu in new[] { false, true })
            {
                var y = Filled(batch * g.OutSize, float.NaN);
                ConvTranspose2dKernel.Forward(x, w, b, y, batch, g, relu);
                var logits = Filled(batch * classes * g.OutPlane, float.NaN);
                ConvTranspose2dKernel.ForwardClassified(x, w, b, cw, cb, logits, batch, g, classes, relu);
                Close(Classify(y, cw, cb, batch, g, classes), logits, Tolerance, $"relu {relu}, {run}");
            }
        });
    }

    [Theory]
    [InlineData(16, 32, 32, 8, 3, 1, 1, 2, 2)]
    [InlineData(16, 64, 64, 16, 3, 1, 1, 2, 1)]
    [InlineData(5, 13, 17, 6, 3, 1, 1, 3, 1)]
    [InlineData(8, 16, 16, 4, 3, 2, 1, 3, 2)]
    public void Equals_unpool_forward_then_classifier(int c, int inH, int inW, int outC, int k, int s, int p, int classes, int batch)
    {
        var g = Deconv(c, inH, inW, outC, k, s, p);
        var pool = new PoolGeometry(c, inH, inW, inH / 2, inW / 2, 2, 2);
        var (pooled, indices) = Pooled(pool, batch, seed: 21);
        var (w, b, cw, cb) = Weights(g, classes, seed: 22);
        ForEachPath(run =>
        {
            var y = Filled(batch * g.OutSize, float.NaN);
            ConvTranspose2dKernel.ForwardFromUnpool(pooled, indices, pool, w, b, y, batch, g, relu: true);
            var logits = Filled(batch * classes * g.OutPlane, float.NaN);
            ConvTranspose2dKernel.ForwardFromUnpoolClassified(pooled, indices, pool, w, b, cw, cb, logits, batch, g, classes, relu: true);
            Close(Classify(y, cw, cb, batch, g, classes), logits, Tolerance, run);
            // Keeping y as well (a training forward): the same y, bit for bit, and the logits classified from it.
            var kept = Filled(batch * g.OutSize, float.NaN);
            var keptLogits = Filled(logits.Length, float.NaN);
            ConvTranspose2dKernel.ForwardFromUnpoolClassified(pooled, indices, pool, w, b, cw, cb, keptLogits, batch, g, classes, relu: true, y: kept);
            Same<float>(y, kept, $"y kept, {run}");
            Close(Classify(y, cw, cb, batch, g, classes), keptLogits, Tolerance, $"logits with y kept, {run}");
        });
    }

    [Fact]
    public void Short_operands_are_rejected_by_name()
    {
        var g = Deconv(4, 8, 8, 4, 3, 1, 1);
        var x = Random(g.InSize, 31);
        var (w, b, cw, cb) = Weights(g, 3, seed: 32);
        var logits = new float[3 * g.OutPlane];
        Assert.Equal("classifierWeight", Assert.Throws<ArgumentException>(() =>
            ConvTranspose2dKernel.ForwardClassified(x, w, b, cw.AsSpan(1), cb, logits, 1, g, 3)).ParamName);
        Assert.Equal("logits", Assert.Throws<ArgumentException>(() =>
            ConvTranspose2dKernel.ForwardClassified(x, w, b, cw, cb, logits.AsSpan(1), 1, g, 3)).ParamName);
        Assert.Equal("classes", Assert.Throws<ArgumentOutOfRangeException>(() =>
            ConvTranspose2dKernel.ForwardClassified(x, w, b, cw, cb, logits, 1, g, 0)).ParamName);
    }

    private static ConvGeometry Deconv(int inC, int inH, int inW, int outC, int k, int s, int p) =>
        new(inC, inH, inW, outC, (inH - 1) * s - 2 * p + k, (inW - 1) * s - 2 * p + k, k, s, p);

    private static (float[] W, float[] B, float[] ClassifierW, float[] ClassifierB) Weights(ConvGeometry g, int classes, int seed) =>
        (Random(g.WeightSize, seed), Random(g.OutC, seed + 1), Random(classes * g.OutC, seed + 2), Random(classes, seed + 3));

    // The classifier as the network runs it apart: a 1×1 Conv2d on the layer's output.
    private static float[] Classify(float[] y, float[] cw, float[] cb, int batch, ConvGeometry g, int classes)
    {
        var logits = Filled(batch * classes * g.OutPlane, float.NaN);
        Conv2dKernel.Forward(y, cw, cb, logits, batch, new ConvGeometry(g.OutC, g.OutH, g.OutW, classes, g.OutH, g.OutW, 1, 1, 0));
        return logits;
    }
}

// ConvTranspose2d reference: gradients against finite differences over strides, paddings, kernels, odd sizes and output
// padding, the backward contract, and the adjoint identity that ties it to Conv2d.
using NetGen.Model;
using NetGen.Reference;

namespace NetGen.Runtime.Tests.Reference;

public class ConvTranspose2dRefTests
{
    private const int Batch = 2;

    private static ConvGeometry Geometry(int inC, int outC, int kernel, int stride, int padding, int inH, int inW, int outputPadding) =>
        new(inC, inH, inW, outC,
            (inH - 1) * stride - 2 * padding + kernel + outputPadding, (inW - 1) * stride - 2 * padding + kernel + outputPadding,
            kernel, stride, padding);

    [Theory]
    [InlineData(1, 0, 3, 4, 5, 0)]
    [InlineData(1, 1, 3, 5, 7, 0)]
    [InlineData(1, 2, 5, 5, 7, 0)]
    [InlineData(2, 0, 3, 4, 5, 1)]
    [InlineData(2, 1, 3, 5, 5, 0)]
    [InlineData(2, 1, 3, 5, 4, 1)]
    [InlineData(2, 2, 5, 5, 3, 1)]
    [InlineData(2, 1, 5, 3, 5, 0)]
    public void Gradients_match_finite_differences(int stride, int padding, int kernel, int inH, int inW, int outputPadding)
    {
        var g = Geometry(3, 2, kernel, stride, padding, inH, inW, outputPadding);
        var x = Tensors.Random(Batch * g.InSize, 11);
        var w = Tensors.Random(g.WeightSize, 12);
        var b = Tensors.Random(g.OutC, 13);
        var r = Tensors.Random(Batch * g.OutSize, 14);
        var y = new double[Batch * g.OutSize];
        double Loss()
        {
            ConvTranspose2dRef.Forward<double>(x, w, b, y, Batch, g);
            return Tensors.Dot(y, r);
        }

        var dx = new double[x.Length];
        var dw = new double[w.Length];
        var db = new double[b.Length];
        ConvTranspose2dRef.Backward<double>(x, w, r, dx, dw, db, Batch, g);

        GradientCheck.AssertMatches("dx", x, dx, Loss);
        GradientCheck.AssertMatches("dw", w, dw, Loss);
        GradientCheck.AssertMatches("db", b, db, Loss);
    }

    [Fact]
    public void Backward_overwrites_dx_and_adds_to_dw_and_db()
    {
        var g = Geometry(2, 3, 3, 2, 1, 4, 5, 1);
        var x = Tensors.Random(Batch * g.InSize, 15);
        var w = Tensors.Random(g.WeightSize, 16);
        var dy = Tensors.Random(Batch * g.OutSize, 17);

        var dxFresh = new double[x.Length];
        var dwFresh = new double[w.Length];
        var dbFresh = new double[g.OutC];
        ConvTranspose2dRef.Backward<double>(x, w, dy, dxFresh, dwFresh, dbFresh, Batch, g);

        var dx = Enumerable.Repeat(123.0, x.Length).ToArray();
        var dw = Enumerable.Repeat(0.5, w.Length).ToArray();
        var db = Enumerable.Repeat(0.5, g.OutC).ToArray();
        ConvTranspose2dRef.Backward<double>(x, w, dy, dx, dw, db, Batch, g);
        ConvTranspose2dRef.Backward<double>(x, w, dy, [], dw, db, Batch, g);

        Assert.Equal(dxFresh, dx);
        for (int i = 0; i < w.Length; i++) Assert.Equal(0.5 + 2 * dwFresh[i], dw[i], 12);
        for (int i = 0; i < g.OutC; i++) Assert.Equal(0.5 + 2 * dbFresh[i], db[i], 12);
    }

    // With zero bias, ConvTranspose2d is the adjoint of Conv2d's input map: ⟨conv(x), y⟩ = ⟨x, convT(y)⟩ for the same
    // weight array, read as [Cout, Cin, K, K] by the conv and as [InC = Cout, OutC = Cin, K, K] by the deconv.
    // Output padding makes the deconv restore the conv's input size even where the conv's floor drops rows.
    [Theory]
    [InlineData(1, 0, 3, 7, 6)]
    [InlineData(1, 1, 3, 7, 7)]
    [InlineData(1, 2, 5, 6, 9)]
    [InlineData(2, 0, 3, 9, 8)]
    [InlineData(2, 1, 3, 9, 10)]
    [InlineData(2, 2, 5, 11, 12)]
    public void Is_the_adjoint_of_Conv2d(int stride, int padding, int kernel, int h, int w)
    {
        const int cIn = 2, cOut = 3;
        int outH = ConvGeometry.ConvOut(h, kernel, stride, padding), outW = ConvGeometry.ConvOut(w, kernel, stride, padding);
        var conv = new ConvGeometry(cIn, h, w, cOut, outH, outW, kernel, stride, padding);
        var deconv = new ConvGeometry(cOut, outH, outW, cIn, h, w, kernel, stride, padding);
        int outputPadding = h - ((outH - 1) * stride - 2 * padding + kernel);
        Assert.InRange(outputPadding, 0, stride - 1);

        var weight = Tensors.Random(conv.WeightSize, 21);
        var x = Tensors.Random(Batch * conv.InSize, 22);
        var y = Tensors.Random(Batch * conv.OutSize, 23);
        var convX = new double[Batch * conv.OutSize];
        var convTY = new double[Batch * deconv.OutSize];
        Conv2dRef.Forward<double>(x, weight, new double[cOut], convX, Batch, conv);
        ConvTranspose2dRef.Forward<double>(y, weight, new double[cIn], convTY, Batch, deconv);

        double left = Tensors.Dot(convX, y), right = Tensors.Dot(x, convTY);
        Assert.True(Math.Abs(left - right) <= 1e-12 * Math.Max(1, Math.Abs(left)), $"⟨conv x, y⟩ = {left:R}, ⟨x, convT y⟩ = {right:R}");
    }
}

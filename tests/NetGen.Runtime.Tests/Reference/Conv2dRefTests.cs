// Conv2d reference: gradients against finite differences over strides, paddings, kernels and odd sizes, and the
// backward contract (dx overwritten, parameter gradients accumulated).
using NetGen.Model;
using NetGen.Reference;

namespace NetGen.Runtime.Tests.Reference;

public class Conv2dRefTests
{
    private const int Batch = 2;

    private static ConvGeometry Geometry(int inC, int outC, int kernel, int stride, int padding, int inH, int inW) =>
        new(inC, inH, inW, outC, ConvGeometry.ConvOut(inH, kernel, stride, padding), ConvGeometry.ConvOut(inW, kernel, stride, padding),
            kernel, stride, padding);

    [Theory]
    [InlineData(1, 0, 3, 7, 5)]
    [InlineData(1, 1, 3, 5, 7)]
    [InlineData(1, 2, 5, 7, 9)]
    [InlineData(1, 0, 5, 9, 7)]
    [InlineData(2, 0, 3, 9, 7)]
    [InlineData(2, 1, 3, 9, 9)]
    [InlineData(2, 2, 5, 11, 9)]
    [InlineData(2, 1, 5, 8, 7)]
    public void Gradients_match_finite_differences(int stride, int padding, int kernel, int inH, int inW)
    {
        var g = Geometry(2, 3, kernel, stride, padding, inH, inW);
        var x = Tensors.Random(Batch * g.InSize, 1);
        var w = Tensors.Random(g.WeightSize, 2);
        var b = Tensors.Random(g.OutC, 3);
        var r = Tensors.Random(Batch * g.OutSize, 4);
        var y = new double[Batch * g.OutSize];
        double Loss()
        {
            Conv2dRef.Forward<double>(x, w, b, y, Batch, g);
            return Tensors.Dot(y, r);
        }

        var dx = new double[x.Length];
        var dw = new double[w.Length];
        var db = new double[b.Length];
        Conv2dRef.Backward<double>(x, w, r, dx, dw, db, Batch, g);

        GradientCheck.AssertMatches("dx", x, dx, Loss);
        GradientCheck.AssertMatches("dw", w, dw, Loss);
        GradientCheck.AssertMatches("db", b, db, Loss);
    }

    [Fact]
    public void Backward_overwrites_dx_and_adds_to_dw_and_db()
    {
        var g = Geometry(2, 3, 3, 2, 1, 7, 6);
        var x = Tensors.Random(Batch * g.InSize, 5);
        var w = Tensors.Random(g.WeightSize, 6);
        var dy = Tensors.Random(Batch * g.OutSize, 7);

        var dxFresh = new double[x.Length];
        var dwFresh = new double[w.Length];
        var dbFresh = new double[g.OutC];
        Conv2dRef.Backward<double>(x, w, dy, dxFresh, dwFresh, dbFresh, Batch, g);

        var dx = Enumerable.Repeat(123.0, x.Length).ToArray();
        var dw = Enumerable.Repeat(0.5, w.Length).ToArray();
        var db = Enumerable.Repeat(0.5, g.OutC).ToArray();
        Conv2dRef.Backward<double>(x, w, dy, dx, dw, db, Batch, g);
        Conv2dRef.Backward<double>(x, w, dy, [], dw, db, Batch, g);

        Assert.Equal(dxFresh, dx);
        for (int i = 0; i < w.Length; i++) Assert.Equal(0.5 + 2 * dwFresh[i], dw[i], 12);
        for (int i = 0; i < g.OutC; i++) Assert.Equal(0.5 + 2 * dbFresh[i], db[i], 12);
    }
}

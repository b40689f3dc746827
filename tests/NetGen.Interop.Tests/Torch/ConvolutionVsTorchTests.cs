// Conv2d and ConvTranspose2d reference ops against libtorch's conv2d / conv_transpose2d: forward, and the input, weight
// and bias gradients that autograd computes for a random upstream gradient.
using NetGen.Model;
using NetGen.Reference;
using static NetGen.Interop.Tests.Support.TorchData;
using static NetGen.Interop.Tests.Support.Tolerance;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace NetGen.Interop.Tests.Torch;

public sealed class ConvolutionVsTorchTests
{
    [Theory]
    [InlineData(2, 3, 7, 6, 4, 3, 1, 1)]
    [InlineData(1, 2, 9, 8, 3, 3, 2, 1)]
    [InlineData(2, 2, 8, 7, 3, 5, 2, 2)]
    [InlineData(1, 3, 6, 6, 2, 1, 1, 0)]
    public void Conv2d_MatchesTorch(int batch, int inC, int inH, int inW, int outC, int kernel, int stride, int padding)
    {
        using var scope = NewDisposeScope();
        var g = new ConvGeometry(inC, inH, inW, outC,
            ConvGeometry.ConvOut(inH, kernel, stride, padding), ConvGeometry.ConvOut(inW, kernel, stride, padding), kernel, stride, padding);
        float[] x = Random(1, batch * g.InSize), w = Random(2, g.WeightSize, 0.5f), b = Random(3, outC), dy = Random(4, batch * g.OutSize);

        var y = new float[batch * g.OutSize];
        Conv2dRef.Forward<float>(x, w, b, y, batch, g);
        var dx = new float[x.Length];
        var dw = new float[w.Length];
        var db = new float[b.Length];
        Conv2dRef.Backward<float>(x, w, dy, dx, dw, db, batch, g);

        var tx = ToTorch(x, [batch, inC, inH, inW], requiresGrad: true);
        var tw = ToTorch(w, [outC, inC, kernel, kernel], requiresGrad: true);
        var tb = ToTorch(b, [outC], requiresGrad: true);
        var ty = F.conv2d(tx, tw, tb, strides: [stride, stride], padding: [padding, padding]);
        ty.backward([ToTorch(dy, ty.shape)]);

        AssertClose(ToArray(ty), y, Float32, "y");
        AssertClose(Grad(tx), dx, Float32, "dx");
        AssertClose(Grad(tw), dw, Float32, "dw");
        AssertClose(Grad(tb), db, Float32, "db");
    }

    // Each case is the deconv that mirrors a conv on a (convInH × convInW) input, so it must restore that size; where the conv
    // dropped a row or column (stride 2 on an even size), torch needs output_padding 1 to get it back.
    [Theory]
    [InlineData(2, 3, 2, 7, 6, 3, 1, 1)]
    [InlineData(1, 2, 3, 9, 8, 3, 2, 1)]
    [InlineData(2, 2, 2, 8, 7, 2, 2, 0)]
    [InlineData(1, 2, 2, 10, 11, 4, 2, 1)]
    public void ConvTranspose2d_MatchesTorch(int batch, int inC, int outC, int convInH, int convInW, int kernel, int stride, int padding)
    {
        using var scope = NewDisposeScope();
        int inH = ConvGeometry.ConvOut(convInH, kernel, stride, padding), inW = ConvGeometry.ConvOut(convInW, kernel, stride, padding);
        var g = new ConvGeometry(inC, inH, inW, outC, convInH, convInW, kernel, stride, padding);
        long outputPadH = convInH - ((inH - 1) * stride + kernel - 2 * padding);
        long outputPadW = convInW - ((inW - 1) * stride + kernel - 2 * padding);
        float[] x = Random(5, batch * g.InSize), w = Random(6, g.WeightSize, 0.5f), b = Random(7, outC), dy = Random(8, batch * g.OutSize);

        var y = new float[batch * g.OutSize];
        ConvTranspose2dRef.Forward<float>(x, w, b, y, batch, g);
        var dx = new float[x.Length];
        var dw = new float[w.Length];
        var db = new float[b.Length];
        ConvTranspose2dRef.Backward<float>(x, w, dy, dx, dw, db, batch, g);

        var tx = ToTorch(x, [batch, inC, inH, inW], requiresGrad: true);
        var tw = ToTorch(w, [inC, outC, kernel, kernel], requiresGrad: true);
        var tb = ToTorch(b, [outC], requiresGrad: true);
        var ty = F.conv_transpose2d(tx, tw, tb, strides: [stride, stride], padding: [padding, padding], output_padding: [outputPadH, outputPadW]);
        Assert.Equal([batch, outC, convInH, convInW], ty.shape);
        ty.backward([ToTorch(dy, ty.shape)]);

        AssertClose(ToArray(ty), y, Float32, "y");
        AssertClose(Grad(tx), dx, Float32, "dx");
        AssertClose(Grad(tw), dw, Float32, "dw");
        AssertClose(Grad(tb), db, Float32, "db");
    }

    // The lecture's deconvolution example: each input pixel stamps the cross, scaled by itself, onto a 6×6 output.
    [Fact]
    public void ConvTranspose2d_LectureExample_TorchAndReferenceAgree()
    {
        using var scope = NewDisposeScope();
        float[] x =
        [
            1, 1, 1, 1,
            1, 0, 0, 1,
            0, 1, 1, 0,
            0, 0, 0, 0,
        ];
        float[] cross =
        [
            0, 1, 0,
            1, 1, 1,
            0, 1, 0,
        ];
        float[] expected =
        [
            0, 1, 1, 1, 1, 0,
            1, 3, 3, 3, 3, 1,
            1, 2, 3, 3, 2, 1,
            0, 2, 2, 2, 2, 0,
            0, 0, 1, 1, 0, 0,
            0, 0, 0, 0, 0, 0,
        ];

        var torchY = F.conv_transpose2d(ToTorch(x, [1, 1, 4, 4]), ToTorch(cross, [1, 1, 3, 3]));
        Assert.Equal([1L, 1, 6, 6], torchY.shape);
        Assert.Equal(expected, ToArray(torchY));

        var reference = new float[36];
        ConvTranspose2dRef.Forward<float>(x, cross, [], reference, 1, new ConvGeometry(1, 4, 4, 1, 6, 6, 3, 1, 0));
        Assert.Equal(expected, reference);
    }
}

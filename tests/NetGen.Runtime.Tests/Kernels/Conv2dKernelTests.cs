// Conv2d kernel against the float reference on every forced path and thread count: forward (output overwritten, with and
// without the fused ReLU), backward (dx overwritten, dw and db added to), the optional bias and dx, thread independence.
using NetGen.Kernels;
using NetGen.Model;
using NetGen.Reference;
using static NetGen.Runtime.Tests.Kernels.KernelCheck;

namespace NetGen.Runtime.Tests.Kernels;

public class Conv2dKernelTests
{
    // The kernel adds the same products as the reference in another order (taps in a fixed order for y and dx; 16
    // interleaved lane sums for dw). Over n ≤ 3k products per value, float rounding then differs by about √n·2⁻²⁴ ≈ 3e-6
    // of the values' size; 1e-4 leaves a wide margin, while one lost or misplaced product (≈ 1/√n ≈ 2e-2 of it) fails.
    private const double Tolerance = 1e-4;

    [Theory]
    [MemberData(nameof(ConvCase.All), MemberType = typeof(ConvCase))]
    public void Matches_reference(int inC, int outC, int kernel, int stride, int padding, int inH, int inW, int batch)
    {
        var g = ConvCase.Conv(inC, outC, kernel, stride, padding, inH, inW);
        var x = Random(batch * g.InSize, 1);
        var w = Random(g.WeightSize, 2);
        var b = Random(g.OutC, 3);
        var dy = Random(batch * g.OutSize, 4);
        var dw0 = Random(g.WeightSize, 5);
        var db0 = Random(g.OutC, 6);

        var y = new float[batch * g.OutSize];
        Conv2dRef.Forward<float>(x, w, b, y, batch, g);
        // The fused ReLU must match the reference conv followed by the reference ReLU on every store path.
        var yRelu = new float[y.Length];
        ReLURef.Forward<float>(y, yRelu);
        var dx = new float[batch * g.InSize];
        var dw = (float[])dw0.Clone();
        var db = (float[])db0.Clone();
        Conv2dRef.Backward<float>(x, w, dy, dx, dw, db, batch, g);

        ForEachPath(run =>
        {
            var ky = Filled(y.Length, float.NaN);
            Conv2dKernel.Forward(x, w, b, ky, batch, g);
            Close(y, ky, Tolerance, $"y, {run}");
            var kyRelu = Filled(y.Length, float.NaN);
            Conv2dKernel.Forward(x, w, b, kyRelu, batch, g, relu: true);
            Close(yRelu, kyRelu, Tolerance, $"relu(y), {run}");

            var kdx = Filled(dx.Length, 123f);
            var kdw = (float[])dw0.Clone();
            var kdb = (float[])db0.Clone();
            Conv2dKernel.Backward(x, w, dy, kdx, kdw, kdb, batch, g);
            Close(dx, kdx, Tolerance, $"dx, {run}");
            Close(dw, kdw, Tolerance, $"dw, {run}");
            Close(db, kdb, Tolerance, $"db, {run}");
        });
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void Bias_and_dx_are_optional(int stride)
    {
        var g = ConvCase.Conv(3, 5, 3, stride, 1, 11, 19);
        const int batch = 2;
        var x = Random(batch * g.InSize, 7);
        var w = Random(g.WeightSize, 8);
        var dy = Random(batch * g.OutSize, 9);
        var y = new float[batch * g.OutSize];
        Conv2dRef.Forward<float>(x, w, [], y, batch, g);
        var dw = new float[g.WeightSize];
        Conv2dRef.Backward<float>(x, w, dy, [], dw, [], batch, g);

        ForEachPath(run =>
        {
            var ky = Filled(y.Length, float.NaN);
            Conv2dKernel.Forward(x, w, [], ky, batch, g);
            Close(y, ky, Tolerance, $"y, {run}");
            var kdw = new float[g.WeightSize];
            Conv2dKernel.Backward(x, w, dy, [], kdw, [], batch, g);
            Close(dw, kdw, Tolerance, $"dw, {run}");
        });
    }

    [Theory]
    [InlineData(512)]
    [InlineData(256)]
    [InlineData(1)]
    public void Results_do_not_depend_on_the_thread_count(int width)
    {
        ThreadCountIndependent(width, ConvCase.Conv(16, 20, 3, 1, 1, 23, 37));
        // The 1×1 path splits planes into tasks by position instead.
        ThreadCountIndependent(width, ConvCase.Conv(16, 11, 1, 1, 0, 45, 61));
        // One input channel: the input gradient runs on the one-channel tile.
        ThreadCountIndependent(width, ConvCase.Conv(1, 16, 3, 1, 1, 41, 37));
    }

    private static void ThreadCountIndependent(int width, ConvGeometry g)
    {
        const int batch = 3;
        var x = Random(batch * g.InSize, 10);
        var w = Random(g.WeightSize, 11);
        var b = Random(g.OutC, 12);
        var dy = Random(batch * g.OutSize, 13);
        (float[] Y, float[] Dx, float[] Dw, float[] Db) Run(int threads)
        {
            using var scope = KernelOptions.Override(width, threads);
            var y = new float[batch * g.OutSize];
            var dx = new float[batch * g.InSize];
            var dw = new float[g.WeightSize];
            var db = new float[g.OutC];
            Conv2dKernel.Forward(x, w, b, y, batch, g);
            Conv2dKernel.Backward(x, w, dy, dx, dw, db, batch, g);
            return (y, dx, dw, db);
        }

        var one = Run(1);
        var two = Run(2);
        Same<float>(one.Y, two.Y, "y");
        Same<float>(one.Dx, two.Dx, "dx");
        Same<float>(one.Dw, two.Dw, "dw");
        Same<float>(one.Db, two.Db, "db");
    }

    [Fact]
    public void Rejects_a_too_short_output()
    {
        var g = ConvCase.Conv(2, 2, 3, 1, 1, 5, 5);
        var x = new float[g.InSize];
        var w = new float[g.WeightSize];
        Assert.Throws<ArgumentException>(() => Conv2dKernel.Forward(x, w, [], new float[g.OutSize - 1], 1, g));
    }
}

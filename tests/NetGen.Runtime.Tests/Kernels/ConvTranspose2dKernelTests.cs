// ConvTranspose2d kernel against the float reference on every forced path and thread count, for the mirror of every
// Conv2d test shape (output padding included where the stride needs it).
using NetGen.Kernels;
using NetGen.Reference;
using static NetGen.Runtime.Tests.Kernels.KernelCheck;

namespace NetGen.Runtime.Tests.Kernels;

public class ConvTranspose2dKernelTests
{
    // Same reasoning as for Conv2d: the same products summed in another order, n ≤ 3k per value.
    private const double Tolerance = 1e-4;

    [Theory]
    [MemberData(nameof(ConvCase.All), MemberType = typeof(ConvCase))]
    public void Matches_reference(int inC, int outC, int kernel, int stride, int padding, int inH, int inW, int batch)
    {
        var g = ConvCase.Mirror(ConvCase.Conv(inC, outC, kernel, stride, padding, inH, inW));
        var x = Random(batch * g.InSize, 21);
        var w = Random(g.WeightSize, 22);
        var b = Random(g.OutC, 23);
        var dy = Random(batch * g.OutSize, 24);
        var dw0 = Random(g.WeightSize, 25);
        var db0 = Random(g.OutC, 26);

        var y = new float[batch * g.OutSize];
        ConvTranspose2dRef.Forward<float>(x, w, b, y, batch, g);
        // The fused ReLU must match the reference conv followed by the reference ReLU on every store path.
        var yRelu = new float[y.Length];
        ReLURef.Forward<float>(y, yRelu);
        var dx = new float[batch * g.InSize];
        var dw = (float[])dw0.Clone();
        var db = (float[])db0.Clone();
        ConvTranspose2dRef.Backward<float>(x, w, dy, dx, dw, db, batch, g);

        ForEachPath(run =>
        {
            var ky = Filled(y.Length, float.NaN);
            ConvTranspose2dKernel.Forward(x, w, b, ky, batch, g);
            Close(y, ky, Tolerance, $"y, {run}");
            var kyRelu = Filled(y.Length, float.NaN);
            ConvTranspose2dKernel.Forward(x, w, b, kyRelu, batch, g, relu: true);
            Close(yRelu, kyRelu, Tolerance, $"relu(y), {run}");

            var kdx = Filled(dx.Length, 123f);
            var kdw = (float[])dw0.Clone();
            var kdb = (float[])db0.Clone();
            ConvTranspose2dKernel.Backward(x, w, dy, kdx, kdw, kdb, batch, g);
            Close(dx, kdx, Tolerance, $"dx, {run}");
            Close(dw, kdw, Tolerance, $"dw, {run}");
            Close(db, kdb, Tolerance, $"db, {run}");
        });
    }

    [Fact]
    public void Bias_and_dx_are_optional()
    {
        var g = ConvCase.Mirror(ConvCase.Conv(3, 5, 3, 2, 1, 12, 19));
        const int batch = 2;
        var x = Random(batch * g.InSize, 27);
        var w = Random(g.WeightSize, 28);
        var dy = Random(batch * g.OutSize, 29);
        var y = new float[batch * g.OutSize];
        ConvTranspose2dRef.Forward<float>(x, w, [], y, batch, g);
        var dw = new float[g.WeightSize];
        ConvTranspose2dRef.Backward<float>(x, w, dy, [], dw, [], batch, g);

        ForEachPath(run =>
        {
            var ky = Filled(y.Length, float.NaN);
            ConvTranspose2dKernel.Forward(x, w, [], ky, batch, g);
            Close(y, ky, Tolerance, $"y, {run}");
            var kdw = new float[g.WeightSize];
            ConvTranspose2dKernel.Backward(x, w, dy, [], kdw, [], batch, g);
            Close(dw, kdw, Tolerance, $"dw, {run}");
        });
    }
}

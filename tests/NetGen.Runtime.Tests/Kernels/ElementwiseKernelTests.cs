// ReLU and Concat kernels against the reference, bit for bit, on every forced path and thread count, including lengths
// that split into several chunks, in-place ReLU, and skipped gradients.
using NetGen.Kernels;
using NetGen.Reference;
using static NetGen.Runtime.Tests.Kernels.KernelCheck;

namespace NetGen.Runtime.Tests.Kernels;

public class ElementwiseKernelTests
{
    /// <summary>Random values with exact zeros of both signs and a NaN sprinkled in.</summary>
    private static float[] Signed(int length, int seed)
    {
        var values = Random(length, seed);
        for (int i = 0; i < length; i += 7) values[i] = i % 14 == 0 ? 0f : -0f;
        if (length > 3) values[3] = float.NaN;
        return values;
    }

    [Theory]
    [InlineData(5)]
    [InlineData(333)]
    [InlineData(70_001)]
    public void ReLU_matches_reference_exactly(int length)
    {
        var x = Signed(length, 41);
        var dy = Random(length, 42);
        var y = new float[length];
        ReLURef.Forward<float>(x, y);
        var dx = new float[length];
        ReLURef.Backward<float>(y, dy, dx);

        ForEachPath(run =>
        {
            var ky = Filled(length, float.NaN);
            ReLUKernel.Forward(x, ky);
            Same<float>(y, ky, $"y, {run}");
            var inPlace = (float[])x.Clone();
            ReLUKernel.Forward(inPlace, inPlace);
            Same<float>(y, inPlace, $"y in place, {run}");

            var kdx = Filled(length, float.NaN);
            ReLUKernel.Backward(y, dy, kdx);
            Same<float>(dx, kdx, $"dx, {run}");
            ReLUKernel.Backward(y, dy, []);
        });
    }

    [Theory]
    [InlineData(1, 3, 5, 13 * 17)]
    [InlineData(3, 64, 64, 45 * 45)]
    [InlineData(2, 1, 20, 7)]
    public void Concat_matches_reference_exactly(int batch, int aChannels, int bChannels, int plane)
    {
        var a = Random(batch * aChannels * plane, 43);
        var b = Random(batch * bChannels * plane, 44);
        var dy = Random(batch * (aChannels + bChannels) * plane, 45);
        var y = new float[dy.Length];
        ConcatRef.Forward<float>(a, b, y, batch, aChannels, bChannels, plane);
        var da = new float[a.Length];
        var db = new float[b.Length];
        ConcatRef.Backward<float>(dy, da, db, batch, aChannels, bChannels, plane);

        ForEachPath(run =>
        {
            var ky = Filled(y.Length, float.NaN);
            ConcatKernel.Forward(a, b, ky, batch, aChannels, bChannels, plane);
            Same<float>(y, ky, $"y, {run}");

            var kda = Filled(da.Length, float.NaN);
            var kdb = Filled(db.Length, float.NaN);
            ConcatKernel.Backward(dy, kda, kdb, batch, aChannels, bChannels, plane);
            Same<float>(da, kda, $"da, {run}");
            Same<float>(db, kdb, $"db, {run}");

            var onlyB = Filled(db.Length, float.NaN);
            ConcatKernel.Backward(dy, [], onlyB, batch, aChannels, bChannels, plane);
            Same<float>(db, onlyB, $"db without da, {run}");
        });
    }
}

// ReLU and Concat reference: gradients against finite differences.
using NetGen.Reference;

namespace NetGen.Runtime.Tests.Reference;

public class ReLUAndConcatRefTests
{
    [Fact]
    public void ReLU_gradient_matches_finite_differences()
    {
        var x = Tensors.AwayFromZero(2 * 3 * 5 * 7, 41);
        var r = Tensors.Random(x.Length, 42);
        var y = new double[x.Length];
        double Loss()
        {
            ReLURef.Forward<double>(x, y);
            return Tensors.Dot(y, r);
        }

        Loss();
        var dx = Enumerable.Repeat(123.0, x.Length).ToArray();
        ReLURef.Backward<double>(y, r, dx);

        Assert.Contains(y, v => v == 0);
        GradientCheck.AssertMatches("dx", x, dx, Loss);
    }

    [Fact]
    public void Concat_gradient_matches_finite_differences()
    {
        const int batch = 2, aChannels = 3, bChannels = 2, plane = 5 * 7;
        var a = Tensors.Random(batch * aChannels * plane, 43);
        var b = Tensors.Random(batch * bChannels * plane, 44);
        var r = Tensors.Random(batch * (aChannels + bChannels) * plane, 45);
        var y = new double[r.Length];
        double Loss()
        {
            ConcatRef.Forward<double>(a, b, y, batch, aChannels, bChannels, plane);
            return Tensors.Dot(y, r);
        }

        var da = new double[a.Length];
        var db = new double[b.Length];
        ConcatRef.Backward<double>(r, da, db, batch, aChannels, bChannels, plane);

        GradientCheck.AssertMatches("da", a, da, Loss);
        GradientCheck.AssertMatches("db", b, db, Loss);
    }

    [Fact]
    public void Concat_puts_the_second_input_after_the_first_per_sample()
    {
        var y = new double[8];

        ConcatRef.Forward<double>([1, 2, 3, 4], [5, 6, 7, 8], y, 2, 1, 1, 2);

        Assert.Equal([1, 2, 5, 6, 3, 4, 7, 8], y);
    }
}

// FastMath's float exp and log (the loss's Vector512 path) against Math.Exp and Math.Log in double: within 2 ulp of the
// rounded true value over the ranges the softmax uses and far beyond, and the IEEE edge cases as MathF gives them.
using System.Runtime.Intrinsics;
using NetGen.Kernels;

namespace NetGen.Runtime.Tests.Kernels;

public class FastMathTests
{
    [Theory]
    [InlineData(-87.0, 0.0)]     // the softmax's x − max
    [InlineData(-10.0, 10.0)]
    [InlineData(0.0, 88.7)]
    public void Exp_is_within_2_ulp(double from, double to)
    {
        foreach (float x in Grid(from, to))
            AssertUlps(Math.Exp(x), FastMath.Exp(Vector512.Create(x)).GetElement(0), $"exp({x:R})");
    }

    [Theory]
    [InlineData(1.0, 16.0)]      // the softmax's Σexp
    [InlineData(1e-30, 1e30)]
    [InlineData(0.5, 2.0)]
    public void Log_is_within_2_ulp(double from, double to)
    {
        foreach (float x in Grid(from, to, geometric: to / from > 100))
        {
            double expected = Math.Log(x);
            float actual = FastMath.Log(Vector512.Create(x)).GetElement(0);
            // Near 1 the result's ulp shrinks with it: there, 2 ulp of 1 − x (the polynomial's own scale) is the bound.
            if (Math.Abs(expected) < 1e-3) Assert.True(Math.Abs(actual - expected) <= 2 * Ulp(Math.Abs(x - 1)), $"log({x:R}) = {actual:R}, expected {expected:R}");
            else AssertUlps(expected, actual, $"log({x:R})");
        }
    }

    [Fact]
    public void Edges_are_as_MathF_gives_them()
    {
        float Exp(float x) => FastMath.Exp(Vector512.Create(x)).GetElement(0);
        float Log(float x) => FastMath.Log(Vector512.Create(x)).GetElement(0);
        Assert.Equal(1f, Exp(0f));
        Assert.Equal(0f, Exp(-100f));
        Assert.Equal(0f, Exp(float.NegativeInfinity));
        Assert.Equal(float.PositiveInfinity, Exp(89f));
        Assert.Equal(float.PositiveInfinity, Exp(float.PositiveInfinity));
        Assert.True(float.IsNaN(Exp(float.NaN)));
        Assert.Equal(0f, Log(1f));
        Assert.Equal(float.NegativeInfinity, Log(0f));
        Assert.Equal(float.PositiveInfinity, Log(float.PositiveInfinity));
        Assert.True(float.IsNaN(Log(-1f)));
        Assert.True(float.IsNaN(Log(float.NaN)));
    }

    // 20,001 points over [from, to], evenly or geometrically spaced.
    private static IEnumerable<float> Grid(double from, double to, bool geometric = false)
    {
        const int steps = 20_000;
        for (int i = 0; i <= steps; i++)
            yield return (float)(geometric ? from * Math.Pow(to / from, (double)i / steps) : from + (to - from) * i / steps);
    }

    private static void AssertUlps(double expected, float actual, string what)
    {
        float rounded = (float)expected;
        Assert.True(Math.Abs(actual - expected) <= 2 * Ulp(rounded), $"{what} = {actual:R}, expected {expected:R}");
    }

    private static double Ulp(double value) => Math.Abs(MathF.BitIncrement((float)Math.Abs(value)) - (float)Math.Abs(value));
}

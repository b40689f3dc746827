// Shared test helpers for the reference ops: seeded random tensors and central-difference gradient checks in float64.
namespace NetGen.Runtime.Tests.Reference;

internal static class Tensors
{
    /// <summary>Uniform values in [−1, 1); with doubles, ties (which would make max pooling non-differentiable) do not occur.</summary>
    public static double[] Random(int length, int seed)
    {
        var rng = new Random(seed);
        var values = new double[length];
        for (int i = 0; i < length; i++) values[i] = rng.NextDouble() * 2 - 1;
        return values;
    }

    /// <summary>Uniform values with |v| in [0.1, 1): keeps ReLU away from its kink at 0.</summary>
    public static double[] AwayFromZero(int length, int seed)
    {
        var values = Random(length, seed);
        for (int i = 0; i < length; i++) values[i] = Math.CopySign(0.1 + 0.9 * Math.Abs(values[i]), values[i]);
        return values;
    }

    public static double Dot(ReadOnlySpan<double> a, ReadOnlySpan<double> b)
    {
        Assert.Equal(a.Length, b.Length);
        double sum = 0;
        for (int i = 0; i < a.Length; i++) sum += a[i] * b[i];
        return sum;
    }
}

internal static class GradientCheck
{
    public const double Epsilon = 1e-6;
    public const double Tolerance = 1e-6;

    /// <summary>∂loss/∂values[i] for every i by central differences; <paramref name="loss"/> must read <paramref name="values"/> live.</summary>
    public static double[] Numeric(double[] values, Func<double> loss)
    {
        var gradient = new double[values.Length];
        for (int i = 0; i < values.Length; i++)
        {
            double saved = values[i];
            values[i] = saved + Epsilon;
            double plus = loss();
            values[i] = saved - Epsilon;
            double minus = loss();
            values[i] = saved;
            gradient[i] = (plus - minus) / (2 * Epsilon);
        }
        return gradient;
    }

    /// <summary>Asserts the analytic gradient matches central differences to <see cref="Tolerance"/> relative to the
    /// gradient's largest entry, floored at 1: entry-wise relative error would be dominated by round-off on near-zero entries
    /// (a conv bias right before batch norm has an exactly zero gradient, and its numeric one is pure round-off).</summary>
    public static void AssertMatches(string what, double[] values, ReadOnlySpan<double> analytic, Func<double> loss)
    {
        double[] numeric = Numeric(values, loss);
        Assert.Equal(numeric.Length, analytic.Length);
        double scale = 1;
        foreach (double v in numeric) scale = Math.Max(scale, Math.Abs(v));
        for (int i = 0; i < numeric.Length; i++)
        {
            double error = Math.Abs(numeric[i] - analytic[i]) / scale;
            Assert.True(error <= Tolerance, $"{what}[{i}]: analytic {analytic[i]:R}, numeric {numeric[i]:R}, relative error {error:E2}");
        }
    }
}

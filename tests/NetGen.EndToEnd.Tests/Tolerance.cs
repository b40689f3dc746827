// How close two tensors must be: the largest absolute difference relative to the reference's largest magnitude.
namespace NetGen.EndToEnd.Tests;

internal static class Tolerance
{
    /// <summary>Forward outputs and batch-norm running statistics.</summary>
    public const double Forward = 1e-4;

    /// <summary>Parameter and input gradients: more float rounding accumulates on the way back.</summary>
    public const double Gradient = 1e-3;

    /// <summary>Some gradients are zero in exact arithmetic (a conv bias right before batch norm) and pure rounding noise
    /// in float; those are measured against this fraction of the network's largest gradient instead of their own scale.</summary>
    public const double NegligibleFraction = 1e-3;

    public static double MaxAbs(ReadOnlySpan<double> values)
    {
        double max = 0;
        foreach (double v in values) max = Math.Max(max, Math.Abs(v));
        return max;
    }

    /// <summary>max |actual − expected| / max(max |expected|, <paramref name="scaleFloor"/>).</summary>
    public static double RelativeError(ReadOnlySpan<float> actual, ReadOnlySpan<double> expected, double scaleFloor = 1e-12)
    {
        Assert.Equal(expected.Length, actual.Length);
        double maxDiff = 0;
        for (int i = 0; i < expected.Length; i++) maxDiff = Math.Max(maxDiff, Math.Abs(actual[i] - expected[i]));
        return maxDiff / Math.Max(MaxAbs(expected), scaleFloor);
    }

    public static void AssertClose(ReadOnlySpan<float> actual, ReadOnlySpan<double> expected, double tolerance, string what,
        double scaleFloor = 1e-12)
    {
        double error = RelativeError(actual, expected, scaleFloor);
        Assert.True(error <= tolerance, $"{what}: relative error {error:E2} exceeds {tolerance:E0}");
    }
}

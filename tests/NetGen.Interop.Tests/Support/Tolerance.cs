// How close NetGen's results must be to an independent engine's, and the assertion that says where they differ.
namespace NetGen.Interop.Tests.Support;

public static class Tolerance
{
    /// <summary>float32 against float32: different summation orders leave a few ulps per accumulated term.</summary>
    public const double Float32 = 1e-4;

    /// <summary>Each element must satisfy |got − want| ≤ rtol · (|want| + scale), scale = max(max|want|, <paramref name="floor"/>):
    /// relative where values are large, and relative to the tensor's scale near zero, where cancellation makes an
    /// element-wise relative error meaningless. <paramref name="floor"/> serves tensors whose true value is zero and whose
    /// computed value is rounding noise (the bias of a conv followed by batch norm): give the scale of their neighbours.</summary>
    public static void AssertClose(ReadOnlySpan<float> want, ReadOnlySpan<float> got, double rtol, string what, double floor = 0)
    {
        Assert.True(want.Length == got.Length, $"{what}: {got.Length} values, expected {want.Length}");
        double scale = floor;
        foreach (float v in want) scale = Math.Max(scale, Math.Abs(v));
        Assert.True(want.Length == 0 || scale > 0, $"{what}: the reference is all zero, so the comparison would prove nothing");
        for (int i = 0; i < want.Length; i++)
        {
            double error = Math.Abs((double)got[i] - want[i]);
            double allowed = rtol * (Math.Abs(want[i]) + scale);
            if (!(error <= allowed))
                Assert.Fail($"{what}[{i}]: got {got[i]:R}, expected {want[i]:R} (error {error:E2} > allowed {allowed:E2}; tensor scale {scale:E2})");
        }
    }
}

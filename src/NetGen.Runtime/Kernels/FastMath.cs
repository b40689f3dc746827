// exp and log of float vectors in float, for the loss: Vector512.Exp and Log compute each lane through double (about 60
// cycles a vector of 16 here, two thirds of the softmax cross-entropy's time at 256×256). Cephes' single-precision
// polynomials (expf, logf): range reduction by powers of two, then a degree-6 (exp) or degree-9 (log) polynomial; within
// 2 ulp of the true value on normal inputs and outputs (tests check it against Math.Exp and Math.Log). Vector512 only: the
// Vector256 path (machines without AVX-512) keeps the library's, the scalar path MathF's.
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace NetGen.Kernels;

internal static class FastMath
{
    // exp: x = n·ln 2 + r, ln 2 split in two so n·ln 2 is exact for |n| < 2^9.
    private const float Log2E = 1.44269504088896341f, Ln2High = 0.693359375f, Ln2Low = -2.12194440e-4f;
    // Below this exp underflows (returns 0); above it overflows (returns +∞).
    private const float ExpLow = -87.33654f, ExpHigh = 88.72283f;
    private const float SqrtHalf = 0.707106781186547524f;

    /// <summary>e^x per lane; 0 below −87.34 (denormal results flushed), +∞ above 88.72, NaN for NaN.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] // a call passes and returns the vector through memory
    public static Vector512<float> Exp(Vector512<float> x)
    {
        Vector512<float> clamped = Vector512.Min(Vector512.Max(x, Vector512.Create(ExpLow)), Vector512.Create(ExpHigh));
        Vector512<float> n = Vector512.Floor(Vector512.FusedMultiplyAdd(clamped, Vector512.Create(Log2E), Vector512.Create(0.5f)));
        Vector512<float> r = Vector512.FusedMultiplyAdd(n, Vector512.Create(-Ln2High), clamped);
        r = Vector512.FusedMultiplyAdd(n, Vector512.Create(-Ln2Low), r);
        Vector512<float> p = Vector512.Create(1.9875691500e-4f);
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(1.3981999507e-3f));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(8.3334519073e-3f));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(4.1665795894e-2f));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(1.6666665459e-1f));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(5.0000001201e-1f));
        Vector512<float> e = Vector512.FusedMultiplyAdd(p, r * r, r) + Vector512<float>.One;
        // 2^n from the exponent bits; n ∈ [−126, 128]: n = 128 (x near the top) scales by 2^127 twice.
        Vector512<int> ni = Vector512.ConvertToInt32(n);
        Vector512<int> half = Vector512.ShiftRightArithmetic(ni, 1);
        e *= Vector512.ShiftLeft(half + Vector512.Create(127), 23).AsSingle();
        e *= Vector512.ShiftLeft(ni - half + Vector512.Create(127), 23).AsSingle();
        e = Vector512.ConditionalSelect(Vector512.LessThan(x, Vector512.Create(ExpLow)), Vector512<float>.Zero, e);
        e = Vector512.ConditionalSelect(Vector512.GreaterThan(x, Vector512.Create(ExpHigh)), Vector512.Create(float.PositiveInfinity), e);
        return Vector512.ConditionalSelect(Vector512.Equals(x, x), e, x);
    }

    /// <summary>ln x per lane for positive normal x (the loss's Σexp ≥ 1); −∞ for 0, NaN below 0 or for NaN, +∞ for +∞.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Log(Vector512<float> x)
    {
        Vector512<int> bits = x.AsInt32();
        // x = m·2^e with m ∈ [½, 1), then m ∈ [√½, √2) by moving a factor 2 into e.
        Vector512<float> e = Vector512.ConvertToSingle(Vector512.ShiftRightLogical(bits, 23) - Vector512.Create(126));
        Vector512<float> m = (bits & Vector512.Create(0x007FFFFF) | Vector512.Create(0x3F000000)).AsSingle();
        Vector512<float> small = Vector512.LessThan(m, Vector512.Create(SqrtHalf));
        e -= small & Vector512<float>.One;
        m = m + (small & m) - Vector512<float>.One;
        Vector512<float> z = m * m;
        Vector512<float> y = Vector512.Create(7.0376836292e-2f);
        y = Vector512.FusedMultiplyAdd(y, m, Vector512.Create(-1.1514610310e-1f));
        y = Vector512.FusedMultiplyAdd(y, m, Vector512.Create(1.1676998740e-1f));
        y = Vector512.FusedMultiplyAdd(y, m, Vector512.Create(-1.2420140846e-1f));
        y = Vector512.FusedMultiplyAdd(y, m, Vector512.Create(1.4249322787e-1f));
        y = Vector512.FusedMultiplyAdd(y, m, Vector512.Create(-1.6668057665e-1f));
        y = Vector512.FusedMultiplyAdd(y, m, Vector512.Create(2.0000714765e-1f));
        y = Vector512.FusedMultiplyAdd(y, m, Vector512.Create(-2.4999993993e-1f));
        y = Vector512.FusedMultiplyAdd(y, m, Vector512.Create(3.3333331174e-1f));
        y = y * m * z;
        y = Vector512.FusedMultiplyAdd(e, Vector512.Create(Ln2Low), y);
        y = Vector512.FusedMultiplyAdd(z, Vector512.Create(-0.5f), y);
        Vector512<float> result = Vector512.FusedMultiplyAdd(e, Vector512.Create(Ln2High), m + y);
        // The edges (subnormals are not expected here): what MathF.Log gives.
        result = Vector512.ConditionalSelect(Vector512.Equals(x, Vector512<float>.Zero), Vector512.Create(float.NegativeInfinity), result);
        result = Vector512.ConditionalSelect(Vector512.Equals(x, Vector512.Create(float.PositiveInfinity)), x, result);
        return Vector512.ConditionalSelect(Vector512.GreaterThanOrEqual(x, Vector512<float>.Zero), result, Vector512.Create(float.NaN));
    }
}

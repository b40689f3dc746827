// Shared helpers for the kernel tests: seeded float tensors, comparisons with stated tolerances, and the loop that runs
// a kernel under every forced instruction-set path and thread count.
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using NetGen.Kernels;

namespace NetGen.Runtime.Tests.Kernels;

internal static class KernelCheck
{
    /// <summary>Every (vector width, threads) pair the kernels are forced through; width 1 selects the scalar path.</summary>
    public static readonly (int Width, int Threads)[] Configurations = [(512, 1), (512, 2), (256, 1), (256, 2), (1, 1), (1, 2)];

    /// <summary>Runs `check` once per configuration, with the kernel options forced on this thread; its argument names the run.</summary>
    public static void ForEachPath(Action<string> check)
    {
        foreach (var (width, threads) in Configurations)
        {
            using var scope = KernelOptions.Override(width, threads);
            check($"path {KernelOptions.Path} (asked {width} bits), {threads} thread(s)");
        }
    }

    /// <summary>The path a forced width really gets on this machine.</summary>
    public static VectorPath Expected(int width) =>
        width >= 512 && Vector512.IsHardwareAccelerated ? VectorPath.Vector512
        : width >= 256 && Vector256.IsHardwareAccelerated && Fma.IsSupported ? VectorPath.Vector256
        : VectorPath.Scalar;

    /// <summary>Uniform values in [−1, 1).</summary>
    public static float[] Random(long length, int seed)
    {
        var rng = new Random(seed);
        var values = new float[length];
        for (long i = 0; i < length; i++) values[i] = (float)(rng.NextDouble() * 2 - 1);
        return values;
    }

    /// <summary>Small integers in [0, levels): makes ties in max pooling common.</summary>
    public static float[] Levels(long length, int levels, int seed)
    {
        var rng = new Random(seed);
        var values = new float[length];
        for (long i = 0; i < length; i++) values[i] = rng.Next(levels);
        return values;
    }

    public static float[] Filled(long length, float value)
    {
        var values = new float[length];
        Array.Fill(values, value);
        return values;
    }

    /// <summary>|actual − expected| ≤ tolerance·(|expected| + rms(expected)) everywhere. The rms term keeps values that
    /// cancel to nearly zero from demanding more relative accuracy than float sums in another order can give.</summary>
    public static void Close(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual, double tolerance, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        double squares = 0;
        foreach (float v in expected) squares += (double)v * v;
        double rms = expected.Length == 0 ? 0 : Math.Sqrt(squares / expected.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            double error = Math.Abs((double)actual[i] - expected[i]);
            if (!(error <= tolerance * (Math.Abs(expected[i]) + rms)))
                Assert.Fail($"{what}: element {i} is {actual[i]}, expected {expected[i]} (error {error:G3}, rms {rms:G3}).");
        }
    }

    public static void Close(ReadOnlySpan<double> expected, ReadOnlySpan<float> actual, double tolerance, string what)
    {
        var rounded = new float[expected.Length];
        for (int i = 0; i < expected.Length; i++) rounded[i] = (float)expected[i];
        Close(rounded, actual, tolerance, what);
    }

    /// <summary>Bit-for-bit equality (a NaN equals a NaN with the same bits).</summary>
    public static void Same<T>(ReadOnlySpan<T> expected, ReadOnlySpan<T> actual, string what) where T : unmanaged, IEquatable<T>
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
            if (!expected[i].Equals(actual[i]))
                Assert.Fail($"{what}: element {i} is {actual[i]}, expected {expected[i]}.");
    }

    public static double[] ToDouble(float[] values) => Array.ConvertAll(values, v => (double)v);
}

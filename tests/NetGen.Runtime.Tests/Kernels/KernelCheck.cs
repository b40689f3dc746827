// Shared helpers for the kernel tests: seeded float tensors, comparisons with stated tolerances, and the loop that runs
// a kernel under every forced instruction-set path and thread count.
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using NetGen.Kernels;
using NetGen.Model;
using NetGen.Reference;

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

    /// <summary>Conv2dKernel's forward (plain and with the ReLU fused) and input gradient against Conv2dRef, on every path
    /// and thread count; inputs, weights, bias and dy are seeded from seed … seed + 3.</summary>
    public static void Conv2dMatchesReference(ConvGeometry g, int batch, int seed, double tolerance)
    {
        var x = Random(batch * g.InSize, seed);
        var w = Random(g.WeightSize, seed + 1);
        var b = Random(g.OutC, seed + 2);
        var dy = Random(batch * g.OutSize, seed + 3);
        var y = new float[batch * g.OutSize];
        Conv2dRef.Forward<float>(x, w, b, y, batch, g);
        var yRelu = new float[y.Length];
        ReLURef.Forward<float>(y, yRelu);
        var dx = new float[batch * g.InSize];
        Conv2dRef.Backward<float>(x, w, dy, dx, new float[g.WeightSize], new float[g.OutC], batch, g);

        ForEachPath(run =>
        {
            var ky = Filled(y.Length, float.NaN);
            Conv2dKernel.Forward(x, w, b, ky, batch, g);
            Close(y, ky, tolerance, $"y, {run}");
            var kyRelu = Filled(y.Length, float.NaN);
            Conv2dKernel.Forward(x, w, b, kyRelu, batch, g, relu: true);
            Close(yRelu, kyRelu, tolerance, $"relu(y), {run}");
            var kdx = Filled(dx.Length, float.NaN);
            Conv2dKernel.Backward(x, w, dy, kdx, [], [], batch, g);
            Close(dx, kdx, tolerance, $"dx, {run}");
        });
    }

    /// <summary>Conv2dKernel's weight gradient alone (added onto a random dw) against Conv2dRef, on every path and thread
    /// count; inputs, weights, dy and the starting dw are seeded from seed … seed + 3.</summary>
    public static void Conv2dDwMatchesReference(ConvGeometry g, int batch, int seed, double tolerance)
    {
        var x = Random(batch * g.InSize, seed);
        var w = Random(g.WeightSize, seed + 1);
        var dy = Random(batch * g.OutSize, seed + 2);
        var dw0 = Random(g.WeightSize, seed + 3);
        var dw = (float[])dw0.Clone();
        Conv2dRef.Backward<float>(x, w, dy, [], dw, [], batch, g);

        ForEachPath(run =>
        {
            var kdw = (float[])dw0.Clone();
            Conv2dKernel.Backward(x, w, dy, [], kdw, [], batch, g);
            Close(dw, kdw, tolerance, $"dw, {run}");
        });
    }

    /// <summary>ConvTranspose2dKernel's forward against ConvTranspose2dRef on every path and thread count; inputs, weights and
    /// bias are seeded from seed … seed + 2.</summary>
    public static void ConvTranspose2dMatchesReference(ConvGeometry g, int batch, int seed, double tolerance)
    {
        var x = Random(batch * g.InSize, seed);
        var w = Random(g.WeightSize, seed + 1);
        var b = Random(g.OutC, seed + 2);
        var y = new float[batch * g.OutSize];
        ConvTranspose2dRef.Forward<float>(x, w, b, y, batch, g);
        ForEachPath(run =>
        {
            var ky = Filled(y.Length, float.NaN);
            ConvTranspose2dKernel.Forward(x, w, b, ky, batch, g);
            Close(y, ky, tolerance, $"y, {run}");
        });
    }

    /// <summary>ConvTranspose2dKernel's weight gradient alone (added onto a random dw) against ConvTranspose2dRef, on every
    /// path and thread count; inputs, weights, dy and the starting dw are seeded from seed … seed + 3.</summary>
    public static void ConvTranspose2dDwMatchesReference(ConvGeometry g, int batch, int seed, double tolerance)
    {
        var x = Random(batch * g.InSize, seed);
        var w = Random(g.WeightSize, seed + 1);
        var dy = Random(batch * g.OutSize, seed + 2);
        var dw0 = Random(g.WeightSize, seed + 3);
        var dw = (float[])dw0.Clone();
        ConvTranspose2dRef.Backward<float>(x, w, dy, [], dw, [], batch, g);
        ForEachPath(run =>
        {
            var kdw = (float[])dw0.Clone();
            ConvTranspose2dKernel.Backward(x, w, dy, [], kdw, [], batch, g);
            Close(dw, kdw, tolerance, $"dw, {run}");
        });
    }

    /// <summary>Conv2dKernel's forward (with the ReLU fused when `relu`) and input gradient on forced path `width` give the same
    /// bits on 1 and 2 threads (whose plans differ); inputs, weights, bias and dy are seeded from 41 … 44.</summary>
    public static void YAndDxDoNotDependOnTheThreads(int width, ConvGeometry g, int batch, bool relu = false)
    {
        var x = Random(batch * g.InSize, 41);
        var w = Random(g.WeightSize, 42);
        var b = Random(g.OutC, 43);
        var dy = Random(batch * g.OutSize, 44);
        (float[] Y, float[] Dx) Run(int threads)
        {
            using var scope = KernelOptions.Override(width, threads);
            var y = new float[batch * g.OutSize];
            var dx = new float[batch * g.InSize];
            Conv2dKernel.Forward(x, w, b, y, batch, g, relu);
            Conv2dKernel.Backward(x, w, dy, dx, [], [], batch, g);
            return (y, dx);
        }

        var one = Run(1);
        var two = Run(2);
        Same<float>(one.Y, two.Y, $"y, {g}");
        Same<float>(one.Dx, two.Dx, $"dx, {g}");
    }

    /// <summary>Conv2dKernel on Vector512 with 2 threads, by the fast algorithms and by the direct engines only
    /// (KernelOptions.DirectOnly), against float64 sums: each one's largest error in y (the forward) or, with `dw`, in the
    /// weight gradient alone. Fails if both give the same bits (the fast one did not run). Seeds: seed … seed + 2.</summary>
    public static (double Fast, double Direct) ErrorsAgainstFloat64(ConvGeometry g, int batch, int seed, bool dw)
    {
        var x = Random(batch * g.InSize, seed);
        var w = Random(g.WeightSize, seed + 1);
        var third = Random(dw ? batch * g.OutSize : g.OutC, seed + 2);
        var exact = new double[dw ? g.WeightSize : batch * g.OutSize];
        if (dw) Conv2dRef.Backward<double>(ToDouble(x), ToDouble(w), ToDouble(third), [], exact, [], batch, g);
        else Conv2dRef.Forward<double>(ToDouble(x), ToDouble(w), ToDouble(third), exact, batch, g);
        float[] Run(bool direct)
        {
            using var scope = KernelOptions.Override(512, 2);
            using var engine = direct ? KernelOptions.DirectOnly() : default;
            var result = dw ? new float[exact.Length] : Filled(exact.Length, float.NaN);
            if (dw) Conv2dKernel.Backward(x, w, third, [], result, [], batch, g);
            else Conv2dKernel.Forward(x, w, third, result, batch, g);
            return result;
        }

        double Error(float[] values)
        {
            double max = 0;
            for (int i = 0; i < values.Length; i++) max = Math.Max(max, Math.Abs(values[i] - exact[i]));
            return max;
        }

        var fast = Run(direct: false);
        var slow = Run(direct: true);
        Assert.False(fast.AsSpan().SequenceEqual(slow), $"{g}: the fast algorithm gave the direct engine's bits: did it run?");
        return (Error(fast), Error(slow));
    }

    /// <summary>The path a forced width really gets on this machine.</summary>
    /// <summary>Conv2dKernel's weight gradient on forced path `width` gives the same bits on 1 and 2 threads, and again
    /// when run a second time; inputs, weights and dy are seeded from 51 … 53.</summary>
    public static void DwIsRepeatable(int width, ConvGeometry g, int batch)
    {
        var x = Random(batch * g.InSize, 51);
        var w = Random(g.WeightSize, 52);
        var dy = Random(batch * g.OutSize, 53);
        float[] Run(int threads)
        {
            using var scope = KernelOptions.Override(width, threads);
            var dw = new float[g.WeightSize];
            Conv2dKernel.Backward(x, w, dy, [], dw, [], batch, g);
            return dw;
        }

        var one = Run(1);
        Same<float>(one, Run(2), "dw, 2 threads");
        Same<float>(one, Run(2), "dw, 2 threads again");
        Same<float>(one, Run(1), "dw, 1 thread again");
    }

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

    /// <summary>The pool's output and argmax for a random input: an unpool's operands as a network makes them.</summary>
    public static (float[] Pooled, int[] Indices) Pooled(PoolGeometry pool, int batch, int seed)
    {
        var pooled = new float[batch * pool.OutSize];
        var indices = new int[batch * pool.OutSize];
        using (KernelOptions.Override(512, 1)) MaxPool2dKernel.Forward(Random(batch * pool.InSize, seed), pooled, indices, batch, pool);
        return (pooled, indices);
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

// Small vector helpers shared by the kernels, each with the three paths (Vector512, Vector256, scalar) behind one call.
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace NetGen.Kernels;

internal static unsafe class Simd
{
    /// <summary>a·b + c, fused when the hardware can, so the scalar path rounds exactly like the vector ones.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Mad(float a, float b, float c) => Fma.IsSupported ? MathF.FusedMultiplyAdd(a, b, c) : a * b + c;

    /// <summary>dst[i] = src[i] + value for i &lt; count, or max(src[i] + value, 0) with <paramref name="relu"/>
    /// (a convolution's store with its ReLU fused, which saves the ReLU a pass over memory).</summary>
    public static void AddTo(float* src, float value, float* dst, int count, VectorPath path, bool relu = false)
    {
        int i = 0;
        if (path == VectorPath.Vector512)
        {
            var v = Vector512.Create(value);
            // vmaxps(x, 0) is Rectify (NaN and −0 give +0) in one instruction, where Vector512.Max takes three.
            if (relu)
                for (; i <= count - 16; i += 16) Avx512F.Max(Vector512.Load(src + i) + v, Vector512<float>.Zero).Store(dst + i);
            else
                for (; i <= count - 16; i += 16) (Vector512.Load(src + i) + v).Store(dst + i);
            // Masked-off lanes are neither read nor written, so the tail never touches a neighbour's values.
            if (i < count)
            {
                var mask = Vector512.LessThan(Vector512<int>.Indices, Vector512.Create(count - i)).AsSingle();
                var tail = Avx512F.MaskLoad(src + i, mask, Vector512<float>.Zero) + v;
                Avx512F.MaskStore(dst + i, mask, relu ? Avx512F.Max(tail, Vector512<float>.Zero) : tail);
                return;
            }
        }
        else if (path == VectorPath.Vector256)
        {
            var v = Vector256.Create(value);
            if (relu)
                for (; i <= count - 8; i += 8) Avx.Max(Vector256.Load(src + i) + v, Vector256<float>.Zero).Store(dst + i);
            else
                for (; i <= count - 8; i += 8) (Vector256.Load(src + i) + v).Store(dst + i);
        }
        for (; i < count; i++) dst[i] = relu ? Rectify(src[i] + value) : src[i] + value;
    }

    /// <summary>max(value, 0), as the ReLU kernel computes it.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Rectify(float value) => value > 0f ? value : 0f;

    /// <summary>Σ src[i] for i &lt; count, in double: float lanes of 16 (or 8) values are widened before they are added.</summary>
    public static double Sum(float* src, long count, VectorPath path)
    {
        long i = 0;
        double sum = 0;
        if (path == VectorPath.Vector512)
        {
            Vector512<double> acc = default;
            for (; i <= count - 16; i += 16)
            {
                var (lo, hi) = Vector512.Widen(Vector512.Load(src + i));
                acc += lo + hi;
            }
            sum = Vector512.Sum(acc);
        }
        else if (path == VectorPath.Vector256)
        {
            Vector256<double> acc = default;
            for (; i <= count - 8; i += 8)
            {
                var (lo, hi) = Vector256.Widen(Vector256.Load(src + i));
                acc += lo + hi;
            }
            sum = Vector256.Sum(acc);
        }
        for (; i < count; i++) sum += src[i];
        return sum;
    }

    /// <summary>Σ lanes[i] for i &lt; count, in a fixed order.</summary>
    public static float SumLanes(float* lanes, int count)
    {
        if (count == 16) return Vector512.Sum(Vector512.Load(lanes));
        float sum = 0;
        for (int i = 0; i < count; i++) sum += lanes[i];
        return sum;
    }
}

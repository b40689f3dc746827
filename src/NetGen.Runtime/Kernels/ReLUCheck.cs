// A training forward's ReLU decisions under Winograd's tiles of 4×4 (Winograd4). Those tiles round 2.6–3.4× more than the
// direct sums, and in a training forward a sum that rounds across zero flips its ReLU, which the backward then routes: with
// them unchecked, the tiny hourglass's gradients landed 2e-5–1.2e-4 from float64 against 1–3e-7 with 2×2 tiles (session 13).
// So a training forward takes the tiles of 4×4 only where its ReLU is fused and nothing else decides on the outputs in the
// call but a 2×2 pool, and every output whose sum lies within tau of zero is summed again directly in float64 from the
// band's input and stored from that: its decision is then float64's; so are a fused pool's windows whose two largest values
// lie within 2·tau (CorrelationBandJob.CheckWindows). tau bounds the tiles' rounding: TauFactor·2⁻²⁴·Σ|W(o, ·)|·max|band input|.
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace NetGen.Kernels;

internal static unsafe class ReLUCheck
{
    /// <summary>Most outputs one Winograd4.StoreOutput call flags: its 16 tiles' 256.</summary>
    public const int Capacity = 256;

    /// <summary>tau in units of 2⁻²⁴·Σ|W(o, ·)|·max|x| (the largest sum the output channel could reach on the band). The
    /// tiles' error in those units, measured over every output of the tiny hourglass's checked layers (training forwards,
    /// 2026-11-27: 111 million outputs at 256×256, 14 million at 64×64): at most 2.31 and 1.67. 64 leaves a margin of 27×.</summary>
    public const double TauFactor = 64;

    /// <summary>Outputs summed again, over every call (Interlocked): tests see that the check runs.</summary>
    public static long Repaired;

    /// <summary>Pool windows whose values were summed again (CorrelationBandJob.CheckWindows), over every call.</summary>
    public static long WindowsRepaired;

    /// <summary>Where a StoreOutput call appends the outputs it flags: their offsets from its dst (Capacity of them).</summary>
    public readonly struct Flags(int* offsets)
    {
        public readonly int* Offsets = offsets;
    }

    /// <summary>tau for an output channel whose weights' magnitudes sum to tapSum, on a band whose largest input is bandMax.</summary>
    public static float Tau(float tapSum, float bandMax) => (float)(TauFactor / (1 << 24) * tapSum * bandMax);

    /// <summary>Winograd4.StoreOutput's flags, where one of its sums lay within tau of zero: its 4 rows of 16 tiles' sums again
    /// from the columns' transform it left in scratch (Flag), the first row at offset at, rows width apart.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static int FlagTiles(float* scratch, Vector512<float> bias, float tau, long at, int width, Flags flags)
    {
        int count = 0;
        for (int t = 0; t < 4; t++, at += width)
        {
            float* s = scratch + 16 * 6 * t;
            Winograd4.OutputRow(Vector512.Load(s), Vector512.Load(s + 16), Vector512.Load(s + 32), Vector512.Load(s + 48),
                Vector512.Load(s + 64), Vector512.Load(s + 80), out var c0, out var c1, out var c2, out var c3);
            count = Flag(c0, c1, c2, c3, bias, tau, at, flags, count);
        }
        return count;
    }

    /// <summary>Appends the outputs of one row of 16 tiles (c_k lane l: tile l's column k, at offset at + 4l + k) whose sum
    /// plus bias lies within tau of zero, but those summing to exactly zero before the bias (an all-zero patch).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int Flag(Vector512<float> c0, Vector512<float> c1, Vector512<float> c2, Vector512<float> c3, Vector512<float> bias,
        float tau, long at, Flags flags, int count)
    {
        var t = Vector512.Create(tau);
        var n0 = Near(c0, bias, t);
        var n1 = Near(c1, bias, t);
        var n2 = Near(c2, bias, t);
        var n3 = Near(c3, bias, t);
        if ((n0 | n1 | n2 | n3) == Vector512<float>.Zero) return count;
        count = Append(n0, at, flags, count);
        count = Append(n1, at + 1, flags, count);
        count = Append(n2, at + 2, flags, count);
        return Append(n3, at + 3, flags, count);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Near(Vector512<float> c, Vector512<float> bias, Vector512<float> tau) =>
        Vector512.AndNot(Vector512.LessThan(Vector512.Abs(c + bias), tau), Vector512.Equals(c, Vector512<float>.Zero));

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static int Append(Vector512<float> near, long at, Flags flags, int count)
    {
        for (uint bits = (uint)near.ExtractMostSignificantBits(); bits != 0; bits &= bits - 1)
            flags.Offsets[count++] = (int)(at + 4 * BitOperations.TrailingZeroCount(bits));
        return count;
    }

    /// <summary>max |p[i]| over count floats.</summary>
    public static float MaxAbs(float* p, long count)
    {
        long i = 0;
        float max = 0;
        if (Vector512.IsHardwareAccelerated && count >= 16)
        {
            // Four chains: one waited on each max's latency (0.2–0.3 ms of the tiny net's train step).
            Vector512<float> m = Vector512<float>.Zero, m1 = m, m2 = m, m3 = m;
            for (; i + 64 <= count; i += 64)
            {
                m = Vector512.Max(m, Vector512.Abs(Vector512.Load(p + i)));
                m1 = Vector512.Max(m1, Vector512.Abs(Vector512.Load(p + i + 16)));
                m2 = Vector512.Max(m2, Vector512.Abs(Vector512.Load(p + i + 32)));
                m3 = Vector512.Max(m3, Vector512.Abs(Vector512.Load(p + i + 48)));
            }
            for (; i + 16 <= count; i += 16) m = Vector512.Max(m, Vector512.Abs(Vector512.Load(p + i)));
            m = Vector512.Max(Vector512.Max(m, m1), Vector512.Max(m2, m3));
            m = Vector512.Max(m, Vector512.Abs(Vector512.Load(p + count - 16)));
            for (int lane = 0; lane < 16; lane++) max = Math.Max(max, m.GetElement(lane));
            return max;
        }
        for (; i < count; i++) max = Math.Max(max, Math.Abs(p[i]));
        return max;
    }

    /// <summary>The 3×3 windows around (y, x) of inC planes (planeStride apart, h × w), zeros outside, as [i][3][3] for Exact.</summary>
    public static void Window(float* planes, long planeStride, int h, int w, int inC, int y, int x, float* window)
    {
        for (int i = 0; i < inC; i++)
        for (int u = 0; u < 3; u++)
        for (int v = 0; v < 3; v++)
        {
            int yy = y + u - 1, xx = x + v - 1;
            window[i * 9 + u * 3 + v] = (uint)yy < (uint)h && (uint)xx < (uint)w ? planes[i * planeStride + (long)yy * w + xx] : 0f;
        }
    }

    /// <summary>bias + Σ_{i, u, v} W(o, i, u, v)·packed[i][r + u][c + v] in float64, W read flipped (W(o, i, 2 − u, 2 − v))
    /// when `flip`: the 3×3 output at band row r, column c from the band's packed input (channels channelStride apart, rows
    /// cols apart, the padding included).</summary>
    public static double Exact(float* packed, long channelStride, int cols, int inC, WeightView w, int o, bool flip, int r, int c, float bias)
    {
        float* x0 = packed + (long)r * cols + c;
        float* g0 = w.Data + (long)o * w.OutStride;
        double sum = bias;
        int i = 0;
        // 8 input channels at a time, gathered (a third of the scalar loop's time on 16–64 channels).
        if (Avx512F.IsSupported && inC >= 8 && channelStride <= int.MaxValue / 8 && w.InStride <= int.MaxValue / 8)
        {
            var xIndex = Vector256<int>.Indices * (int)channelStride;
            var gIndex = Vector256<int>.Indices * w.InStride;
            var acc = Vector512<double>.Zero;
            for (; i + 8 <= inC; i += 8)
            {
                float* x = x0 + i * channelStride;
                float* g = g0 + (long)i * w.InStride;
                for (int u = 0; u < 3; u++)
                for (int v = 0; v < 3; v++)
                {
                    var xs = Avx2.GatherVector256(x + u * cols + v, xIndex, 4);
                    var gs = Avx2.GatherVector256(g + (flip ? 8 - (3 * u + v) : 3 * u + v), gIndex, 4);
                    acc = Vector512.FusedMultiplyAdd(Avx512F.ConvertToVector512Double(xs), Avx512F.ConvertToVector512Double(gs), acc);
                }
            }
            sum += Vector512.Sum(acc);
        }
        for (; i < inC; i++)
        {
            float* x = x0 + i * channelStride;
            float* g = g0 + (long)i * w.InStride;
            for (int u = 0; u < 3; u++)
            for (int v = 0; v < 3; v++)
                sum += (double)g[flip ? 8 - (3 * u + v) : 3 * u + v] * x[u * cols + v];
        }
        return sum;
    }
}

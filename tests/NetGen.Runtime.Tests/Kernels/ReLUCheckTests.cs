// A training forward's 3×3 layers with a fused ReLU run Winograd's tiles of 4×4 with their decisions checked (ReLUCheck):
// every output within the tiles' rounding bound of zero is summed again in float64. The data here make every exact sum tiny
// (channels 8–15 are 3× channels 0–7, their weights −⅓ of those: the pairs cancel but for rounding, ~1e-7), far below the
// tiles' rounding (~1e-5), so unchecked (inference's tiles of 4×4) about half the ReLU decisions come out against float64's
// — the test sees that, so it can fail — and checked every one matches, as do the values.
using System.Runtime.Intrinsics.X86;
using NetGen.Kernels;
using NetGen.Model;
using static NetGen.Runtime.Tests.Kernels.KernelCheck;

namespace NetGen.Runtime.Tests.Kernels;

public class ReLUCheckTests
{
    private const int InC = 16, OutC = 8, Size = 64;

    /// <summary>64×64 (one or two bands), and a tall plane at batch 2 (several bands, the last one shorter, a second sample).</summary>
    [Theory]
    [InlineData(false, 64, 1)]
    [InlineData(true, 64, 1)]
    [InlineData(false, 132, 2)]
    [InlineData(true, 132, 2)]
    public void Checked_training_forward_takes_float64_decisions(bool transposed, int height, int batch)
    {
        if (!Avx512F.IsSupported) return;
        var g = new ConvGeometry(InC, height, Size, OutC, height, Size, 3, 1, 1);
        var plane = height * Size;
        var x = Random((long)batch * InC * plane, 31);
        var w = Random((long)InC * OutC * 9, 32);
        for (int n = 0; n < batch; n++)
        for (int i = 8; i < InC; i++)
        for (int p = 0; p < plane; p++)
            x[(n * InC + i) * plane + p] = 3 * x[(n * InC + i - 8) * plane + p];
        // Conv2d weights are [out][in][3][3], ConvTranspose2d's [in][out][3][3].
        int At(int o, int i, int tap) => transposed ? (i * OutC + o) * 9 + tap : (o * InC + i) * 9 + tap;
        for (int o = 0; o < OutC; o++)
        for (int i = 8; i < InC; i++)
        for (int tap = 0; tap < 9; tap++)
            w[At(o, i, tap)] = -w[At(o, i - 8, tap)] / 3;
        var b = new float[OutC];

        // float64 sums of the float32 inputs: a correlation, or for the transposed layer the flipped kernel.
        var exact = new double[batch * OutC * plane];
        for (int n = 0; n < batch; n++)
        for (int o = 0; o < OutC; o++)
        for (int r = 0; r < height; r++)
        for (int c = 0; c < Size; c++)
        {
            double sum = 0;
            for (int i = 0; i < InC; i++)
            for (int u = 0; u < 3; u++)
            for (int v = 0; v < 3; v++)
            {
                int yy = r + u - 1, xx = c + v - 1;
                if (yy < 0 || yy >= height || xx < 0 || xx >= Size) continue;
                int tap = transposed ? (2 - u) * 3 + 2 - v : u * 3 + v;
                sum += (double)w[At(o, i, tap)] * x[(n * InC + i) * plane + yy * Size + xx];
            }
            exact[(n * OutC + o) * plane + r * Size + c] = sum;
        }

        var inference = Run(training: false);
        int against = Enumerable.Range(0, exact.Length).Count(j => inference[j] > 0 != exact[j] > 0);
        Assert.True(against > exact.Length / 10, $"unchecked tiles of 4×4: only {against} of {exact.Length} decisions against float64's");

        long before = Interlocked.Read(ref ReLUCheck.Repaired);
        var training = Run(training: true);
        long repaired = Interlocked.Read(ref ReLUCheck.Repaired) - before;
        Assert.True(repaired >= exact.Length / 2, $"{repaired} outputs summed again of {exact.Length}");
        for (int j = 0; j < exact.Length; j++)
        {
            Assert.True(training[j] > 0 == exact[j] > 0, $"output {j}: {training[j]} against float64's {exact[j]}");
            // The sums cancel to 1e-10–1e-7 of terms near 1: float64 sums in another order agree to ~1e-15.
            Assert.True(Math.Abs(training[j] - Math.Max(exact[j], 0)) <= 1e-6 * Math.Abs(exact[j]) + 1e-13,
                $"output {j}: {training[j]} against float64's {exact[j]}");
        }

        float[] Run(bool training)
        {
            var y = new float[batch * OutC * plane];
            using var mode = training ? KernelModes.TrainingForward() : default;
            if (transposed) ConvTranspose2dKernel.Forward(x, w, b, y, batch, g, relu: true);
            else Conv2dKernel.Forward(x, w, b, y, batch, g, relu: true);
            return y;
        }
    }

    /// <summary>A fused 2×2 pool in a checked training forward: on an input nearly constant along its rows (a few units in
    /// the last place apart) each window's left and right values differ by about the tiles' rounding, which orders them
    /// either way (unchecked, in inference, a tenth or more of the argmax are not float64's); checked, every window's argmax
    /// is float64's (the first of equal values) and the pooled values match.</summary>
    [Fact]
    public void Checked_training_forward_pools_on_float64_ties()
    {
        if (!Avx512F.IsSupported) return;
        const int c = 8, size = 64, half = size / 2;
        var g = new ConvGeometry(c, size, size, c, size, size, 3, 1, 1);
        var pool = new PoolGeometry(c, size, size, half, half, 2, 2);
        // Each row one value, moved by up to 2 units in the last place per column: neighbours' sums differ by about the tiles'
        // rounding, so their order is float64's only when summed again.
        var rowValues = Random((long)c * size, 35);
        var rng = new Random(38);
        var x = new float[c * size * size];
        for (int i = 0; i < c; i++)
        for (int r = 0; r < size; r++)
        for (int col = 0; col < size; col++)
        {
            float value = rowValues[i * size + r];
            for (int k = rng.Next(5) - 2; k != 0; k -= Math.Sign(k)) value = k > 0 ? MathF.BitIncrement(value) : MathF.BitDecrement(value);
            x[(i * size + r) * size + col] = value;
        }
        var w = Random((long)c * c * 9, 36);
        var b = Random(c, 37);
        for (int o = 0; o < c; o++) b[o] *= 0.1f;

        // float64 sums rounded once, the ReLU, then each window's first largest value.
        var y = new float[c * size * size];
        for (int o = 0; o < c; o++)
        for (int r = 0; r < size; r++)
        for (int col = 0; col < size; col++)
        {
            double sum = b[o];
            for (int i = 0; i < c; i++)
            for (int u = 0; u < 3; u++)
            for (int v = 0; v < 3; v++)
            {
                int yy = r + u - 1, xx = col + v - 1;
                if (yy >= 0 && yy < size && xx >= 0 && xx < size) sum += (double)w[(o * c + i) * 9 + u * 3 + v] * x[(i * size + yy) * size + xx];
            }
            y[(o * size + r) * size + col] = Math.Max((float)sum, 0f);
        }
        var expected = new int[c * half * half];
        for (int o = 0; o < c; o++)
        for (int pr = 0; pr < half; pr++)
        for (int pc = 0; pc < half; pc++)
        {
            int best = 2 * pr * size + 2 * pc;
            foreach (int at in new[] { 2 * pr * size + 2 * pc + 1, (2 * pr + 1) * size + 2 * pc, (2 * pr + 1) * size + 2 * pc + 1 })
                if (y[o * size * size + at] > y[o * size * size + best]) best = at;
            expected[(o * half + pr) * half + pc] = best;
        }

        var (_, plain) = Run(training: false);
        int against = Enumerable.Range(0, expected.Length).Count(j => plain[j] != expected[j]);
        Assert.True(against > expected.Length / 10, $"unchecked tiles of 4×4: only {against} of {expected.Length} argmax against float64's");

        long before = Interlocked.Read(ref ReLUCheck.WindowsRepaired);
        var (values, indices) = Run(training: true);
        long windows = Interlocked.Read(ref ReLUCheck.WindowsRepaired) - before;
        Assert.True(windows >= expected.Length / 4, $"{windows} windows summed again of {expected.Length}");
        for (int j = 0; j < expected.Length; j++)
        {
            int o = j / (half * half);
            Assert.True(indices[j] == expected[j], $"window {j}: argmax {indices[j]} against float64's {expected[j]}");
            float want = y[o * size * size + expected[j]];
            Assert.True(Math.Abs(values[j] - want) <= 1e-5f * (1 + Math.Abs(want)), $"window {j}: {values[j]} against {want}");
        }

        (float[] Values, int[] Indices) Run(bool training)
        {
            var pooled = new float[c * half * half];
            var argmax = new int[c * half * half];
            using var mode = training ? KernelModes.TrainingForward() : default;
            Conv2dKernel.ForwardPooled(x, w, b, pooled, argmax, 1, g, pool, relu: true);
            return (pooled, argmax);
        }
    }

    /// <summary>Exact gathers 8 input channels at a time: the same sum as the plain loop, flipped or not, with a remainder.</summary>
    [Fact]
    public unsafe void Exact_matches_the_plain_sum()
    {
        const int inC = 11, outC = 3, cols = 20, rows = 6;
        var packed = Random((long)inC * rows * cols + 64, 33);
        var weights = Random((long)outC * inC * 9, 34);
        fixed (float* p = packed)
        fixed (float* wp = weights)
            foreach (bool flip in new[] { false, true })
            {
                var view = new WeightView(wp, inC * 9, 9);
                for (int o = 0; o < outC; o++)
                for (int r = 0; r < rows - 2; r++)
                for (int c = 0; c < cols - 2; c++)
                {
                    double expected = 0.25;
                    for (int i = 0; i < inC; i++)
                    for (int u = 0; u < 3; u++)
                    for (int v = 0; v < 3; v++)
                        expected += (double)weights[(o * inC + i) * 9 + (flip ? 8 - (3 * u + v) : 3 * u + v)] * packed[(i * rows + r + u) * cols + c + v];
                    double got = ReLUCheck.Exact(p, rows * cols, cols, inC, view, o, flip, r, c, 0.25f);
                    Assert.True(Math.Abs(got - expected) <= 1e-12, $"o {o}, ({r}, {c}), flip {flip}: {got} against {expected}");
                }
            }
    }

    [Fact]
    public unsafe void MaxAbs_finds_the_largest_magnitude_anywhere()
    {
        foreach (int count in new[] { 1, 15, 16, 17, 63, 64, 65, 200 })
        for (int at = 0; at < count; at++)
        {
            var values = Random(count, count);
            for (int i = 0; i < count; i++) values[i] *= 0.5f;
            values[at] = -0.75f;
            fixed (float* p = values) Assert.Equal(0.75f, ReLUCheck.MaxAbs(p, count));
        }
    }
}

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

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Checked_training_forward_takes_float64_decisions(bool transposed)
    {
        if (!Avx512F.IsSupported) return;
        var g = new ConvGeometry(InC, Size, Size, OutC, Size, Size, 3, 1, 1);
        var x = Random((long)InC * Size * Size, 31);
        var w = Random((long)InC * OutC * 9, 32);
        var plane = Size * Size;
        for (int i = 8; i < InC; i++)
        for (int p = 0; p < plane; p++)
            x[i * plane + p] = 3 * x[(i - 8) * plane + p];
        // Conv2d weights are [out][in][3][3], ConvTranspose2d's [in][out][3][3].
        int At(int o, int i, int tap) => transposed ? (i * OutC + o) * 9 + tap : (o * InC + i) * 9 + tap;
        for (int o = 0; o < OutC; o++)
        for (int i = 8; i < InC; i++)
        for (int tap = 0; tap < 9; tap++)
            w[At(o, i, tap)] = -w[At(o, i - 8, tap)] / 3;
        var b = new float[OutC];

        // float64 sums of the float32 inputs: a correlation, or for the transposed layer the flipped kernel.
        var exact = new double[OutC * plane];
        for (int o = 0; o < OutC; o++)
        for (int r = 0; r < Size; r++)
        for (int c = 0; c < Size; c++)
        {
            double sum = 0;
            for (int i = 0; i < InC; i++)
            for (int u = 0; u < 3; u++)
            for (int v = 0; v < 3; v++)
            {
                int yy = r + u - 1, xx = c + v - 1;
                if (yy < 0 || yy >= Size || xx < 0 || xx >= Size) continue;
                int tap = transposed ? (2 - u) * 3 + 2 - v : u * 3 + v;
                sum += (double)w[At(o, i, tap)] * x[i * plane + yy * Size + xx];
            }
            exact[o * plane + r * Size + c] = sum;
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
            var y = new float[OutC * plane];
            using var mode = training ? KernelModes.TrainingForward() : default;
            if (transposed) ConvTranspose2dKernel.Forward(x, w, b, y, 1, g, relu: true);
            else Conv2dKernel.Forward(x, w, b, y, 1, g, relu: true);
            return y;
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

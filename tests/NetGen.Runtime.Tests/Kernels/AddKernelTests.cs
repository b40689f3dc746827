// AddKernel against a plain loop, bit for bit, on every forced path and thread count: lengths below one vector, with a
// ragged tail, and over several chunks; mismatched lengths are refused.
using NetGen.Kernels;
using static NetGen.Runtime.Tests.Kernels.KernelCheck;

namespace NetGen.Runtime.Tests.Kernels;

public class AddKernelTests
{
    [Theory]
    [InlineData(5)]
    [InlineData(333)]
    [InlineData(70_001)]
    public void Accumulate_matches_a_plain_loop_exactly(int length)
    {
        var x = Random(length, 51);
        var y = Random(length, 52);
        if (length > 3) y[3] = float.NaN;
        var expected = new float[length];
        for (int i = 0; i < length; i++) expected[i] = x[i] + y[i];

        ForEachPath(run =>
        {
            var actual = (float[])x.Clone();
            AddKernel.Accumulate(y, actual);
            Same<float>(expected, actual, $"x + y, {run}");
        });
    }

    [Fact]
    public void Accumulate_refuses_different_lengths_and_accepts_empty()
    {
        var error = Assert.Throws<ArgumentException>(() => AddKernel.Accumulate(new float[4], new float[5]));
        Assert.Contains("5", error.Message);
        AddKernel.Accumulate([], []);
    }
}

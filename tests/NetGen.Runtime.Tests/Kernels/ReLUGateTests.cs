// The backward passes that apply the ReLU before their layer on the way out (Conv2d and ConvTranspose2d with
// dxThroughReLU, the pool's and the unpool's BackwardThroughReLU) must equal their plain backward followed by the ReLU's,
// bit for bit, on every engine that stores a gradient: register-stored bands, bands through a tile (planes narrower than
// a vector, the 256-bit and scalar paths), the 1×1 engine and the strided one (a pass of its own).
using NetGen.Kernels;
using NetGen.Model;
using NetGen.Reference;
using static NetGen.Runtime.Tests.Kernels.KernelCheck;

namespace NetGen.Runtime.Tests.Kernels;

public class ReLUGateTests
{
    /// <summary>A ReLU's output: random values with about half of them clamped to zero.</summary>
    private static float[] ReLUOutput(long length, int seed)
    {
        var values = Random(length, seed);
        for (int i = 0; i < values.Length; i++) values[i] = Math.Max(values[i], 0f);
        return values;
    }

    private static float[] ThenReLU(float[] relu, float[] dy)
    {
        var dx = new float[dy.Length];
        ReLURef.Backward<float>(relu, dy, dx);
        return dx;
    }

    [Theory]
    [InlineData(5, 7, 3, 1, 1, 20, 37, 1)]   // bands stored from registers, last band shorter
    [InlineData(5, 7, 3, 1, 1, 11, 32, 2)]   // rows of 32: tiles of whole rows, the last one shorter
    [InlineData(4, 6, 3, 1, 1, 9, 11, 2)]    // rows narrower than a vector: bands stored through a tile
    [InlineData(16, 2, 1, 1, 0, 12, 30, 2)]  // 1×1: the pointwise engine
    [InlineData(3, 8, 3, 2, 1, 17, 23, 2)]   // stride 2: the strided engine, then a gate pass
    [InlineData(6, 1, 5, 1, 2, 14, 18, 1)]   // one output channel: the one-channel tile
    [InlineData(4, 1, 3, 1, 1, 12, 20, 2)]   // one output channel, 3×3: the conv's dx on the nine-tap rows
    [InlineData(12, 16, 3, 1, 1, 10, 32, 2)] // 3×3 on rows of whole vectors: Winograd, the gate in its output transform
    [InlineData(16, 12, 3, 1, 1, 8, 64, 2)]  // 3×3 on rows of 64: Winograd's 4×4 tiles, the gate in their output transform
    public void Convolution_dx_through_a_ReLU_is_the_plain_dx_then_the_ReLU_backward(
        int inC, int outC, int k, int s, int p, int inH, int inW, int batch)
    {
        int outH = ConvGeometry.ConvOut(inH, k, s, p), outW = ConvGeometry.ConvOut(inW, k, s, p);
        var conv = new ConvGeometry(inC, inH, inW, outC, outH, outW, k, s, p);
        // The transposed convolution that mirrors it: its input is the conv's output shape.
        var deconv = new ConvGeometry(outC, outH, outW, inC, inH, inW, k, s, p);
        foreach (var (g, transposed) in new[] { (conv, false), (deconv, true) })
        {
            var x = ReLUOutput(batch * g.InSize, 11);
            var w = Random(g.WeightSize, 12);
            var dy = Random(batch * g.OutSize, 13);
            ForEachPath(run =>
            {
                var plain = Filled(x.Length, float.NaN);
                var gated = Filled(x.Length, float.NaN);
                Backward(transposed, x, w, dy, plain, batch, g, through: false);
                Backward(transposed, x, w, dy, gated, batch, g, through: true);
                Same<float>(ThenReLU(x, plain), gated, $"{(transposed ? "ConvTranspose2d" : "Conv2d")} dx, {run}");
            });
        }
    }

    private static void Backward(bool transposed, float[] x, float[] w, float[] dy, float[] dx, int batch, ConvGeometry g, bool through)
    {
        if (transposed) ConvTranspose2dKernel.Backward(x, w, dy, dx, [], [], batch, g, dxThroughReLU: through);
        else Conv2dKernel.Backward(x, w, dy, dx, [], [], batch, g, dxThroughReLU: through);
    }

    [Theory]
    [InlineData(3, 64, 64, 2, 2, 1)]  // the dense stride-2 scatter, whole vectors
    [InlineData(2, 45, 39, 2, 2, 2)]  // odd sizes: partial vectors and the scalar tail
    [InlineData(2, 13, 17, 3, 2, 1)]  // overlapping windows: the general scatter, sums of several dy
    public void Pool_and_unpool_backward_through_a_ReLU_are_the_plain_ones_then_the_ReLU_backward(
        int c, int inH, int inW, int kernel, int stride, int batch)
    {
        var g = new PoolGeometry(c, inH, inW, (inH - kernel) / stride + 1, (inW - kernel) / stride + 1, kernel, stride);
        // The pool reads a ReLU's output; the unpool reads the pooled values as if a ReLU had made them.
        var x = ReLUOutput(batch * g.InSize, 21);
        var pooled = new float[batch * g.OutSize];
        var indices = new int[pooled.Length];
        MaxPool2dRef.Forward<float>(x, pooled, indices, batch, g);
        var dPooled = Random(pooled.Length, 22);
        var dUnpooled = Random(x.Length, 23);
        ForEachPath(run =>
        {
            var plain = Filled(x.Length, float.NaN);
            var gated = Filled(x.Length, float.NaN);
            MaxPool2dKernel.Backward(dPooled, indices, plain, batch, g);
            MaxPool2dKernel.BackwardThroughReLU(dPooled, pooled, indices, gated, batch, g);
            Same<float>(ThenReLU(x, plain), gated, $"pool dx, {run}");

            var plainUnpool = Filled(pooled.Length, float.NaN);
            var gatedUnpool = Filled(pooled.Length, float.NaN);
            MaxUnpool2dKernel.Backward(dUnpooled, indices, plainUnpool, batch, g);
            MaxUnpool2dKernel.BackwardThroughReLU(dUnpooled, pooled, indices, gatedUnpool, batch, g);
            Same<float>(ThenReLU(pooled, plainUnpool), gatedUnpool, $"unpool dx, {run}");
        });
    }

    [Fact]
    public void The_gate_must_cover_the_pooled_tensor()
    {
        var g = new PoolGeometry(1, 4, 4, 2, 2, 2, 2);
        var error = Assert.Throws<ArgumentException>(() =>
            MaxPool2dKernel.BackwardThroughReLU(new float[4], new float[3], new int[4], new float[16], 1, g));
        Assert.Equal("y", error.ParamName);
    }
}

// The scatters and gathers behind MaxPool2d's backward and MaxUnpool2d, on index sets a pool never makes: the dense
// stride-2 pass must notice indices outside their cell and fall back, and the vector gathers must still reject bad ones.
using NetGen.Kernels;
using NetGen.Model;
using NetGen.Reference;
using static NetGen.Runtime.Tests.Kernels.KernelCheck;

namespace NetGen.Runtime.Tests.Kernels;

public class PoolingScatterTests
{
    private static PoolGeometry Geometry(int c, int inH, int inW, int kernel, int stride) =>
        new(c, inH, inW, (inH - kernel) / stride + 1, (inW - kernel) / stride + 1, kernel, stride);

    /// <summary>Pool indices with some planes rewired: one index sent to another cell, or two windows sharing one input.</summary>
    private static int[] Rewired(PoolGeometry g, int batch, int seed, bool share)
    {
        var pooled = new float[batch * g.OutSize];
        var indices = new int[pooled.Length];
        MaxPool2dRef.Forward<float>(Random(batch * g.InSize, seed), pooled, indices, batch, g);
        for (int plane = 0; plane < batch * g.C; plane += 2)
        {
            int at = plane * g.OutPlane;
            indices[at + g.OutPlane - 1] = share ? indices[at + g.OutPlane - 2] : indices[at];
        }
        return indices;
    }

    [Theory]
    [InlineData(3, 45, 45, 2, 2, 2, false)]
    [InlineData(3, 45, 45, 2, 2, 2, true)]
    [InlineData(2, 13, 40, 2, 3, 1, true)]
    [InlineData(4, 20, 36, 1, 2, 1, false)]
    // Kernel < stride on odd sizes: the last row and column of cells reach past the plane.
    [InlineData(2, 19, 37, 1, 2, 2, false)]
    [InlineData(2, 41, 41, 2, 3, 1, true)]
    public void Scatters_match_the_reference_for_any_in_plane_indices(int c, int inH, int inW, int kernel, int stride, int batch, bool share)
    {
        var g = Geometry(c, inH, inW, kernel, stride);
        var indices = Rewired(g, batch, 41, share);
        var x = Random(batch * g.OutSize, 42);
        var y = new float[batch * g.InSize];
        MaxUnpool2dRef.Forward<float>(x, indices, y, batch, g);
        var dx = new float[batch * g.InSize];
        MaxPool2dRef.Backward<float>(x, indices, dx, batch, g);

        ForEachPath(run =>
        {
            var ky = Filled(y.Length, float.NaN);
            MaxUnpool2dKernel.Forward(x, indices, ky, batch, g);
            Same<float>(y, ky, $"unpool y, {run}");
            var kdx = Filled(dx.Length, float.NaN);
            MaxPool2dKernel.Backward(x, indices, kdx, batch, g);
            Same<float>(dx, kdx, $"pool dx, {run}");
        });
    }

    [Fact]
    public void Pool_gradient_of_negative_zero_is_positive_zero_as_in_the_reference()
    {
        var g = Geometry(2, 34, 34, 2, 2);
        var pooled = new float[g.OutSize];
        var indices = new int[pooled.Length];
        MaxPool2dRef.Forward<float>(Random(g.InSize, 43), pooled, indices, 1, g);
        var dy = Filled(g.OutSize, -0f);
        var dx = new float[g.InSize];
        MaxPool2dRef.Backward<float>(dy, indices, dx, 1, g);
        ForEachPath(run =>
        {
            var kdx = Filled(dx.Length, float.NaN);
            MaxPool2dKernel.Backward(dy, indices, kdx, 1, g);
            Same<float>(dx, kdx, $"dx, {run}");
        });
    }

    [Theory]
    [InlineData(3)]
    [InlineData(-1)]
    public void Rejects_an_index_outside_the_plane_within_a_vector(int at)
    {
        var g = Geometry(1, 8, 64, 2, 2);
        var indices = new int[g.OutSize];
        for (int i = 0; i < indices.Length; i++) indices[i] = i / g.OutW * 2 * g.InW + i % g.OutW * 2;
        indices[at < 0 ? 0 : at] = at < 0 ? -1 : g.InSize;
        ForEachPath(run =>
        {
            Assert.Throws<ArgumentException>(() => MaxUnpool2dKernel.Forward(new float[g.OutSize], indices, new float[g.InSize], 1, g));
            Assert.Throws<ArgumentException>(() => MaxUnpool2dKernel.Backward(new float[g.InSize], indices, new float[g.OutSize], 1, g));
            Assert.Throws<ArgumentException>(() => MaxPool2dKernel.Backward(new float[g.OutSize], indices, new float[g.InSize], 1, g));
        });
    }
}

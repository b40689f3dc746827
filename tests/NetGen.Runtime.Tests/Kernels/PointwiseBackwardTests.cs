// Conv2dKernel.Backward of a 1×1 layer with few output channels (a classifier), which takes all three gradients in one pass
// over the pixels (PointwiseBackwardJob): against Conv2dRef in float64 on every forced path and thread count, with and
// without the ReLU gate, the gradients added onto what dw and db held, the same bits on 1 and 2 threads, and each gradient
// skipped when its span is empty. Planes are whole vectors, chunks with a scalar tail, and smaller than one vector.
using NetGen.Kernels;
using NetGen.Model;
using NetGen.Reference;
using static NetGen.Runtime.Tests.Kernels.KernelCheck;

namespace NetGen.Runtime.Tests.Kernels;

public class PointwiseBackwardTests
{
    // Float32 sums of up to 4096 products in another order than float64's: a few ulps of the largest terms.
    private const double Tolerance = 2e-5;

    /// <summary>input channels, classes, H, W, batch.</summary>
    public static TheoryData<int, int, int, int, int> Shapes => new()
    {
        { 16, 2, 64, 64, 1 },    // the tiny hourglass's classifier at 64×64: 4 chunks of 1024 pixels, whole vectors
        { 8, 2, 130, 130, 1 },   // two classes on 16,900 pixels: chunks of 4096, the fifth 516 pixels with a scalar tail
        { 8, 11, 100, 97, 2 },   // 11 classes (an odd last pair) on 9,700 pixels: chunks of 2048 and a tail
        { 64, 11, 37, 41, 2 },   // SegNet-like: 64 channels, chunks of 1024 and a scalar tail
        { 16, 16, 32, 32, 2 },   // the most classes this pass takes
        { 3, 1, 5, 3, 3 },       // a plane smaller than a vector, one class
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Matches_the_float64_reference(int c, int classes, int h, int w, int batch)
    {
        var g = new ConvGeometry(c, h, w, classes, h, w, 1, 1, 0);
        var x = Random(batch * g.InSize, 1);
        var weights = Random(g.WeightSize, 2);
        var dy = Random(batch * g.OutSize, 3);
        var dw0 = Random(g.WeightSize, 4);
        var db0 = Random(classes, 5);
        foreach (bool gated in new[] { false, true })
        {
            var (dx, dw, db) = Reference(x, weights, dy, dw0, db0, batch, g, gated);
            ForEachPath(run =>
            {
                var (kdx, kdw, kdb) = (Filled(dx.Length, float.NaN), (float[])dw0.Clone(), (float[])db0.Clone());
                Conv2dKernel.Backward(x, weights, dy, kdx, kdw, kdb, batch, g, dxThroughReLU: gated);
                Close(dx, kdx, Tolerance, $"dx (gated: {gated}), {run}");
                Close(dw, kdw, Tolerance, $"dw, {run}");
                Close(db, kdb, Tolerance, $"db, {run}");
                if (gated)
                    for (int i = 0; i < x.Length; i++)
                        if (!(x[i] > 0f)) Assert.Equal(0f, kdx[i]);
            });
        }
    }

    [Theory]
    [InlineData(512)]
    [InlineData(256)]
    [InlineData(1)]
    public void Gradients_do_not_depend_on_the_threads(int width)
    {
        var g = new ConvGeometry(8, 100, 97, 11, 100, 97, 1, 1, 0);
        const int batch = 2;
        var x = Random(batch * g.InSize, 11);
        var weights = Random(g.WeightSize, 12);
        var dy = Random(batch * g.OutSize, 13);
        (float[], float[], float[]) Run(int threads)
        {
            using var scope = KernelOptions.Override(width, threads);
            var (dx, dw, db) = (new float[x.Length], new float[g.WeightSize], new float[g.OutC]);
            Conv2dKernel.Backward(x, weights, dy, dx, dw, db, batch, g, dxThroughReLU: true);
            return (dx, dw, db);
        }
        var (dx1, dw1, db1) = Run(1);
        var (dx2, dw2, db2) = Run(2);
        Same<float>(dx1, dx2, "dx");
        Same<float>(dw1, dw2, "dw");
        Same<float>(db1, db2, "db");
    }

    [Fact]
    public void Empty_gradients_are_skipped_and_the_others_still_computed()
    {
        var g = new ConvGeometry(16, 20, 20, 2, 20, 20, 1, 1, 0);
        var x = Random(g.InSize, 21);
        var weights = Random(g.WeightSize, 22);
        var dy = Random(g.OutSize, 23);
        var (dx, dw, db) = Reference(x, weights, dy, new float[g.WeightSize], new float[2], 1, g, gated: false);
        ForEachPath(run =>
        {
            var kdw = new float[g.WeightSize];
            Conv2dKernel.Backward(x, weights, dy, [], kdw, [], 1, g);
            Close(dw, kdw, Tolerance, $"dw alone, {run}");
            var kdx = Filled(dx.Length, float.NaN);
            var kdb = new float[2];
            Conv2dKernel.Backward(x, weights, dy, kdx, [], kdb, 1, g);
            Close(dx, kdx, Tolerance, $"dx without dw, {run}");
            Close(db, kdb, Tolerance, $"db without dw, {run}");
        });
    }

    // Conv2dRef's backward in float64 (dx gated by x > 0 afterwards when `gated`), its dw and db added onto dw0 and db0.
    private static (double[] Dx, double[] Dw, double[] Db) Reference(float[] x, float[] w, float[] dy, float[] dw0, float[] db0, int batch,
        ConvGeometry g, bool gated)
    {
        var dx = new double[x.Length];
        var dw = ToDouble(dw0);
        var db = ToDouble(db0);
        Conv2dRef.Backward<double>(ToDouble(x), ToDouble(w), ToDouble(dy), dx, dw, db, batch, g);
        if (gated)
            for (int i = 0; i < dx.Length; i++)
                if (!(x[i] > 0f)) dx[i] = 0;
        return (dx, dw, db);
    }
}

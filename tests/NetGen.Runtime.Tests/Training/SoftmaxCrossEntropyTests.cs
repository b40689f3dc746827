// Softmax and per-pixel cross-entropy: the lecture's examples, float64 finite differences, ignore label and the float version.
using NetGen.Losses;
using NetGen.Model;

namespace NetGen.Runtime.Tests.Training;

public class SoftmaxCrossEntropyTests
{
    private const int Ignore = 255;

    [Fact]
    public void Softmax_of_2_and_3()
    {
        var y = new double[2];
        Softmax.Forward<double>([2.0, 3.0], y);
        Assert.Equal(0.2689, y[0], 4);
        Assert.Equal(0.7311, y[1], 4);
    }

    [Fact]
    public void Planar_softmax_sums_to_one_per_pixel()
    {
        var shape = new Shape(3, 2, 2);
        var logits = RandomLogits<double>(2 * shape.Size, seed: 3);
        var probabilities = new double[logits.Length];
        Softmax.Planar<double>(logits, probabilities, 2, shape);
        for (int n = 0; n < 2; n++)
            for (int p = 0; p < 4; p++)
            {
                double sum = 0;
                for (int c = 0; c < 3; c++) sum += probabilities[n * 12 + c * 4 + p];
                Assert.Equal(1.0, sum, 12);
            }
    }

    // Lecture: a 2×2 image with classes [[0, 1], [1, 0]]; s = softmax output for class 0, r for class 1;
    // loss(sum) = −ln s11 − ln r12 − ln r21 − ln s22.
    [Fact]
    public void Lecture_two_by_two_two_class_example()
    {
        var shape = new Shape(2, 2, 2);
        double[] logits = [0.5, -1.0, 2.0, 0.3, /* class 1 plane */ 1.5, 0.2, -0.7, 0.1];
        int[] labels = [0, 1, 1, 0];
        var s = new double[4];
        var r = new double[4];
        for (int p = 0; p < 4; p++)
        {
            var pixel = new double[2];
            Softmax.Forward<double>([logits[p], logits[4 + p]], pixel);
            (s[p], r[p]) = (pixel[0], pixel[1]);
        }
        double expected = -Math.Log(s[0]) - Math.Log(r[1]) - Math.Log(r[2]) - Math.Log(s[3]);

        double reference = SoftmaxCrossEntropyRef.Forward<double>(logits, labels, [], 1, shape, LossReduction.Sum);
        float fast = new SoftmaxCrossEntropy(shape, new() { Reduction = LossReduction.Sum })
            .Forward(logits.Select(v => (float)v).ToArray(), labels, [], 1);

        Assert.Equal(4.939726586014, expected, 11);  // torch cross_entropy(reduction='sum'), float64
        Assert.Equal(expected, reference, 12);
        Assert.Equal(expected, fast, 5);
        Assert.Equal(expected / 4, SoftmaxCrossEntropyRef.Forward<double>(logits, labels, [], 1, shape), 12);
    }

    [Fact]
    public void Weighted_mean_with_ignore_label_matches_torch()
    {
        // torch.nn.functional.cross_entropy(x, y, weight=[1, 3], ignore_index=255) in float64, torch 2.11.
        var shape = new Shape(2, 2, 2);
        double[] logits = [0.5, -1.0, 2.0, 0.3, 1.5, 0.2, -0.7, 0.1];
        int[] labels = [0, 1, Ignore, 0];
        double[] expectedGrad =
            [-0.14621171572600097, 0.1388851299005894, 0.0, -0.09003320053750441, 0.14621171572600097, -0.1388851299005895, 0.0, 0.09003320053750444];
        var dlogits = new double[8];
        double loss = SoftmaxCrossEntropyRef.Forward<double>(logits, labels, dlogits, 1, shape, LossReduction.Mean, [1.0, 3.0], Ignore);
        Assert.Equal(0.540249591783, loss, 11);
        for (int i = 0; i < 8; i++) Assert.Equal(expectedGrad[i], dlogits[i], 12);
    }

    [Theory]
    [InlineData(LossReduction.Mean)]
    [InlineData(LossReduction.Sum)]
    public void Reference_gradient_matches_finite_differences(LossReduction reduction)
    {
        var shape = new Shape(3, 3, 4);
        const int batch = 2;
        var logits = RandomLogits<double>(batch * shape.Size, seed: 11);
        var labels = RandomLabels(batch * 12, shape.C, seed: 12, ignoreEvery: 5);
        double[] weights = [0.5, 2.0, 1.25];
        var dlogits = new double[logits.Length];
        SoftmaxCrossEntropyRef.Forward<double>(logits, labels, dlogits, batch, shape, reduction, weights, Ignore);

        const double h = 1e-6;
        for (int i = 0; i < logits.Length; i++)
        {
            double saved = logits[i];
            logits[i] = saved + h;
            double plus = SoftmaxCrossEntropyRef.Forward<double>(logits, labels, [], batch, shape, reduction, weights, Ignore);
            logits[i] = saved - h;
            double minus = SoftmaxCrossEntropyRef.Forward<double>(logits, labels, [], batch, shape, reduction, weights, Ignore);
            logits[i] = saved;
            Assert.True(Math.Abs((plus - minus) / (2 * h) - dlogits[i]) < 1e-7,
                $"element {i}: numeric {(plus - minus) / (2 * h)} vs analytic {dlogits[i]}");
        }
    }

    [Fact]
    public void Weighted_mean_divides_by_the_sum_of_label_weights()
    {
        var shape = new Shape(2, 1, 2);
        double[] logits = [1.0, 0.0, 0.0, 1.0];
        int[] labels = [0, 1];
        double[] weights = [1.0, 3.0];
        double sum = SoftmaxCrossEntropyRef.Forward<double>(logits, labels, [], 1, shape, LossReduction.Sum, weights);
        double mean = SoftmaxCrossEntropyRef.Forward<double>(logits, labels, [], 1, shape, LossReduction.Mean, weights);
        double perPixel = Math.Log(1 + Math.Exp(-1));
        Assert.Equal(4 * perPixel, sum, 12);
        Assert.Equal(perPixel, mean, 12);
    }

    [Fact]
    public void Ignored_pixels_get_zero_gradient_and_no_loss()
    {
        var shape = new Shape(3, 5, 7);
        var logits = RandomLogits<float>(2 * shape.Size, seed: 21);
        var labels = RandomLabels(2 * 35, shape.C, seed: 22, ignoreEvery: 3);
        var dlogits = new float[logits.Length];
        Array.Fill(dlogits, 42f);
        var loss = new SoftmaxCrossEntropy(shape, new() { IgnoreLabel = Ignore });
        float value = loss.Forward(logits, labels, dlogits, 2);

        var kept = (int[])labels.Clone();
        var other = (float[])logits.Clone();
        for (int i = 0; i < labels.Length; i++)
        {
            if (labels[i] != Ignore) continue;
            int n = i / 35, p = i % 35;
            for (int c = 0; c < 3; c++)
            {
                Assert.Equal(0f, dlogits[n * shape.Size + c * 35 + p]);
                other[n * shape.Size + c * 35 + p] += 10f * (c + 1);
            }
        }
        Assert.Equal(value, loss.Forward(other, kept, [], 2), 6);
    }

    [Fact]
    public void All_pixels_ignored_gives_zero_loss_and_gradient()
    {
        var shape = new Shape(2, 2, 2);
        var dlogits = new float[8];
        Array.Fill(dlogits, 1f);
        float value = new SoftmaxCrossEntropy(shape, new() { IgnoreLabel = -1 }).Forward(RandomLogits<float>(8, 1), [-1, -1, -1, -1], dlogits, 1);
        Assert.Equal(0f, value);
        Assert.All(dlogits, d => Assert.Equal(0f, d));
    }

    [Theory]
    [InlineData(LossReduction.Mean, false)]
    [InlineData(LossReduction.Mean, true)]
    [InlineData(LossReduction.Sum, true)]
    public void Float_version_matches_the_float64_reference(LossReduction reduction, bool weightedWithIgnore)
    {
        // 5×7 = 35 pixels: two full 16-wide vectors and a scalar tail.
        var shape = new Shape(4, 5, 7);
        const int batch = 2;
        var logits = RandomLogits<float>(batch * shape.Size, seed: 31);
        for (int i = 0; i < logits.Length; i += 9) logits[i] *= 20f;
        var labels = RandomLabels(batch * 35, shape.C, seed: 32, ignoreEvery: weightedWithIgnore ? 4 : 0);
        float[]? weights = weightedWithIgnore ? [0.3f, 1f, 2f, 0.7f] : null;

        var dlogits = new float[logits.Length];
        float value = new SoftmaxCrossEntropy(shape, new() { Reduction = reduction, ClassWeights = weights, IgnoreLabel = Ignore })
            .Forward(logits, labels, dlogits, batch);
        var expectedGrad = new double[logits.Length];
        double expected = SoftmaxCrossEntropyRef.Forward<double>(logits.Select(v => (double)v).ToArray(), labels, expectedGrad, batch, shape,
            reduction, weights?.Select(w => (double)w).ToArray(), Ignore);

        Assert.Equal(expected, value, expected * 1e-5);
        for (int i = 0; i < logits.Length; i++) Assert.True(Math.Abs(expectedGrad[i] - dlogits[i]) < 2e-6, $"element {i}: {dlogits[i]} vs {expectedGrad[i]}");
    }

    [Theory]
    [InlineData(512, 2, false)]
    [InlineData(256, 2, true)]
    [InlineData(0, 1, true)]
    [InlineData(512, 1, false)]
    public void Every_path_and_thread_count_matches_the_float64_reference(int vectorWidth, int threads, bool weightedWithIgnore)
    {
        // 45×101 = 4545 pixels: three chunks per sample, the last one short, with a tail after the last whole vector.
        var shape = new Shape(5, 45, 101);
        const int batch = 2;
        var logits = RandomLogits<float>(batch * shape.Size, seed: 41);
        var labels = RandomLabels(batch * 4545, shape.C, seed: 42, ignoreEvery: weightedWithIgnore ? 6 : 0);
        float[]? weights = weightedWithIgnore ? [0.3f, 1f, 2f, 0.7f, 1.5f] : null;
        var options = new SoftmaxCrossEntropyOptions { ClassWeights = weights, IgnoreLabel = Ignore };

        var dlogits = new float[logits.Length];
        float value;
        using (NetGen.Kernels.KernelOptions.Override(vectorWidth, threads))
            value = new SoftmaxCrossEntropy(shape, options).Forward(logits, labels, dlogits, batch);
        var expectedGrad = new double[logits.Length];
        double expected = SoftmaxCrossEntropyRef.Forward<double>(logits.Select(v => (double)v).ToArray(), labels, expectedGrad, batch, shape,
            LossReduction.Mean, weights?.Select(w => (double)w).ToArray(), Ignore);

        Assert.Equal(expected, value, expected * 1e-5);
        for (int i = 0; i < logits.Length; i++) Assert.True(Math.Abs(expectedGrad[i] - dlogits[i]) < 1e-7, $"element {i}: {dlogits[i]} vs {expectedGrad[i]}");
    }

    /// <summary>An ignored label that is also a class index (class 2 here): its pixels count for nothing on every path, as in
    /// the reference (the vector paths give that class weight 0 in their lanes).</summary>
    [Theory]
    [InlineData(512, 2)]
    [InlineData(256, 2)]
    [InlineData(0, 1)]
    public void An_ignored_class_index_matches_the_float64_reference_on_every_path(int vectorWidth, int threads)
    {
        var shape = new Shape(5, 45, 101);
        const int batch = 2, ignored = 2;
        var logits = RandomLogits<float>(batch * shape.Size, seed: 43);
        var labels = RandomLabels(batch * 4545, shape.C, seed: 44, ignoreEvery: 0);
        Assert.Contains(ignored, labels);
        float[] weights = [0.3f, 1f, 2f, 0.7f, 1.5f];
        var dlogits = new float[logits.Length];
        float value;
        using (NetGen.Kernels.KernelOptions.Override(vectorWidth, threads))
            value = new SoftmaxCrossEntropy(shape, new() { ClassWeights = weights, IgnoreLabel = ignored }).Forward(logits, labels, dlogits, batch);
        var expectedGrad = new double[logits.Length];
        double expected = SoftmaxCrossEntropyRef.Forward<double>(logits.Select(v => (double)v).ToArray(), labels, expectedGrad, batch, shape,
            LossReduction.Mean, weights.Select(w => (double)w).ToArray(), ignored);

        Assert.Equal(expected, value, expected * 1e-5);
        for (int i = 0; i < logits.Length; i++) Assert.True(Math.Abs(expectedGrad[i] - dlogits[i]) < 1e-7, $"element {i}: {dlogits[i]} vs {expectedGrad[i]}");
        int plane = 45 * 101;
        for (int p = 0; p < plane; p++)
            if (labels[p] == ignored)
                for (int c = 0; c < shape.C; c++) Assert.Equal(0f, dlogits[c * plane + p]);
    }

    [Fact]
    public void Loss_and_gradient_are_the_same_bits_on_one_and_two_threads()
    {
        var shape = new Shape(3, 64, 70);
        var logits = RandomLogits<float>(3 * shape.Size, seed: 51);
        var labels = RandomLabels(3 * 64 * 70, shape.C, seed: 52, ignoreEvery: 0);
        var loss = new SoftmaxCrossEntropy(shape);
        (float Value, float[] Grad) Run(int threads)
        {
            var grad = new float[logits.Length];
            using (NetGen.Kernels.KernelOptions.Override(0, threads))
                return (loss.Forward(logits, labels, grad, 3), grad);
        }

        var one = Run(1);
        var two = Run(2);
        Assert.Equal(one.Value, two.Value);
        Assert.Equal(one.Grad, two.Grad);
        Assert.Equal(one.Value, loss.Forward(logits, labels, [], 3));
    }

    [Fact]
    public void Label_out_of_range_names_value_and_position()
    {
        var shape = new Shape(3, 2, 3);
        var labels = new int[12];
        labels[6 + 5] = 7;
        var e = Assert.Throws<ArgumentException>(() => new SoftmaxCrossEntropy(shape).Forward(new float[2 * shape.Size], labels, [], 2));
        Assert.Contains("label 7 at sample 1, pixel (y=1, x=2) is outside [0, 3)", e.Message);
        var r = Assert.Throws<ArgumentException>(() => SoftmaxCrossEntropyRef.Forward<double>(new double[2 * shape.Size], labels, [], 2, shape));
        Assert.Contains("label 7", r.Message);
    }

    private static T[] RandomLogits<T>(int count, int seed) where T : System.Numerics.IFloatingPointIeee754<T>
    {
        var rng = new Random(seed);
        return Enumerable.Range(0, count).Select(_ => T.CreateChecked(rng.NextDouble() * 4 - 2)).ToArray();
    }

    private static int[] RandomLabels(int count, int classes, int seed, int ignoreEvery)
    {
        var rng = new Random(seed);
        return Enumerable.Range(0, count).Select(i => ignoreEvery > 0 && i % ignoreEvery == 1 ? Ignore : rng.Next(classes)).ToArray();
    }
}

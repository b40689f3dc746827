// UnpooledBackward: a stride-1 deconvolution's backward through the unpool before it, summed over the unpooled input's
// nonzeros only (Vector512, ≥ 16 output channels in whole vectors). Against the float64 reference (unpool, ConvTranspose2dRef's
// backward, the unpool's backward, the ReLU's gate), with pooled values half zero as after a ReLU; the same bits on 1 and 2
// threads; the dense engines' result where an argmax lies outside its cell (nothing written by the sparse path); an index
// outside the plane rejected before anything changes; and the path really taken where it should be.
using System.Runtime.Intrinsics;
using NetGen.Kernels;
using NetGen.Model;
using NetGen.Reference;
using static NetGen.Runtime.Tests.Kernels.KernelCheck;

namespace NetGen.Runtime.Tests.Kernels;

public class SparseUnpooledBackwardTests
{
    // Float32 sums in another order than float64's (relative to |expected| + rms, KernelCheck.Close): measured on four of
    // these shapes (7×7 64→64 and 16→32, 5×5 24→48, 3×3 16→64) the sparse paths' worst 1.5e-6 (the 16→32 weight gradient,
    // summed over 2 samples), the dense engines' (Winograd's rows) on the same up to 9.9e-6.
    private const double Tolerance = 5e-6;

    // Where AVX-512 is off (CI's lower-path runs) the dense engines answer instead: Winograd's rows, to the kernels' usual
    // 1e-4 against the reference.
    private static double Bound => Vector512.IsHardwareAccelerated ? Tolerance : 1e-4;

    /// <summary>channels, unpooled inH × inW, pool kernel and stride, deconv outC, kernel, padding, batch.</summary>
    public static TheoryData<int, int, int, int, int, int, int, int, int> Shapes => new()
    {
        // SegNet's 7×7 64→64 on an even plane and on odd planes whose pool dropped the last row and column.
        { 64, 44, 60, 2, 2, 64, 7, 3, 1 },
        { 16, 45, 61, 2, 2, 32, 7, 3, 2 },
        // Three vector blocks of output channels (a pass of two, then one), a 5×5 kernel.
        { 24, 30, 34, 2, 2, 48, 5, 2, 2 },
        // A U-Net's 3×3 deconvolution to 64 channels; a 3×3 pool of stride 3; padding smaller than the kernel's reach.
        { 16, 32, 32, 2, 2, 64, 3, 1, 1 },
        { 16, 18, 24, 3, 3, 64, 3, 1, 2 },
        { 8, 20, 22, 2, 2, 32, 5, 1, 1 },
        // 3×3 to 16 channels (the narrow kernel, both gradients in one pass): the tiny hourglass's deconvolutions, strips cut
        // short (19 and 11 pooled columns), a 3×3 pool of stride 3, no padding.
        { 16, 64, 64, 2, 2, 16, 3, 1, 1 },
        { 32, 30, 38, 2, 2, 16, 3, 1, 2 },
        { 8, 27, 35, 3, 3, 16, 3, 1, 2 },
        { 16, 20, 22, 2, 2, 16, 3, 0, 1 },
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Matches_the_float64_reference(int c, int inH, int inW, int poolK, int poolS, int outC, int k, int p, int batch)
    {
        var (pool, g) = Geometries(c, inH, inW, poolK, poolS, outC, k, p);
        var (pooled, indices) = ReLUPooled(pool, batch, seed: 201);
        var w = Random(g.WeightSize, 202);
        var dy = Random(batch * g.OutSize, 203);
        foreach (bool throughReLU in new[] { true, false })
        {
            var (refDPooled, refDw, refDb) = Reference(pooled, indices, pool, w, dy, batch, g, throughReLU);
            float[]? first = null, firstDw = null;
            foreach (int threads in new[] { 1, 2 })
            {
                using var scope = KernelOptions.Override(512, threads);
                // Where AVX-512 is off (CI's lower-path runs) the dense engines must give the same answer.
                Assert.Equal(Vector512.IsHardwareAccelerated, UnpooledBackward.Applies(KernelOptions.Path, g, pool));
                var (dPooled, dw, db) = (Filled(batch * pool.OutSize, float.NaN), Filled(g.WeightSize, 0.5f), Filled(g.OutC, 0.25f));
                ConvTranspose2dKernel.BackwardThroughUnpool(pooled, indices, pool, w, dy, dPooled, dw, db, batch, g, throughReLU);
                string run = $"{threads} thread(s), through the ReLU: {throughReLU}";
                Close(refDPooled, dPooled, Bound, $"dPooled, {run}");
                Close(refDw, dw, Bound, $"dw, {run}");
                Close(refDb, db, Bound, $"db, {run}");
                if (throughReLU)
                    for (int i = 0; i < pooled.Length; i++)
                        if (!(pooled[i] > 0)) Assert.Equal(0f, dPooled[i]);
                // Tasks own their outputs and sum in one order: the thread count changes no bit.
                if (first == null) (first, firstDw) = (dPooled, dw);
                else
                {
                    Same<float>(first, dPooled, $"dPooled on 2 threads against 1, {run}");
                    Same<float>(firstDw!, dw, $"dw on 2 threads against 1, {run}");
                }
            }
        }
    }

    [Theory]
    [InlineData(32, 7, 3)]
    [InlineData(16, 3, 1)]
    public void Samples_in_chunks_give_the_same_bits_as_all_at_once(int outC, int k, int p)
    {
        // A padded copy of one sample at most: 3 samples run as 3 chunks, against one chunk of 3.
        var (pool, g) = Geometries(32, 30, 34, 2, 2, outC, k, p);
        const int batch = 3;
        var (pooled, indices) = ReLUPooled(pool, batch, seed: 261);
        var (w, b, dy) = (Random(g.WeightSize, 262), Random(g.OutC, 263), Random(batch * g.OutSize, 264));
        using var scope = KernelOptions.Override(512, 2);
        (float[] Y, float[] DPooled, float[] Dw) Run()
        {
            var y = Filled(batch * g.OutSize, float.NaN);
            ConvTranspose2dKernel.ForwardFromUnpool(pooled, indices, pool, w, b, y, batch, g);
            var (dPooled, dw) = (Filled(batch * pool.OutSize, float.NaN), Filled(g.WeightSize, 0.5f));
            ConvTranspose2dKernel.BackwardThroughUnpool(pooled, indices, pool, w, dy, dPooled, dw, default, batch, g, true);
            return (y, dPooled, dw);
        }
        var whole = Run();
        try
        {
            UnpooledBackward.SampleBudgetOverride = 1;
            Assert.Equal(1, UnpooledBackward.SamplesPerChunk(batch, 1000));
            var chunked = Run();
            Same<float>(whole.Y, chunked.Y, "y");
            Same<float>(whole.DPooled, chunked.DPooled, "dPooled");
            // The weight gradient adds each chunk's sums in turn: the same sums, grouped by chunk; the narrow kernel adds its
            // tasks' sums to dw one after another in either case: the same bits.
            Close(whole.Dw, chunked.Dw, Bound, "dw");
            if (UnpooledBackward.Narrow(g)) Same<float>(whole.Dw, chunked.Dw, "dw of the narrow kernel");
        }
        finally
        {
            UnpooledBackward.SampleBudgetOverride = 0;
        }
    }

    [Fact]
    public void Not_taken_where_it_cannot_run()
    {
        var (pool, g) = Geometries(16, 32, 32, 2, 2, 64, 3, 1);
        using (KernelOptions.Override(256, 1)) Assert.False(UnpooledBackward.Applies(KernelOptions.Path, g, pool));
        using (KernelOptions.Override(512, 1))
        {
            Assert.Equal(Vector512.IsHardwareAccelerated, UnpooledBackward.Applies(KernelOptions.Path, g, pool));
            using (KernelOptions.DenseUnpooled()) Assert.False(UnpooledBackward.Applies(KernelOptions.Path, g, pool));
            // Output channels not in whole vectors; too few taps × output channels (5×5 to 16 channels; 3×3 to 16 runs the
            // narrow kernel); overlapping pool windows.
            var (_, g8) = Geometries(16, 32, 32, 2, 2, 8, 7, 3);
            Assert.False(UnpooledBackward.Applies(KernelOptions.Path, g8, pool));
            var (_, g16) = Geometries(16, 32, 32, 2, 2, 16, 5, 2);
            Assert.False(UnpooledBackward.Applies(KernelOptions.Path, g16, pool));
            var (_, narrow) = Geometries(16, 32, 32, 2, 2, 16, 3, 1);
            Assert.Equal(Vector512.IsHardwareAccelerated, UnpooledBackward.Applies(KernelOptions.Path, narrow, pool));
            // The forward: 5×5 and 7×7 kernels, and 3×3 to 16 channels, only.
            Assert.False(UnpooledForward.Applies(KernelOptions.Path, g, pool));
            var (_, g5) = Geometries(16, 32, 32, 2, 2, 32, 5, 2);
            Assert.Equal(Vector512.IsHardwareAccelerated, UnpooledForward.Applies(KernelOptions.Path, g5, pool));
            // 3×3 to 16 channels on rows of 64: Winograd's 4×4 tiles, in inference and (checked) in a training forward;
            // on rows of 62 the narrow scatter, in either.
            var (pool64, narrow64) = Geometries(16, 64, 64, 2, 2, 16, 3, 1);
            var (pool62, narrow62) = Geometries(16, 64, 62, 2, 2, 16, 3, 1);
            Assert.False(UnpooledForward.Applies(KernelOptions.Path, narrow64, pool64));
            Assert.Equal(Vector512.IsHardwareAccelerated, UnpooledForward.Applies(KernelOptions.Path, narrow62, pool62));
            using (KernelModes.TrainingForward())
            {
                Assert.False(UnpooledForward.Applies(KernelOptions.Path, narrow64, pool64));
                Assert.Equal(Vector512.IsHardwareAccelerated, UnpooledForward.Applies(KernelOptions.Path, narrow62, pool62));
            }
            var (overlapping, g3) = Geometries(16, 17, 13, 3, 2, 64, 3, 1);
            Assert.False(UnpooledBackward.Applies(KernelOptions.Path, g3, overlapping));
        }
    }

    [Theory]
    [InlineData(7, 3)]
    [InlineData(3, 1)]
    public void A_gate_shuts_wherever_its_value_is_not_positive_negative_values_included(int k, int p)
    {
        // Values below zero (no ReLU made them) with the gate on: their input gradient is zero, their weight gradient counts.
        var (pool, g) = Geometries(16, 32, 30, 2, 2, 16, k, p);
        var (pooled, indices) = Pooled(pool, 1, seed: 271);
        // About half below zero (as ReLUPooled's shift), a third exactly zero.
        for (int i = 0; i < pooled.Length; i++) pooled[i] = i % 3 == 0 ? 0f : pooled[i] - 0.6f;
        var w = Random(g.WeightSize, 272);
        var dy = Random(g.OutSize, 273);
        var (refDPooled, refDw, _) = Reference(pooled, indices, pool, w, dy, 1, g, throughReLU: true);
        using var scope = KernelOptions.Override(512, 2);
        var (dPooled, dw) = (Filled(pool.OutSize, float.NaN), Filled(g.WeightSize, 0.5f));
        ConvTranspose2dKernel.BackwardThroughUnpool(pooled, indices, pool, w, dy, dPooled, dw, default, 1, g, true);
        Close(refDPooled, dPooled, Bound, "dPooled");
        Close(refDw, dw, Bound, "dw");
        for (int i = 0; i < pooled.Length; i++)
            if (!(pooled[i] > 0)) Assert.Equal(0f, dPooled[i]);
    }

    [Theory]
    [InlineData(7, 3)]
    [InlineData(3, 1)]
    public void Argmax_outside_their_cells_leave_it_to_the_dense_engines(int k, int p)
    {
        var (pool, g) = Geometries(16, 32, 32, 2, 2, 16, k, p);
        const int batch = 2;
        var (pooled, indices) = ReLUPooled(pool, batch, seed: 211);
        var rng = new Random(212);
        for (int plane = 0; plane < batch * pool.C; plane += 5)
            indices[plane * pool.OutPlane + rng.Next(pool.OutPlane)] = rng.Next(pool.InPlane);
        var w = Random(g.WeightSize, 213);
        var dy = Random(batch * g.OutSize, 214);
        using var scope = KernelOptions.Override(512, 2);
        var (dense, denseDw, denseDb) = (Filled(batch * pool.OutSize, float.NaN), Filled(g.WeightSize, 0.5f), Filled(g.OutC, 0.25f));
        using (KernelOptions.DenseUnpooled())
            ConvTranspose2dKernel.BackwardThroughUnpool(pooled, indices, pool, w, dy, dense, denseDw, denseDb, batch, g, true);
        var (dPooled, dw, db) = (Filled(batch * pool.OutSize, float.NaN), Filled(g.WeightSize, 0.5f), Filled(g.OutC, 0.25f));
        ConvTranspose2dKernel.BackwardThroughUnpool(pooled, indices, pool, w, dy, dPooled, dw, db, batch, g, true);
        Same<float>(dense, dPooled, "dPooled");
        Same<float>(denseDw, dw, "dw");
        Same<float>(denseDb, db, "db");
    }

    [Theory]
    [InlineData(7, 3)]
    [InlineData(3, 1)]
    public void An_index_outside_the_plane_is_rejected_before_any_gradient_changes(int k, int p)
    {
        var (pool, g) = Geometries(16, 32, 32, 2, 2, 16, k, p);
        var (pooled, indices) = ReLUPooled(pool, 1, seed: 221);
        indices[40] = pool.InPlane + 3;
        var w = Random(g.WeightSize, 222);
        var dy = Random(g.OutSize, 223);
        using var scope = KernelOptions.Override(512, 2);
        var dPooled = Filled(pool.OutSize, 0.125f);
        var dw = Filled(g.WeightSize, 0.5f);
        var db = Filled(g.OutC, 0.25f);
        var e = Assert.Throws<ArgumentException>(() =>
            ConvTranspose2dKernel.BackwardThroughUnpool(pooled, indices, pool, w, dy, dPooled, dw, db, 1, g, true));
        Assert.Equal("indices", e.ParamName);
        Assert.All(dPooled, v => Assert.Equal(0.125f, v));
        Assert.All(dw, v => Assert.Equal(0.5f, v));
        Assert.All(db, v => Assert.Equal(0.25f, v));
    }

    /// <summary>As <see cref="Shapes"/>, for the forward pass (5×5 and 7×7 kernels; 3×3 to 16 channels).</summary>
    public static TheoryData<int, int, int, int, int, int, int, int, int> ForwardShapes => new()
    {
        // A 5×5 to three vector blocks, and to one with a 3×3 pool of stride 3.
        { 24, 30, 34, 2, 2, 48, 5, 2, 2 },
        { 16, 18, 24, 3, 3, 32, 5, 2, 2 },
        { 64, 44, 60, 2, 2, 64, 7, 3, 1 },
        // Odd planes, two samples; three vector blocks; a 3×3 pool of stride 3; a plane narrower than a strip.
        { 16, 45, 61, 2, 2, 32, 7, 3, 2 },
        { 24, 30, 34, 2, 2, 48, 7, 3, 2 },
        { 16, 18, 24, 3, 3, 16, 7, 3, 2 },
        { 8, 12, 10, 2, 2, 16, 7, 3, 1 },
        // Wider than a strip of 64 pooled columns: a whole strip and a part.
        { 16, 20, 150, 2, 2, 16, 7, 3, 1 },
        // 3×3 to 16 channels (the narrow scatter; rows of a multiple of 64 take Winograd's 4×4 tiles): strips cut short, a
        // 3×3 pool of stride 3, no padding.
        { 16, 64, 62, 2, 2, 16, 3, 1, 1 },
        { 32, 30, 38, 2, 2, 16, 3, 1, 2 },
        { 8, 27, 35, 3, 3, 16, 3, 1, 2 },
        { 16, 20, 22, 2, 2, 16, 3, 0, 1 },
    };

    [Theory]
    [MemberData(nameof(ForwardShapes))]
    public void Forward_matches_the_float64_reference(int c, int inH, int inW, int poolK, int poolS, int outC, int k, int p, int batch)
    {
        var (pool, g) = Geometries(c, inH, inW, poolK, poolS, outC, k, p);
        var (pooled, indices) = ReLUPooled(pool, batch, seed: 231);
        var w = Random(g.WeightSize, 232);
        var b = Random(g.OutC, 233);
        var unpooled = new double[batch * pool.InSize];
        MaxUnpool2dRef.Forward<double>(ToDouble(pooled), indices, unpooled, batch, pool);
        var expected = new double[batch * g.OutSize];
        ConvTranspose2dRef.Forward<double>(unpooled, ToDouble(w), ToDouble(b), expected, batch, g);
        var expectedReLU = Array.ConvertAll(expected, v => Math.Max(v, 0));
        foreach (bool relu in new[] { false, true })
        {
            float[]? first = null;
            foreach (int threads in new[] { 1, 2 })
            {
                using var scope = KernelOptions.Override(512, threads);
                Assert.Equal(Vector512.IsHardwareAccelerated, UnpooledForward.Applies(KernelOptions.Path, g, pool));
                var y = Filled(batch * g.OutSize, float.NaN);
                ConvTranspose2dKernel.ForwardFromUnpool(pooled, indices, pool, w, b, y, batch, g, relu);
                string run = $"{threads} thread(s), relu: {relu}";
                Close(relu ? expectedReLU : expected, y, Bound, $"y, {run}");
                if (first == null) first = y;
                else Same<float>(first, y, $"y on 2 threads against 1, {run}");
            }
        }
        // Without a bias.
        using (KernelOptions.Override(512, 2))
        {
            var y = Filled(batch * g.OutSize, float.NaN);
            ConvTranspose2dKernel.ForwardFromUnpool(pooled, indices, pool, w, default, y, batch, g);
            var noBias = new double[batch * g.OutSize];
            ConvTranspose2dRef.Forward<double>(unpooled, ToDouble(w), default, noBias, batch, g);
            Close(noBias, y, Bound, "y without a bias");
        }
    }

    [Theory]
    [InlineData(32, 32, 7, 3)]
    // One vector block: each row is classified as the output pass writes it (y, when not kept, never written).
    [InlineData(16, 16, 7, 3)]
    [InlineData(32, 16, 3, 1)]
    public void Forward_then_the_classifier_matches_the_float64_reference_and_keeps_y_when_asked(int c, int outC, int k, int p)
    {
        var (pool, g) = Geometries(c, 46, 40, 2, 2, outC, k, p);
        const int batch = 2, classes = 5;
        var (pooled, indices) = ReLUPooled(pool, batch, seed: 251);
        var (w, b) = (Random(g.WeightSize, 252), Random(g.OutC, 253));
        var (cw, cb) = (Random(classes * g.OutC, 254), Random(classes, 255));
        var unpooled = new double[batch * pool.InSize];
        MaxUnpool2dRef.Forward<double>(ToDouble(pooled), indices, unpooled, batch, pool);
        var y = new double[batch * g.OutSize];
        ConvTranspose2dRef.Forward<double>(unpooled, ToDouble(w), ToDouble(b), y, batch, g);
        for (int i = 0; i < y.Length; i++) y[i] = Math.Max(y[i], 0);
        var expected = new double[batch * classes * g.OutPlane];
        var classifier = new ConvGeometry(g.OutC, g.OutH, g.OutW, classes, g.OutH, g.OutW, 1, 1, 0);
        Conv2dRef.Forward<double>(y, ToDouble(cw), ToDouble(cb), expected, batch, classifier);
        using var scope = KernelOptions.Override(512, 2);
        Assert.Equal(Vector512.IsHardwareAccelerated, UnpooledForward.Applies(KernelOptions.Path, g, pool));
        var logits = Filled(batch * classes * g.OutPlane, float.NaN);
        ConvTranspose2dKernel.ForwardFromUnpoolClassified(pooled, indices, pool, w, b, cw, cb, logits, batch, g, classes, relu: true);
        Close(expected, logits, Bound, "logits");
        var kept = Filled(batch * g.OutSize, float.NaN);
        var logits2 = Filled(batch * classes * g.OutPlane, float.NaN);
        ConvTranspose2dKernel.ForwardFromUnpoolClassified(pooled, indices, pool, w, b, cw, cb, logits2, batch, g, classes, relu: true,
            y: kept);
        Same<float>(logits, logits2, "logits with y kept");
        var alone = Filled(batch * g.OutSize, float.NaN);
        ConvTranspose2dKernel.ForwardFromUnpool(pooled, indices, pool, w, b, alone, batch, g, relu: true);
        Same<float>(alone, kept, "y kept against ForwardFromUnpool's");
    }

    [Fact]
    public void Forward_argmax_outside_their_cells_leave_it_to_the_dense_engines_and_bad_indices_are_rejected()
    {
        var (pool, g) = Geometries(16, 32, 32, 2, 2, 16, 7, 3);
        const int batch = 2;
        var (pooled, indices) = ReLUPooled(pool, batch, seed: 241);
        var w = Random(g.WeightSize, 242);
        var b = Random(g.OutC, 243);
        using var scope = KernelOptions.Override(512, 2);
        var moved = (int[])indices.Clone();
        var rng = new Random(244);
        for (int plane = 0; plane < batch * pool.C; plane += 5)
            moved[plane * pool.OutPlane + rng.Next(pool.OutPlane)] = rng.Next(pool.InPlane);
        var dense = Filled(batch * g.OutSize, float.NaN);
        using (KernelOptions.DenseUnpooled()) ConvTranspose2dKernel.ForwardFromUnpool(pooled, moved, pool, w, b, dense, batch, g);
        var y = Filled(batch * g.OutSize, float.NaN);
        ConvTranspose2dKernel.ForwardFromUnpool(pooled, moved, pool, w, b, y, batch, g);
        Same<float>(dense, y, "y");

        var bad = (int[])indices.Clone();
        bad[40] = pool.InPlane + 3;
        var untouched = Filled(batch * g.OutSize, 0.125f);
        var e = Assert.Throws<ArgumentException>(() =>
            ConvTranspose2dKernel.ForwardFromUnpool(pooled, bad, pool, w, b, untouched, batch, g));
        Assert.Equal("indices", e.ParamName);
        // The sparse path checks every index before it writes (the dense engines find it as they go: y is an output).
        if (Vector512.IsHardwareAccelerated) Assert.All(untouched, v => Assert.Equal(0.125f, v));
    }

    /// <summary>A pool's values and argmax for a random input, then max(v, 0): about half the values are zero, as an unpool's
    /// input is after a ReLU.</summary>
    private static (float[] Pooled, int[] Indices) ReLUPooled(PoolGeometry pool, int batch, int seed)
    {
        var (pooled, indices) = Pooled(pool, batch, seed);
        // Max of 4 uniform values in [-1, 1) is positive 15/16 of the time: shift so that about half are.
        for (int i = 0; i < pooled.Length; i++) pooled[i] = Math.Max(0f, pooled[i] - 0.6f);
        return (pooled, indices);
    }

    private static (double[] DPooled, double[] Dw, double[] Db) Reference(float[] pooled, int[] indices, PoolGeometry pool,
        float[] w, float[] dy, int batch, ConvGeometry g, bool throughReLU)
    {
        var unpooled = new double[batch * pool.InSize];
        MaxUnpool2dRef.Forward<double>(ToDouble(pooled), indices, unpooled, batch, pool);
        var dx = new double[batch * g.InSize];
        var dw = Array.ConvertAll(Filled(g.WeightSize, 0.5f), v => (double)v);
        var db = Array.ConvertAll(Filled(g.OutC, 0.25f), v => (double)v);
        ConvTranspose2dRef.Backward<double>(unpooled, ToDouble(w), ToDouble(dy), dx, dw, db, batch, g);
        var dPooled = new double[batch * pool.OutSize];
        MaxUnpool2dRef.Backward<double>(dx, indices, dPooled, batch, pool);
        if (throughReLU)
            for (int i = 0; i < dPooled.Length; i++)
                if (!(pooled[i] > 0)) dPooled[i] = 0;
        return (dPooled, dw, db);
    }

    private static (PoolGeometry Pool, ConvGeometry Deconv) Geometries(int c, int inH, int inW, int poolK, int poolS, int outC, int k, int p)
    {
        var pool = new PoolGeometry(c, inH, inW, (inH - poolK) / poolS + 1, (inW - poolK) / poolS + 1, poolK, poolS);
        return (pool, new ConvGeometry(c, inH, inW, outC, inH - 2 * p + k - 1, inW - 2 * p + k - 1, k, 1, p));
    }
}

// ConvTranspose2d, forward and backward: the mirror of Conv2dKernel on the same engines. Its forward pass is a
// Conv2d input gradient and its input gradient a Conv2d forward pass, with the weight read as [InC, OutC, K, K].
using NetGen.Model;

namespace NetGen.Kernels;

public static unsafe class ConvTranspose2dKernel
{
    // x: [N, InC, InH, InW], w: [InC, OutC, K, K], b: [OutC] or empty -> y: [N, OutC, OutH, OutW]; relu: y = max(y, 0) in the
    // same store, as in Conv2dKernel.Forward
    public static void Forward(ReadOnlySpan<float> x, ReadOnlySpan<float> w, ReadOnlySpan<float> b, Span<float> y, int batch, in ConvGeometry g, bool relu = false)
    {
        ConvArguments.RequireForward(x, w, b, y, batch, g);
        int kk = g.Kernel * g.Kernel;
        fixed (float* px = x, pw = w, pb = b, py = y)
            Correlation.Transposed(px, g.InC, g.InH, g.InW, new WeightView(pw, kk, g.OutC * kk), pb,
                py, g.OutC, g.OutH, g.OutW, g.Kernel, g.Stride, g.Padding, batch, relu);
    }

    // MaxUnpool2d then Forward in one call: pooled, indices: [N, InC, pool.OutH, pool.OutW] (the unpool's input and its pool's
    // argmax), pool: the unpool's geometry (pool.C = InC, pool.InH × pool.InW = InH × InW) -> y as Forward of the unpooled
    // input. On Vector512 a stride-1 5×5 or 7×7 layer whose output channels fill 16-channel blocks, or a 3×3 one to 16
    // channels, sums the unpooled input's nonzeros only (UnpooledForward: the same sums in another order); otherwise, bit
    // for bit Forward's, a stride-1 layer
    // unpools each band of input rows as it packs them, so the unpooled tensor (the size of this layer's input) is never
    // written nor read back; other strides unpool into scratch first.
    public static void ForwardFromUnpool(ReadOnlySpan<float> pooled, ReadOnlySpan<int> indices, in PoolGeometry pool,
        ReadOnlySpan<float> w, ReadOnlySpan<float> b, Span<float> y, int batch, in ConvGeometry g, bool relu = false)
    {
        ConvArguments.RequireUnpooled(pooled, indices, pool, batch, g);
        Spans.Require(w, g.WeightSize, nameof(w));
        Spans.RequireOptional(b, g.OutC, nameof(b));
        Spans.Require(y, (long)batch * g.OutSize, nameof(y));
        int kk = g.Kernel * g.Kernel;
        fixed (float* px = pooled, pw = w, pb = b, py = y)
        fixed (int* pi = indices)
        {
            // On the unpooled input's nonzeros (false: an argmax outside its cell, nothing written; the dense engines run).
            if (UnpooledForward.Applies(KernelOptions.Path, g, pool) && UnpooledForward.Run(px, pi, pool, pw, pb, py, relu, batch, g))
                return;
            Correlation.TransposedFromUnpool(new UnpooledInput { Values = px, Indices = pi, Pool = pool }, g.InC, g.InH, g.InW,
                new WeightView(pw, kk, g.OutC * kk), pb, py, g.OutC, g.OutH, g.OutW, g.Kernel, g.Stride, g.Padding, batch, relu);
        }
    }

    // Forward then a 1×1 classifier in one call: classifierWeight [classes, OutC, 1, 1], classifierBias [classes] or empty ->
    // logits [N, classes, OutH, OutW], the classifier's output on Forward's y (relu applied). A stride-1 layer classifies each
    // band of output rows from its thread's buffer, so y (the size of this layer's output) is never written nor read back;
    // other strides compute y into scratch first. The same sums as the two calls. Where y is given (a training forward keeps
    // it for the backward), it is written too, each band classified from it while it is in cache.
    public static void ForwardClassified(ReadOnlySpan<float> x, ReadOnlySpan<float> w, ReadOnlySpan<float> b,
        ReadOnlySpan<float> classifierWeight, ReadOnlySpan<float> classifierBias, Span<float> logits, int batch, in ConvGeometry g,
        int classes, bool relu = false, Span<float> y = default)
    {
        Spans.Require(x, (long)batch * g.InSize, nameof(x));
        Spans.RequireOptional<float>(y, (long)batch * g.OutSize, nameof(y));
        Classified(x, default, default, w, b, classifierWeight, classifierBias, logits, batch, g, classes, relu, y);
    }

    // ForwardFromUnpool then a 1×1 classifier in one call, as ForwardClassified: neither the unpooled tensor nor y is written,
    // unless y is given (a training forward keeps it for the backward): then each band of y is stored and classified from
    // there while it is in cache.
    public static void ForwardFromUnpoolClassified(ReadOnlySpan<float> pooled, ReadOnlySpan<int> indices, in PoolGeometry pool,
        ReadOnlySpan<float> w, ReadOnlySpan<float> b, ReadOnlySpan<float> classifierWeight, ReadOnlySpan<float> classifierBias,
        Span<float> logits, int batch, in ConvGeometry g, int classes, bool relu = false, Span<float> y = default)
    {
        ConvArguments.RequireUnpooled(pooled, indices, pool, batch, g);
        Spans.RequireOptional<float>(y, (long)batch * g.OutSize, nameof(y));
        Classified(pooled, indices, pool, w, b, classifierWeight, classifierBias, logits, batch, g, classes, relu, y);
    }

    // x is the layer's input, or with indices the unpool's input (pool its geometry).
    private static void Classified(ReadOnlySpan<float> x, ReadOnlySpan<int> indices, in PoolGeometry pool, ReadOnlySpan<float> w,
        ReadOnlySpan<float> b, ReadOnlySpan<float> classifierWeight, ReadOnlySpan<float> classifierBias, Span<float> logits, int batch,
        in ConvGeometry g, int classes, bool relu, Span<float> y = default)
    {
        if (classes < 1) throw new ArgumentOutOfRangeException(nameof(classes), $"classes is {classes}; it must be at least 1.");
        Spans.Require(w, g.WeightSize, nameof(w));
        Spans.RequireOptional(b, g.OutC, nameof(b));
        Spans.Require(classifierWeight, (long)classes * g.OutC, nameof(classifierWeight));
        Spans.RequireOptional(classifierBias, classes, nameof(classifierBias));
        Spans.Require<float>(logits, (long)batch * classes * g.OutPlane, nameof(logits));
        int kk = g.Kernel * g.Kernel;
        fixed (float* px = x, pw = w, pb = b, pcw = classifierWeight, pcb = classifierBias, pl = logits, py = y)
        fixed (int* pi = indices)
        {
            var classify = new ClassifiedOutput { Output = pl, Weights = new WeightView(pcw, g.OutC, 1), Bias = pcb, Classes = classes };
            // From an unpool, on the unpooled input's nonzeros into y (or scratch), then the classifier over it; with one
            // vector block of channels each row is classified as it is written (y, if not given, is never written).
            if (pi != null && UnpooledForward.Applies(KernelOptions.Path, g, pool))
            {
                bool rows = g.OutC == 16;
                float* output = py != null || rows ? py : Workspace.Current.Get<float>(ScratchSlot.BandOutput, (long)batch * g.OutSize);
                if (UnpooledForward.Run(px, pi, pool, pw, pb, output, relu, batch, g, rows ? &classify : null))
                {
                    if (!rows) Pointwise.Run(output, g.OutC, classify.Weights, classify.Bias, classify.Output, classes, g.OutPlane, batch);
                    return;
                }
            }
            var unpool = new UnpooledInput { Values = px, Indices = pi, Pool = pool };
            Correlation.TransposedClassified(pi == null ? px : null, pi == null ? null : &unpool, g.InC, g.InH, g.InW,
                new WeightView(pw, kk, g.OutC * kk), pb, classify, g.OutC, g.OutH, g.OutW, g.Kernel, g.Stride, g.Padding, batch, relu, py);
        }
    }

    // Backward of a layer whose input is a MaxUnpool2d's output, given as ForwardFromUnpool takes it (pooled, indices, pool):
    // the weight gradient reads the unpooled input, which the channel-vectorized engine unpools row by row as it transposes it
    // (other engines, or argmax outside their cells, unpool into scratch first), so the unpooled tensor need not be kept.
    // dx, dw, db as Backward's.
    public static void BackwardFromUnpool(ReadOnlySpan<float> pooled, ReadOnlySpan<int> indices, in PoolGeometry pool,
        ReadOnlySpan<float> w, ReadOnlySpan<float> dy, Span<float> dx, Span<float> dw, Span<float> db, int batch, in ConvGeometry g)
    {
        RequireUnpooledBackward(pooled, indices, pool, w, dy, dw, db, batch, g);
        Spans.RequireOptional<float>(dx, (long)batch * g.InSize, nameof(dx));
        int kk = g.Kernel * g.Kernel;
        fixed (float* px = pooled, pw = w, pdy = dy, pdx = dx, pdw = dw, pdb = db)
        fixed (int* pi = indices)
        {
            // The weight gradient first: it rejects an index outside the plane before anything is written.
            var unpool = new UnpooledInput { Values = px, Indices = pi, Pool = pool };
            if (pdw != null)
                WeightGradient.Accumulate(null, g.InC, g.InH, g.InW, pdy, g.OutC, g.OutH, g.OutW,
                    g.Kernel, g.Stride, g.Padding, pdw, batch, &unpool);
            if (pdb != null) BiasGradientJob.Accumulate(pdy, pdb, batch, g.OutC, g.OutPlane);
            if (pdx != null)
                Correlation.Direct(pdy, g.OutC, g.OutH, g.OutW, new WeightView(pw, g.OutC * kk, kk), null,
                    pdx, g.InC, g.InH, g.InW, g.Kernel, g.Stride, g.Padding, batch);
        }
    }

    // BackwardFromUnpool with the unpool's backward too: dPooled [N, InC, pool.OutH, pool.OutW] (overwritten, skipped if
    // empty) is ∂loss/∂pooled, the layer's input gradient read at the argmax; dxThroughReLU: the pooled values are a ReLU's
    // output and dPooled that ReLU's input gradient, zero wherever pooled <= 0. On Vector512 a stride-1 layer with enough
    // taps × 16-channel blocks, or a 3×3 one to 16 channels, computes the input gradient at the argmax only (skipping shut gates) and the weight gradient
    // over the nonzero inputs only (UnpooledBackward); otherwise at stride 1 each band of the input gradient is gathered
    // from its thread's buffer (CorrelationBands). Either way the unpooled gradient is never written.
    public static void BackwardThroughUnpool(ReadOnlySpan<float> pooled, ReadOnlySpan<int> indices, in PoolGeometry pool,
        ReadOnlySpan<float> w, ReadOnlySpan<float> dy, Span<float> dPooled, Span<float> dw, Span<float> db, int batch, in ConvGeometry g,
        bool dxThroughReLU = false)
    {
        Spans.RequireOptional<float>(dPooled, (long)batch * pool.C * pool.OutPlane, nameof(dPooled));
        if (UnpooledBackward.Applies(KernelOptions.Path, g, pool))
        {
            RequireUnpooledBackward(pooled, indices, pool, w, dy, dw, db, batch, g);
            fixed (float* px = pooled, pw = w, pdy = dy, pdx = dPooled, pdw = dw, pdb = db)
            fixed (int* pi = indices)
            {
                // On the unpooled input's nonzeros (false: an argmax outside its cell, nothing written; the dense engines run).
                if (UnpooledBackward.Run(px, pi, pool, pw, pdy, pdx, dxThroughReLU, pdw, batch, g))
                {
                    if (pdb != null) BiasGradientJob.Accumulate(pdy, pdb, batch, g.OutC, g.OutPlane);
                    return;
                }
            }
        }
        BackwardFromUnpool(pooled, indices, pool, w, dy, default, dw, db, batch, g);
        if (dPooled.IsEmpty) return;
        int kk = g.Kernel * g.Kernel;
        fixed (float* px = pooled, pw = w, pdy = dy, pdx = dPooled)
        fixed (int* pi = indices)
        {
            var gather = new GatheredOutput { Output = pdx, Gate = dxThroughReLU ? px : null, Indices = pi, Pool = pool };
            Correlation.DirectGathered(pdy, g.OutC, g.OutH, g.OutW, new WeightView(pw, g.OutC * kk, kk), gather,
                g.InC, g.InH, g.InW, g.Kernel, g.Stride, g.Padding, batch);
        }
    }

    private static void RequireUnpooledBackward(ReadOnlySpan<float> pooled, ReadOnlySpan<int> indices, in PoolGeometry pool,
        ReadOnlySpan<float> w, ReadOnlySpan<float> dy, Span<float> dw, Span<float> db, int batch, in ConvGeometry g)
    {
        ConvArguments.RequireUnpooled(pooled, indices, pool, batch, g);
        Spans.Require(w, g.WeightSize, nameof(w));
        Spans.Require(dy, (long)batch * g.OutSize, nameof(dy));
        Spans.RequireOptional<float>(dw, g.WeightSize, nameof(dw));
        Spans.RequireOptional<float>(db, g.OutC, nameof(db));
    }

    // dy: [N, OutC, OutH, OutW] -> dx: [N, InC, InH, InW] (overwritten, skipped if empty), dw += [InC, OutC, K, K], db += [OutC];
    // dxThroughReLU as in Conv2dKernel.Backward
    public static void Backward(ReadOnlySpan<float> x, ReadOnlySpan<float> w, ReadOnlySpan<float> dy, Span<float> dx, Span<float> dw, Span<float> db, int batch, in ConvGeometry g,
        bool dxThroughReLU = false)
    {
        ConvArguments.RequireBackward(x, w, dy, dx, dw, db, batch, g);
        int kk = g.Kernel * g.Kernel;
        fixed (float* px = x, pw = w, pdy = dy, pdx = dx, pdw = dw, pdb = db)
        {
            if (pdb != null) BiasGradientJob.Accumulate(pdy, pdb, batch, g.OutC, g.OutPlane);
            // dw[ci, co] correlates x[ci] with dy[co] read at the positions x[ci] was scattered to.
            if (pdw != null)
                WeightGradient.Accumulate(px, g.InC, g.InH, g.InW, pdy, g.OutC, g.OutH, g.OutW,
                    g.Kernel, g.Stride, g.Padding, pdw, batch);
            if (pdx != null)
                Correlation.Direct(pdy, g.OutC, g.OutH, g.OutW, new WeightView(pw, g.OutC * kk, kk), null,
                    pdx, g.InC, g.InH, g.InW, g.Kernel, g.Stride, g.Padding, batch, gate: dxThroughReLU ? px : null);
        }
    }
}

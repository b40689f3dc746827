// Conv2d, forward and backward, on the correlation and weight-gradient engines. The input gradient is the transposed
// convolution of dy with the same weights, so it shares ConvTranspose2d's phase-split path.
using NetGen.Model;

namespace NetGen.Kernels;

public static unsafe class Conv2dKernel
{
    // x: [N, InC, InH, InW], w: [OutC, InC, K, K], b: [OutC] or empty -> y: [N, OutC, OutH, OutW]; relu: y = max(y, 0) in the
    // same store, so a following ReLU costs no pass of its own (generated networks fuse it in inference only)
    public static void Forward(ReadOnlySpan<float> x, ReadOnlySpan<float> w, ReadOnlySpan<float> b, Span<float> y, int batch, in ConvGeometry g, bool relu = false)
    {
        ConvArguments.RequireForward(x, w, b, y, batch, g);
        int kk = g.Kernel * g.Kernel;
        fixed (float* px = x, pw = w, pb = b, py = y)
            Correlation.Direct(px, g.InC, g.InH, g.InW, new WeightView(pw, g.InC * kk, kk), pb,
                py, g.OutC, g.OutH, g.OutW, g.Kernel, g.Stride, g.Padding, batch, relu);
    }

    // Forward then MaxPool2dKernel.Forward in one call: -> pooled, indices: [N, OutC, pool.OutH, pool.OutW], pool: the pool's
    // geometry (pool.C = OutC, pool.InH × pool.InW = OutH × OutW); the same values and argmax bit for bit, y never made.
    // A stride-1 layer with a pool whose kernel is its stride pools each band of output rows from its thread's buffer, so
    // y (the size of this layer's output) is neither written nor read back; others compute y into scratch first.
    public static void ForwardPooled(ReadOnlySpan<float> x, ReadOnlySpan<float> w, ReadOnlySpan<float> b, Span<float> pooled, Span<int> indices,
        int batch, in ConvGeometry g, in PoolGeometry pool, bool relu = false)
    {
        if (pool.C != g.OutC || pool.InH != g.OutH || pool.InW != g.OutW)
            throw new ArgumentException($"pool reads {pool.C}×{pool.InH}×{pool.InW} but the layer's output is {g.OutC}×{g.OutH}×{g.OutW}.", nameof(pool));
        Spans.Require(x, (long)batch * g.InSize, nameof(x));
        Spans.Require(w, g.WeightSize, nameof(w));
        Spans.RequireOptional(b, g.OutC, nameof(b));
        Spans.Require<float>(pooled, (long)batch * pool.OutSize, nameof(pooled));
        Spans.Require<int>(indices, (long)batch * pool.OutSize, nameof(indices));
        int kk = g.Kernel * g.Kernel;
        fixed (float* px = x, pw = w, pb = b, pp = pooled)
        fixed (int* pi = indices)
            Correlation.DirectPooled(px, g.InC, g.InH, g.InW, new WeightView(pw, g.InC * kk, kk), pb,
                new PooledOutput { Values = pp, Indices = pi, Pool = pool }, g.OutC, g.OutH, g.OutW, g.Kernel, g.Stride, g.Padding, batch, relu);
    }

    // Backward with the MaxPool2d after the layer (and the ReLU between, with throughReLU) in one call: pooledDy, pooledY,
    // indices [N, OutC, pool.OutH, pool.OutW] (the pool's output gradient, its output and argmax; pool.InH × pool.InW =
    // OutH × OutW) stand for dy, which is the pool's backward of pooledDy (zero where pooledY <= 0 with throughReLU). A one-channel
    // 3×3 layer without dx (a network's first) reads its weight gradient's dy straight from the pooled values and argmax
    // (WeightGradientNineTaps.AccumulatePooled), so the full-size dy is never made; otherwise dy is made in scratch.
    public static void BackwardThroughPool(ReadOnlySpan<float> x, ReadOnlySpan<float> w, ReadOnlySpan<float> pooledDy, ReadOnlySpan<float> pooledY,
        ReadOnlySpan<int> indices, in PoolGeometry pool, Span<float> dx, Span<float> dw, Span<float> db, int batch, in ConvGeometry g,
        bool throughReLU = false, bool dxThroughReLU = false)
    {
        if (pool.C != g.OutC || pool.InH != g.OutH || pool.InW != g.OutW)
            throw new ArgumentException($"pool reads {pool.C}×{pool.InH}×{pool.InW} but the layer's output is {g.OutC}×{g.OutH}×{g.OutW}.", nameof(pool));
        long pooled = (long)batch * pool.OutSize;
        Spans.Require(pooledDy, pooled, nameof(pooledDy));
        Spans.Require(indices, pooled, nameof(indices));
        if (throughReLU) Spans.Require(pooledY, pooled, nameof(pooledY));
        Spans.Require(x, (long)batch * g.InSize, nameof(x));
        Spans.Require(w, g.WeightSize, nameof(w));
        Spans.RequireOptional(dx, (long)batch * g.InSize, nameof(dx));
        Spans.RequireOptional(dw, g.WeightSize, nameof(dw));
        Spans.RequireOptional(db, g.OutC, nameof(db));
        if (dx.IsEmpty && WeightGradientNineTaps.AppliesPooled(KernelOptions.Path, g, pool))
        {
            fixed (float* px = x, pdy = pooledDy, py = pooledY, pdw = dw, pdb = db)
            fixed (int* pi = indices)
                if (WeightGradientNineTaps.AccumulatePooled(pdy, throughReLU ? py : null, pi, pool, px, g, pdw, pdb, batch))
                    return;
        }
        // The general way, or argmax outside their cells: dy made in scratch (the pool's backward, as MaxPool2dKernel's).
        float* scratch = Workspace.Current.Get<float>(ScratchSlot.PooledGradient, (long)batch * g.OutSize);
        var dy = new Span<float>(scratch, checked((int)((long)batch * g.OutSize)));
        if (throughReLU) MaxPool2dKernel.BackwardThroughReLU(pooledDy, pooledY, indices, dy, batch, pool);
        else MaxPool2dKernel.Backward(pooledDy, indices, dy, batch, pool);
        Backward(x, w, dy, dx, dw, db, batch, g, dxThroughReLU);
    }

    // dy: [N, OutC, OutH, OutW] -> dx: [N, InC, InH, InW] (overwritten, skipped if empty), dw += [OutC, InC, K, K], db += [OutC];
    // dxThroughReLU: x is a ReLU's output and dx that ReLU's input gradient, zero wherever x <= 0 (the ReLU's backward, stored
    // in the same pass)
    public static void Backward(ReadOnlySpan<float> x, ReadOnlySpan<float> w, ReadOnlySpan<float> dy, Span<float> dx, Span<float> dw, Span<float> db, int batch, in ConvGeometry g,
        bool dxThroughReLU = false)
    {
        ConvArguments.RequireBackward(x, w, dy, dx, dw, db, batch, g);
        int kk = g.Kernel * g.Kernel;
        fixed (float* px = x, pw = w, pdy = dy, pdx = dx, pdw = dw, pdb = db)
        {
            // A 1×1 layer with few outputs (a classifier): all three gradients in one pass over the pixels.
            if (g.Kernel == 1 && g.Stride == 1 && g.Padding == 0 && g.OutC <= PointwiseBackwardJob.MaxOutC && batch > 0)
            {
                PointwiseBackwardJob.Run(px, g.InC, pdy, g.OutC, pw, pdx, pdw, pdb, g.OutPlane, batch, dxThroughReLU);
                return;
            }
            if (pdb != null) BiasGradientJob.Accumulate(pdy, pdb, batch, g.OutC, g.OutPlane);
            if (pdw != null)
                WeightGradient.Accumulate(pdy, g.OutC, g.OutH, g.OutW, px, g.InC, g.InH, g.InW,
                    g.Kernel, g.Stride, g.Padding, pdw, batch);
            // dx[ci] gathers dy[co]·w[co, ci] exactly where the forward pass scattered: a transposed convolution.
            if (pdx != null)
                Correlation.Transposed(pdy, g.OutC, g.OutH, g.OutW, new WeightView(pw, kk, g.InC * kk), null,
                    pdx, g.InC, g.InH, g.InW, g.Kernel, g.Stride, g.Padding, batch, gate: dxThroughReLU ? px : null);
        }
    }
}

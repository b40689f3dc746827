// Calls every kernel engine once per instruction-set path, on the shapes that pick each tile (the 4-channel correlation
// tile and its whole-row variants, the one-channel and two-channel ones, the nine-tap rows, the strided grid, the 1×1 kernels, both weight-gradient
// engines and their nine-tap variant, pooled, unpooled and classified bands, Winograd's products), so that a child process started with
// DOTNET_JitDisasm compiles, and lists, every hot loop the runtime has. Results are not checked here: the kernel tests do.
using NetGen.Kernels;
using NetGen.Model;

namespace NetGen.Runtime.Tests.Codegen;

internal static class HotLoopDriver
{
    public const string Argument = "--hot-loops";

    /// <summary>Runs every engine `rounds` times (the tiered JIT recompiles a method at tier 1 after 30 calls).</summary>
    public static void Run(int rounds)
    {
        for (int round = 0; round < rounds; round++) RunOnce();
    }

    private static void RunOnce()
    {
        foreach (int width in new[] { 512, 256, 1 })
        foreach (int threads in new[] { 1, 2 })
        foreach (bool direct in width == 512 ? new[] { false, true } : [false])
        {
            using var scope = KernelOptions.Override(width, threads);
            // On Vector512 the 3×3 layers on rows of whole vectors take Winograd's products (grid tiles of 1–6 vectors into
            // memory); the direct tiles still run those shapes where Winograd is turned off.
            using var engine = direct ? KernelOptions.DirectOnly() : default;
            // 4-channel tiles over bands (forward, input gradient, weight gradient by position and by channel).
            Convolution(16, 32, 3, 32, 32, 1, 1, batch: 1);
            Convolution(32, 64, 3, 16, 16, 1, 1, batch: 2);
            Convolution(64, 64, 7, 23, 30, 1, 3, batch: 1);
            // Rows of 64: Winograd's tiles of 4×4 (forward, input gradient).
            Convolution(16, 16, 3, 8, 64, 1, 1, batch: 1);
            // Rows of 16, 32 and 48 outputs: whole-row tiles, every shorter last tile (heights 7–11, 4–5 and 3).
            foreach (int h in new[] { 7, 8, 9, 10, 11 }) Convolution(4, 8, 3, h, 16, 1, 1, batch: 1);
            foreach (int h in new[] { 4, 5 }) Convolution(4, 8, 3, h, 32, 1, 1, batch: 1);
            Convolution(4, 8, 3, 3, 48, 1, 1, batch: 1);
            // A first layer: the nine-tap rows (forward, weight gradient) and a one-channel input gradient.
            Convolution(1, 16, 3, 64, 64, 1, 1, batch: 1);
            Convolution(3, 16, 7, 45, 60, 1, 3, batch: 1);
            // Strided (the phase grid) and 1×1 (pointwise).
            Convolution(8, 16, 3, 20, 22, 2, 1, batch: 1);
            Convolution(16, 8, 1, 20, 20, 1, 0, batch: 1);
            // A two-class 1×1 layer (a classifier in training): the two-channel tile.
            Convolution(16, 2, 1, 20, 20, 1, 0, batch: 1);
            // Pooled, unpooled and classified bands.
            Pooled(16, 32, 32, 32);
            Pooled(1, 16, 64, 64);
            Pooled(3, 16, 64, 64);
            Unpooled(16, 16, 32, 32, classes: 2);
            Unpooled(32, 16, 16, 16, classes: 11);
            Unpooled(16, 16, 24, 40, classes: 3);
        }
    }

    private static void Convolution(int inC, int outC, int k, int h, int w, int s, int p, int batch)
    {
        var g = new ConvGeometry(inC, h, w, outC, ConvGeometry.ConvOut(h, k, s, p), ConvGeometry.ConvOut(w, k, s, p), k, s, p);
        var x = Filled(batch * g.InSize);
        var weights = Filled(g.WeightSize);
        var bias = Filled(outC);
        var y = new float[batch * g.OutSize];
        Conv2dKernel.Forward(x, weights, bias, y, batch, g, relu: true);
        Conv2dKernel.Backward(x, weights, y, new float[x.Length], new float[weights.Length], new float[outC], batch, g);
        if (s == 1 && k > 1)
        {
            // The mirrored transposed convolution (output back to the input's size).
            var d = new ConvGeometry(outC, g.OutH, g.OutW, inC, h, w, k, s, p);
            var back = new float[batch * d.OutSize];
            ConvTranspose2dKernel.Forward(y, weights, Filled(inC), back, batch, d, relu: true);
            ConvTranspose2dKernel.Backward(y, weights, back, new float[y.Length], new float[weights.Length], new float[inC], batch, d);
        }
    }

    private static void Pooled(int inC, int outC, int h, int w)
    {
        var g = new ConvGeometry(inC, h, w, outC, h, w, 3, 1, 1);
        var pool = new PoolGeometry(outC, h, w, h / 2, w / 2, 2, 2);
        Conv2dKernel.ForwardPooled(Filled(g.InSize), Filled(g.WeightSize), Filled(outC), new float[pool.OutSize], new int[pool.OutSize], 1, g, pool, relu: true);
    }

    private static void Unpooled(int inC, int outC, int h, int w, int classes)
    {
        var pool = new PoolGeometry(inC, h, w, h / 2, w / 2, 2, 2);
        var pooled = Filled(pool.OutSize);
        var indices = new int[pool.OutSize];
        MaxPool2dKernel.Forward(Filled(pool.InSize), pooled, indices, 1, pool);
        var g = new ConvGeometry(inC, h, w, outC, h, w, 3, 1, 1);
        var weights = Filled(g.WeightSize);
        var y = new float[g.OutSize];
        ConvTranspose2dKernel.ForwardFromUnpool(pooled, indices, pool, weights, Filled(outC), y, 1, g, relu: true);
        ConvTranspose2dKernel.BackwardFromUnpool(pooled, indices, pool, weights, y, new float[g.InSize], new float[g.WeightSize], new float[outC], 1, g);
        ConvTranspose2dKernel.ForwardFromUnpoolClassified(pooled, indices, pool, weights, Filled(outC), Filled(classes * outC),
            Filled(classes), new float[classes * h * w], 1, g, classes, relu: true);
    }

    private static float[] Filled(long length)
    {
        var values = new float[length];
        for (long i = 0; i < length; i++) values[i] = (i * 7919 % 1000) / 1000f - 0.5f;
        return values;
    }
}

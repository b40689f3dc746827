// Moves test data between NetGen's flat NCHW arrays and torch tensors, and makes the deterministic random inputs.
using static TorchSharp.torch;

namespace NetGen.Interop.Tests.Support;

public static class TorchData
{
    /// <summary>A float32 tensor holding a copy of <paramref name="data"/>; a leaf that records gradients when asked.</summary>
    public static Tensor ToTorch(float[] data, long[] shape, bool requiresGrad = false)
    {
        using var shared = tensor(data, shape);
        var copy = shared.clone();
        return requiresGrad ? copy.requires_grad_() : copy;
    }

    /// <summary>A copy of the values; callers run inside a dispose scope, which frees the intermediate tensors.</summary>
    public static float[] ToArray(Tensor t) => t.detach().contiguous().data<float>().ToArray();

    /// <summary>The gradient autograd left in a leaf tensor.</summary>
    public static float[] Grad(Tensor leaf) =>
        ToArray(leaf.grad ?? throw new InvalidOperationException("the tensor received no gradient"));

    /// <summary>Uniform values in [−scale, scale), fixed by the seed.</summary>
    public static float[] Random(int seed, int count, float scale = 1f)
    {
        var rng = new Random(seed);
        var values = new float[count];
        for (int i = 0; i < count; i++) values[i] = (float)((rng.NextDouble() * 2 - 1) * scale);
        return values;
    }
}

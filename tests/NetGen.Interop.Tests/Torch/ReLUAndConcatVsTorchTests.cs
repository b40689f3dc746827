// ReLU and channel Concat reference ops against libtorch's relu / cat, forward and backward.
using NetGen.Reference;
using static NetGen.Interop.Tests.Support.TorchData;
using static NetGen.Interop.Tests.Support.Tolerance;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace NetGen.Interop.Tests.Torch;

public sealed class ReLUAndConcatVsTorchTests
{
    [Fact]
    public void ReLU_MatchesTorch()
    {
        using var scope = NewDisposeScope();
        float[] x = Random(41, 2 * 3 * 5 * 4), dy = Random(42, x.Length);
        var y = new float[x.Length];
        ReLURef.Forward<float>(x, y);
        var dx = new float[x.Length];
        ReLURef.Backward<float>(y, dy, dx);

        var tx = ToTorch(x, [2, 3, 5, 4], requiresGrad: true);
        var ty = F.relu(tx);
        ty.backward([ToTorch(dy, ty.shape)]);

        AssertClose(ToArray(ty), y, Float32, "y");
        AssertClose(Grad(tx), dx, Float32, "dx");
    }

    [Fact]
    public void Concat_MatchesTorch()
    {
        using var scope = NewDisposeScope();
        const int batch = 2, aChannels = 3, bChannels = 2, h = 4, w = 3, plane = h * w;
        float[] a = Random(43, batch * aChannels * plane), b = Random(44, batch * bChannels * plane);
        float[] dy = Random(45, batch * (aChannels + bChannels) * plane);
        var y = new float[dy.Length];
        ConcatRef.Forward<float>(a, b, y, batch, aChannels, bChannels, plane);
        float[] da = new float[a.Length], db = new float[b.Length];
        ConcatRef.Backward<float>(dy, da, db, batch, aChannels, bChannels, plane);

        var ta = ToTorch(a, [batch, aChannels, h, w], requiresGrad: true);
        var tb = ToTorch(b, [batch, bChannels, h, w], requiresGrad: true);
        var ty = cat([ta, tb], dim: 1);
        ty.backward([ToTorch(dy, ty.shape)]);

        AssertClose(ToArray(ty), y, Float32, "y");
        AssertClose(Grad(ta), da, Float32, "da");
        AssertClose(Grad(tb), db, Float32, "db");
    }
}

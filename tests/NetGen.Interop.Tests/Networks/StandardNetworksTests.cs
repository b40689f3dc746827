// The benchmark networks (SegNet-Basic, the tiny hourglass) at small sizes: libtorch and ONNX Runtime, fed the same layer
// table and weights, must agree, so the benchmarks compare engines doing the same work.
using static NetGen.Interop.Tests.Support.TorchData;
using static NetGen.Interop.Tests.Support.Tolerance;
using static TorchSharp.torch;

namespace NetGen.Interop.Tests.Networks;

public sealed class StandardNetworksTests
{
    [Theory]
    [InlineData("SegNetBasic", 23, 30)]   // every pool meets an odd size: 23 → 11 → 5 → 2 → 1
    [InlineData("TinyHourglass", 32, 32)]
    public void TorchAndOnnxRuntime_Agree(string network, int height, int width)
    {
        using var scope = NewDisposeScope();
        var info = network == "SegNetBasic" ? StandardNetworks.SegNetBasic(height, width) : StandardNetworks.TinyHourglass(height);
        var parameters = StandardNetworks.Parameters(info, seed: 91);
        float[] x = Random(92, info.Input.Size);

        using var ort = new OnnxRuntimeNetwork(info, parameters, batch: 1);
        x.CopyTo(ort.Input, 0);
        ort.Run();

        using var torchNet = new TorchNetwork(info, parameters);
        using var noGrad = no_grad();
        var logits = torchNet.Forward(ToTorch(x, [1, info.Input.C, height, width]), training: false);

        Assert.Equal([1L, info.Classes, height, width], logits.shape);
        AssertClose(ToArray(logits), ort.Output, Float32, $"{network} logits");
    }
}

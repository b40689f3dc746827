// A whole network through NetGen's reference interpreter and through libtorch, in training mode: logits, loss, every
// parameter gradient, the input gradient and the running statistics batch norm leaves behind.
using NetGen.Losses;
using NetGen.Model;
using NetGen.Reference;
using static NetGen.Interop.Tests.Support.TorchData;
using static NetGen.Interop.Tests.Support.Tolerance;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace NetGen.Interop.Tests.Networks;

public sealed class NetworkVsTorchTests
{
    [Fact]
    public void TrainingStep_AllKinds_MatchesTorch()
    {
        using var scope = NewDisposeScope();
        const int batch = 2;
        var info = TestNetworks.AllKinds();
        var parameters = StandardNetworks.Parameters(info, seed: 61);
        var logitsShape = info.Layers[^1].Output;
        float[] x = Random(62, batch * info.Input.Size);
        var rng = new Random(63);
        int[] labels = Enumerable.Range(0, batch * logitsShape.H * logitsShape.W).Select(_ => rng.Next(info.Classes)).ToArray();

        var reference = new ReferenceNetwork<float>(info, batch) { RequiresInputGrad = true };
        reference.LoadFrom(parameters);
        float[] logits = reference.Forward(x, batch, training: true).ToArray();
        var dlogits = new float[logits.Length];
        float loss = SoftmaxCrossEntropyRef.Forward<float>(logits, labels, dlogits, batch, logitsShape);
        reference.Backward(dlogits, batch);

        using var torchNet = new TorchNetwork(info, parameters);
        var tx = ToTorch(x, [batch, info.Input.C, info.Input.H, info.Input.W], requiresGrad: true);
        var tLogits = torchNet.Forward(tx, training: true);
        var tLoss = F.cross_entropy(tLogits, tensor(Array.ConvertAll(labels, l => (long)l), [batch, logitsShape.H, logitsShape.W]));
        tLoss.backward();

        AssertClose(ToArray(tLogits), logits, Float32, "logits");
        AssertClose([tLoss.item<float>()], [loss], Float32, "loss");
        AssertClose(Grad(tx), reference.InputGrad, Float32, "input gradient");
        // A conv bias followed by batch norm has a true gradient of zero (the mean is subtracted again), so both engines
        // return rounding noise there; it is held to the scale of the network's largest gradient.
        double gradientScale = info.Parameters.Where(p => p.Trainable).Max(p => Grad(torchNet[p.Name]).Max(MathF.Abs));
        foreach (var p in info.Parameters)
        {
            if (p.Trainable)
                AssertClose(Grad(torchNet[p.Name]), reference.GetGradient(p.Name), Float32, $"gradient of {p.Name}", gradientScale);
            else
                AssertClose(ToArray(torchNet[p.Name]), reference.GetParameter(p.Name), Float32, p.Name);
        }
    }

    [Fact]
    public void Inference_AllKinds_MatchesTorch()
    {
        using var scope = NewDisposeScope();
        const int batch = 3;
        var info = TestNetworks.AllKinds();
        var parameters = StandardNetworks.Parameters(info, seed: 64);
        float[] x = Random(65, batch * info.Input.Size);

        var reference = new ReferenceNetwork<float>(info, batch);
        reference.LoadFrom(parameters);
        float[] logits = reference.Forward(x, batch, training: false).ToArray();

        using var torchNet = new TorchNetwork(info, parameters);
        using var noGrad = no_grad();
        var tLogits = torchNet.Forward(ToTorch(x, [batch, info.Input.C, info.Input.H, info.Input.W]), training: false);

        AssertClose(ToArray(tLogits), logits, Float32, "logits");
    }
}

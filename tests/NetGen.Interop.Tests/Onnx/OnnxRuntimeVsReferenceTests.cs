// Whole networks exported with NetGen's OnnxExporter and run by ONNX Runtime, against NetGen's reference interpreter
// (inference mode: batch norm with running statistics).
using NetGen.Interop.Tests.Networks;
using NetGen.Model;
using NetGen.Reference;
using static NetGen.Interop.Tests.Support.TorchData;
using static NetGen.Interop.Tests.Support.Tolerance;

namespace NetGen.Interop.Tests.Onnx;

public sealed class OnnxRuntimeVsReferenceTests
{
    public static TheoryData<string, int> Cases => new()
    {
        { nameof(TestNetworks.AllKinds), 1 },
        { nameof(TestNetworks.AllKinds), 3 },
        { nameof(TestNetworks.OddSizes), 2 },
        { "TinyHourglass16", 2 },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Forward_MatchesReference(string network, int batch)
    {
        var info = network switch
        {
            nameof(TestNetworks.AllKinds) => TestNetworks.AllKinds(),
            nameof(TestNetworks.OddSizes) => TestNetworks.OddSizes(),
            _ => StandardNetworks.TinyHourglass(16),
        };
        var parameters = StandardNetworks.Parameters(info, seed: 71);
        float[] x = Random(72, batch * info.Input.Size);

        var reference = new ReferenceNetwork<float>(info, batch);
        reference.LoadFrom(parameters);
        float[] want = reference.Forward(x, batch, training: false).ToArray();

        using var ort = new OnnxRuntimeNetwork(info, parameters, batch);
        x.CopyTo(ort.Input, 0);
        ort.Run();

        AssertClose(want, ort.Output, Float32, $"{network} logits");
    }
}

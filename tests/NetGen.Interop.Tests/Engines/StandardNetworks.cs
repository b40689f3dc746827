// The networks NetGen is benchmarked on, as layer tables, so libtorch, ONNX Runtime and NetGen's generated code run the
// same layers with the same weights.
using NetGen.Model;

namespace NetGen.Interop;

public static class StandardNetworks
{
    /// <summary>SegNet-Basic: 4 × [conv 7×7 p3 64 + BN + ReLU + maxpool 2], mirrored 4 × [maxunpool + deconv 7×7 p3 64 + BN + ReLU],
    /// then a 1×1 classifier to 11 classes (CamVid). At 360×480 the fourth pool takes 45 rows to 22, and its unpool back to 45.</summary>
    public static NetworkInfo SegNetBasic(int height = 360, int width = 480, int classes = 11)
    {
        var b = new NetworkBuilder($"SegNetBasic{height}x{width}", new Shape(3, height, width), classes);
        for (int i = 0; i < 4; i++) b.Conv2d(64, 7, padding: 3).BatchNorm2d().ReLU().MaxPool2d(2);
        for (int i = 0; i < 4; i++) b.MaxUnpool2d().ConvTranspose2d(64).BatchNorm2d().ReLU();
        return b.Classifier();
    }

    /// <summary>A tiny hourglass on one channel: 3×3 p1 convs 16-32-64 with a pool after the first two, mirrored deconvs
    /// 64→32→16 with unpools, and a 1×1 classifier to 2 classes.</summary>
    public static NetworkInfo TinyHourglass(int size = 64)
    {
        return new NetworkBuilder($"TinyHourglass{size}", new Shape(1, size, size), classes: 2)
            .Conv2d(16, 3, padding: 1).ReLU().MaxPool2d(2)
            .Conv2d(32, 3, padding: 1).ReLU().MaxPool2d(2)
            .Conv2d(64, 3, padding: 1).ReLU()
            .ConvTranspose2d(32).ReLU().MaxUnpool2d()
            .ConvTranspose2d(16).ReLU().MaxUnpool2d()
            .ConvTranspose2d(16).ReLU()
            .Classifier();
    }

    /// <summary>Parameters for <paramref name="network"/>: He-initialized weights, and batch-norm affine terms and running
    /// statistics drawn away from their identity values, so that inference-mode batch norm is actually exercised.</summary>
    public static ParameterSet Parameters(NetworkInfo network, int seed)
    {
        var parameters = new ParameterSet(network.Parameters);
        parameters.Initialize(network, seed);
        var rng = new Random(seed + 1);
        foreach (var p in parameters.All)
        {
            string suffix = p.Name[(p.Name.LastIndexOf('.') + 1)..];
            bool batchNorm = network.Layers[p.Info.Layer].Kind == LayerKind.BatchNorm2d;
            for (int i = 0; i < p.Value.Length; i++)
            {
                float u = (float)rng.NextDouble();
                p.Value[i] = (batchNorm, suffix) switch
                {
                    (true, "weight") => 0.5f + u,
                    (true, "running_var") => 0.5f + u,
                    (_, "bias") or (true, "running_mean") => 0.2f * (u - 0.5f),
                    _ => p.Value[i],
                };
            }
        }
        return parameters;
    }
}

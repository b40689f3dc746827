// The networks under test as xunit theory data, plus seeded random data: inputs, upstream gradients and parameters that
// move batch norm and biases away from their identity/zero initial values so every parameter matters.
using NetGen.Model;

namespace NetGen.EndToEnd.Tests;

public static class NetworkCases
{
    public const int MaxBatch = 3;

    public static ISegmentationNetwork Create(string name, int maxBatch = MaxBatch, int seed = 7) => name switch
    {
        nameof(TinyHourglassNet) => new TinyHourglassNet(maxBatch, seed),
        nameof(OddStride2Net) => new OddStride2Net(maxBatch, seed),
        nameof(SkipUNet) => new SkipUNet(maxBatch, seed),
        nameof(FusedEpilogueNet) => new FusedEpilogueNet(maxBatch, seed),
        nameof(TrainingFusionNet) => new TrainingFusionNet(maxBatch, seed),
        nameof(PooledConvNet) => new PooledConvNet(maxBatch, seed),
        nameof(SparseDecoderNet) => new SparseDecoderNet(maxBatch, seed),
        nameof(NarrowDecoderNet) => new NarrowDecoderNet(maxBatch, seed),
        _ => throw new ArgumentException($"unknown network {name}", nameof(name)),
    };

    public static TheoryData<string> Names => new() { nameof(TinyHourglassNet), nameof(OddStride2Net), nameof(SkipUNet), nameof(FusedEpilogueNet),
        nameof(TrainingFusionNet), nameof(PooledConvNet), nameof(SparseDecoderNet),
        nameof(NarrowDecoderNet) };

    /// <summary>Every network with a batch of one, a partial batch and a full one.</summary>
    public static TheoryData<string, int> NamesAndBatches
    {
        get
        {
            var data = new TheoryData<string, int>();
            foreach (string name in Names)
                foreach (int batch in new[] { 1, 2, MaxBatch })
                    data.Add(name, batch);
            return data;
        }
    }

    public static float[] Gaussian(int count, int seed, double scale = 1.0)
    {
        var rng = new Random(seed);
        var values = new float[count];
        for (int i = 0; i < count; i++)
        {
            double u1 = 1.0 - rng.NextDouble(), u2 = rng.NextDouble();
            values[i] = (float)(scale * Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2));
        }
        return values;
    }

    /// <summary>Random biases, batch-norm scale/shift and running statistics; conv weights keep their He init.</summary>
    public static void Perturb(ISegmentationNetwork network, int seed)
    {
        var rng = new Random(seed);
        foreach (var p in network.Parameters.All)
        {
            string suffix = p.Name[(p.Name.LastIndexOf('.') + 1)..];
            bool isBatchNorm = network.Info.Layers[p.Info.Layer].Kind == LayerKind.BatchNorm2d;
            for (int i = 0; i < p.Value.Length; i++)
            {
                double u = rng.NextDouble();
                switch (suffix)
                {
                    case "bias": p.Value[i] = (float)(0.2 * (u - 0.5)); break;
                    case "running_mean": p.Value[i] = (float)(0.4 * (u - 0.5)); break;
                    case "running_var": p.Value[i] = (float)(0.5 + u); break;
                    case "weight" when isBatchNorm: p.Value[i] = (float)(0.5 + u); break;
                }
            }
        }
    }
}

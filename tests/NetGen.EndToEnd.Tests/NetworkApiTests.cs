// The ISegmentationNetwork contract of generated networks apart from numerics: argument checks with one-line messages,
// Backward's precondition, Predict, gradient accumulation, seeded initialization and allocation-free passes.
using NetGen.Model;

namespace NetGen.EndToEnd.Tests;

public class NetworkApiTests
{
    [Theory]
    [MemberData(nameof(NetworkCases.Names), MemberType = typeof(NetworkCases))]
    public void PredictIsTheArgmaxOfTheLogits(string name)
    {
        var network = NetworkCases.Create(name);
        NetworkCases.Perturb(network, seed: 3);
        const int batch = 2;
        float[] input = NetworkCases.Gaussian(batch * network.Info.Input.Size, seed: 21);
        var output = network.Info.Layers[^1].Output;
        int plane = output.H * output.W;

        var classes = new int[batch * plane];
        network.Predict(input, batch, classes);
        float[] logits = network.Forward(input, batch).ToArray();

        for (int n = 0; n < batch; n++)
            for (int p = 0; p < plane; p++)
            {
                int best = 0;
                for (int c = 1; c < network.Info.Classes; c++)
                    if (logits[(n * output.C + c) * plane + p] > logits[(n * output.C + best) * plane + p]) best = c;
                Assert.Equal(best, classes[n * plane + p]);
            }
        Assert.True(classes.Distinct().Count() > 1, "a random input should not put every pixel in one class");
    }

    [Theory]
    [MemberData(nameof(NetworkCases.Names), MemberType = typeof(NetworkCases))]
    public void BackwardAfterInferenceForwardThrows(string name)
    {
        var network = NetworkCases.Create(name);
        float[] input = NetworkCases.Gaussian(network.Info.Input.Size, seed: 1);
        float[] logitsGrad = new float[LogitsSize(network)];

        Assert.Throws<InvalidOperationException>(() => network.Backward(logitsGrad, 1));
        network.Forward(input, 1, training: true);
        network.Forward(input, 1, training: false);
        var error = Assert.Throws<InvalidOperationException>(() => network.Backward(logitsGrad, 1));
        Assert.Contains("training", error.Message);
    }

    [Fact]
    public void WrongSizesThrowWithOneLineMessages()
    {
        var network = new TinyHourglassNet(maxBatch: 2);
        int inputSize = TinyHourglassNet.InputChannels * TinyHourglassNet.Height * TinyHourglassNet.Width;
        int logitsSize = TinyHourglassNet.Classes * TinyHourglassNet.Height * TinyHourglassNet.Width;

        var input = Assert.Throws<ArgumentException>(() => network.Forward(new float[inputSize + 1], 1));
        AssertOneLine(input, $"{inputSize + 1}", $"{inputSize}");
        AssertOneLine(Assert.Throws<ArgumentOutOfRangeException>(() => network.Forward(new float[3 * inputSize], 3)), "3");
        AssertOneLine(Assert.Throws<ArgumentOutOfRangeException>(() => network.Forward(Array.Empty<float>(), 0)), "0");
        AssertOneLine(Assert.Throws<ArgumentOutOfRangeException>(() => new TinyHourglassNet(maxBatch: 0)), "0");

        var predict = Assert.Throws<ArgumentException>(() => network.Predict(new float[inputSize], 1, new int[5]));
        AssertOneLine(predict, "5", $"{TinyHourglassNet.Height * TinyHourglassNet.Width}");

        network.Forward(new float[2 * inputSize], 2, training: true);
        AssertOneLine(Assert.Throws<ArgumentException>(() => network.Backward(new float[logitsSize], 2)), $"{logitsSize}", $"{2 * logitsSize}");
        AssertOneLine(Assert.Throws<ArgumentException>(() => network.Backward(new float[logitsSize], 1)), "1", "2");
    }

    [Fact]
    public void BackwardAddsIntoParameterGradientsUntilZeroGrad()
    {
        var network = new SkipUNet(maxBatch: 1);
        float[] input = NetworkCases.Gaussian(network.Info.Input.Size, seed: 31);
        float[] logitsGrad = NetworkCases.Gaussian(LogitsSize(network), seed: 32);

        network.Forward(input, 1, training: true);
        network.Backward(logitsGrad, 1);
        float[][] once = network.Parameters.All.Select(p => p.Grad.ToArray()).ToArray();
        network.Backward(logitsGrad, 1);

        for (int i = 0; i < network.Parameters.Count; i++)
            for (int j = 0; j < once[i].Length; j++)
                Assert.Equal(2 * once[i][j], network.Parameters[i].Grad[j], 1e-5f * Math.Max(1, Math.Abs(once[i][j])));
        Assert.Contains(once, g => g.Any(v => v != 0));

        network.ZeroGrad();
        Assert.All(network.Parameters.All, p => Assert.All(p.Grad, v => Assert.Equal(0f, v)));
    }

    [Fact]
    public void InitializationIsDeterministicPerSeed()
    {
        float[] Weights(int seed) => new TinyHourglassNet(seed: seed).Parameters["conv2.weight"].Value;

        Assert.Equal(Weights(1), Weights(1));
        Assert.NotEqual(Weights(1), Weights(2));
        Assert.Equal(
            new TinyHourglassNet(seed: 4).Parameters.All.SelectMany(p => p.Value),
            new TinyHourglassNet(seed: 4).Parameters.All.SelectMany(p => p.Value));
    }

    [Fact]
    public void DescriptionMatchesTheSpec()
    {
        var info = SkipUNet.Description;
        Assert.Same(info, new SkipUNet().Info);
        Assert.Equal(new Shape(SkipUNet.InputChannels, SkipUNet.Height, SkipUNet.Width), info.Input);
        Assert.Equal(new Shape(SkipUNet.Classes, SkipUNet.Height, SkipUNet.Width), info.Layers[^1].Output);
        var concat = info.Layers.Single(l => l.Kind == LayerKind.Concat && l.SkipName == "e1");
        Assert.Equal(LayerKind.Skip, info.Layers[concat.SkipSource].Kind);
        Assert.Equal("e1", info.Layers[concat.SkipSource].SkipName);
        Assert.Equal(info.Parameters.Select(p => p.Name), new SkipUNet().Parameters.All.Select(p => p.Name));
        Assert.True(info.ForwardFlopsPerSample > 0);
    }

    [Fact]
    public void PassesAllocateNothingAfterWarmUp()
    {
        var network = new SkipUNet(maxBatch: 2);
        float[] input = NetworkCases.Gaussian(2 * network.Info.Input.Size, seed: 41);
        float[] logitsGrad = NetworkCases.Gaussian(2 * LogitsSize(network), seed: 42);
        var classes = new int[2 * SkipUNet.Height * SkipUNet.Width];

        void Step()
        {
            network.Forward(input, 2, training: true);
            network.Backward(logitsGrad, 2);
            network.Forward(input, 2);
            network.Predict(input, 2, classes);
        }

        for (int i = 0; i < 3; i++) Step();
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 3; i++) Step();
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(0, allocated);
    }

    private static int LogitsSize(ISegmentationNetwork network) => network.Info.Layers[^1].Output.Size;

    private static void AssertOneLine(Exception error, params string[] mentions)
    {
        Assert.DoesNotContain('\n', error.Message);
        foreach (string text in mentions) Assert.Contains(text, error.Message);
    }
}

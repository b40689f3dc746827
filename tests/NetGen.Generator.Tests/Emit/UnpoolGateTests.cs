// A deconvolution reading an unpool whose input is a ReLU's output (folded into the batch norm before it, in training) is
// told so (dxThroughReLU: true): its backward may then leave dPooled zero where that output is, as the ReLU's backward does
// anyway, and skip computing it there. An unpool reading a pool's output is not.
using static NetGen.Generator.Tests.Networks;

namespace NetGen.Generator.Tests.Emit;

public sealed class UnpoolGateTests
{
    private const string Layers = """
        [Conv2d(16, 7, Padding = 3)] [BatchNorm2d] [ReLU] [MaxPool2d(2)]
        [Conv2d(16, 7, Padding = 3)] [BatchNorm2d] [ReLU] [MaxPool2d(2)]
        [MaxUnpool2d] [ConvTranspose2d(16, 7, Padding = 3)] [BatchNorm2d] [ReLU]
        [MaxUnpool2d] [ConvTranspose2d(16, 7, Padding = 3)] [BatchNorm2d] [ReLU]
        [Classifier]
        """;

    [Fact]
    public void Only_the_deconvolution_whose_unpool_reads_a_ReLU_gates_its_input_gradient()
    {
        var run = GeneratorHarness.Run(Source(Layers));
        run.AssertDidNotCrash();
        Assert.Empty(run.Diagnostics);
        string source = Assert.Single(run.Sources).SourceText.ToString();
        // deconv2 reads unpool2, whose input is pool2's output; deconv1 reads unpool1, whose input is relu3's output.
        Assert.DoesNotContain("dxThroughReLU", Body(source, "Deconv2Backward"));
        string deconv1 = Body(source, "Deconv1Backward");
        Assert.Contains("dxThroughReLU: true", deconv1);
        Assert.Contains("zero where relu3's output is", deconv1);
    }

    private static string Body(string source, string method)
    {
        int start = source.IndexOf($"private void {method}(", StringComparison.Ordinal);
        Assert.True(start >= 0, $"{method} not found");
        int end = source.IndexOf("\n    }", start, StringComparison.Ordinal);
        return source[start..end];
    }
}

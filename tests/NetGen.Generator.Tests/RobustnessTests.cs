// The generator never crashes: malformed attributes give compiler errors and NG diagnostics, never CS8785 or AD0001.
namespace NetGen.Generator.Tests;

public sealed class RobustnessTests
{
    [Theory]
    [InlineData("[Network(InputChannels = 3, Height = 32, Width = 32, Classes = 4)] [Conv2d(-1, 0)] public partial class Net;")]
    [InlineData("[Network(InputChannels = 3, Height = 32, Width = 32, Classes = 4)] [Conv2d] [ConvTranspose2d(1)] [MaxPool2d] public partial class Net;")]
    [InlineData("[Network(InputChannels = \"3\", Height = 1.5, Width = null, Classes = int.MaxValue)] [Conv2d(\"a\", 3.5)] [Skip(null)] [Concat(42)] public partial class Net;")]
    [InlineData("[Network(Classes = 2, Height = 1, Width = 1, InputChannels = 1)] [Skip] [Concat] [BatchNorm2d(Epsilon = double.NaN, Momentum = -0.0)] [Classifier(Kernel = int.MinValue)] public partial class Net;")]
    [InlineData("[Network(InputChannels = 65536, Height = 16384, Width = 16384, Classes = 65536)] [Conv2d(65536, 64, Padding = 63)] [ConvTranspose2d(65536, 64, Padding = 63)] [Classifier(Kernel = 63)] public partial class Net;")]
    [InlineData("[Network(InputChannels = 1, Height = 1, Width = 1, Classes = 1)] [MaxUnpool2d] [ConvTranspose2d(1, 64, Stride = 64)] [Concat(\"a\")] [Skip(\"a\")] public partial class Net;")]
    [InlineData("[Network] [Network] [Conv2d(1, 1)] public partial class Net; [Conv2d(1, 1)] [Network] partial class Net;")]
    [InlineData("[Network(InputChannels = 3, Height = 8, Width = 8, Classes = 2)] [Conv2d(4, 3, Padding = 1)] [UnknownLayer] [ConvTranspose2d(4, 3, Padding = 1)] [Classifier] public partial class Net")]
    [InlineData("[Network(InputChannels = 3, Height = 8, Width = 8, Classes = 2)] public partial record class Net;")]
    public void Garbage_attribute_arguments_give_only_NG_diagnostics_from_the_generator(string declaration)
    {
        var run = GeneratorHarness.Run("using NetGen;\nnamespace Demo;\n" + declaration);
        run.AssertDidNotCrash();
    }

    [Fact]
    public void Negative_and_zero_layer_arguments_are_reported_as_out_of_range()
    {
        var run = GeneratorHarness.Run("using NetGen;\nnamespace Demo;\n[Network(InputChannels = 3, Height = 32, Width = 32, Classes = 4)] [Conv2d(-1, 0)] [ConvTranspose2d(8, 3)] [Classifier] public partial class Net;");
        run.AssertDidNotCrash();
        Assert.Equal(["NG0006", "NG0006"], run.Diagnostics.Select(d => d.Id));
        Assert.Equal(["-1", "0"], run.Diagnostics.Select(run.LocatedText));
    }
}

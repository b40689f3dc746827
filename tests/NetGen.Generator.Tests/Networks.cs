// C# sources of small networks for the Roslyn-level tests: a valid base and the pieces tests vary.
namespace NetGen.Generator.Tests;

internal static class Networks
{
    public const string DefaultNetwork = "Network(InputChannels = 3, Height = 32, Width = 32, Classes = 4)";

    /// <summary>conv → bn → relu → pool → unpool → deconv → relu → classifier at 32×32; valid.</summary>
    public const string ValidLayers = """
        [Conv2d(8, 3, Padding = 1)]
        [BatchNorm2d]
        [ReLU]
        [MaxPool2d(2)]
        [MaxUnpool2d]
        [ConvTranspose2d(8, 3, Padding = 1)]
        [ReLU]
        [Classifier]
        """;

    /// <summary>A file with <paramref name="layers"/> under [Network] on <c>Demo.Net</c>.</summary>
    public static string Source(string layers, string network = DefaultNetwork, string declaration = "public partial class Net;") => $$"""
        using NetGen;

        namespace Demo;

        [{{network}}]
        {{layers}}
        {{declaration}}
        """;

    public static string Valid => Source(ValidLayers);
}

// One test per diagnostic id: a spec with exactly one mistake gets exactly that id, on the exact attribute or argument.
using Microsoft.CodeAnalysis;
using static NetGen.Generator.Tests.Networks;

namespace NetGen.Generator.Tests;

public sealed class DiagnosticTests
{
    [Fact]
    public void NG0001_class_not_partial_is_reported_on_the_class_name()
        => AssertSingle(Source(ValidLayers, declaration: "public class Net;"), "NG0001", "Net");

    [Theory]
    [InlineData("public partial class Outer { [Network(InputChannels = 3, Height = 32, Width = 32, Classes = 4)] [Conv2d(8, 3, Padding = 1)] [ConvTranspose2d(8, 3, Padding = 1)] [Classifier] public partial class Net; }", "nested")]
    [InlineData("[Network(InputChannels = 3, Height = 32, Width = 32, Classes = 4)] [Conv2d(8, 3, Padding = 1)] [ConvTranspose2d(8, 3, Padding = 1)] [Classifier] public partial class Net<T>;", "generic")]
    [InlineData("[Network(InputChannels = 3, Height = 32, Width = 32, Classes = 4)] [Conv2d(8, 3, Padding = 1)] [ConvTranspose2d(8, 3, Padding = 1)] [Classifier] public static partial class Net;", "static")]
    public void NG0002_nested_generic_or_static_class_is_reported_on_the_class_name(string declaration, string shape)
    {
        var diagnostic = AssertSingle("using NetGen;\nnamespace Demo;\n" + declaration, "NG0002", "Net");
        Assert.Contains(shape, diagnostic.GetMessage(System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public void NG0003_layer_attribute_on_another_partial_declaration_is_reported_on_that_attribute()
    {
        string source = Source("""
            [Conv2d(8, 3, Padding = 1)]
            [ConvTranspose2d(8, 3, Padding = 1)]
            [Classifier]
            """) + "\n[ReLU] public partial class Net;\n";
        AssertSingle(source, "NG0003", "ReLU");
    }

    [Fact]
    public void NG0004_missing_input_size_is_reported_on_the_network_attribute()
    {
        const string network = "Network(InputChannels = 3, Width = 32, Classes = 4)";
        var diagnostic = AssertSingle(Source(ValidLayers, network), "NG0004", network);
        Assert.Contains("Height", diagnostic.GetMessage(System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public void NG0005_missing_classes_is_reported_on_the_network_attribute()
    {
        const string network = "Network(InputChannels = 3, Height = 32, Width = 32)";
        AssertSingle(Source(ValidLayers, network), "NG0005", network);
    }

    [Theory]
    [InlineData("[Conv2d(8, 3, Padding = 1, Stride = 0)] [MaxPool2d(2)] [MaxUnpool2d] [ConvTranspose2d(8, 3, Padding = 1)] [Classifier]", "Stride = 0")]
    [InlineData("[Conv2d(-1, 3, Padding = 1)] [MaxPool2d(2)] [MaxUnpool2d] [ConvTranspose2d(8, 3, Padding = 1)] [Classifier]", "-1")]
    [InlineData("[Conv2d(8, 65, Padding = 1)] [MaxPool2d(2)] [MaxUnpool2d] [ConvTranspose2d(8, 3, Padding = 1)] [Classifier]", "65")]
    [InlineData("[Conv2d(8, 3, Padding = 3)] [MaxPool2d(2)] [MaxUnpool2d] [ConvTranspose2d(8, 3, Padding = 1)] [Classifier]", "Padding = 3")]
    [InlineData("[Conv2d(70000, 3, Padding = 1)] [MaxPool2d(2)] [MaxUnpool2d] [ConvTranspose2d(8, 3, Padding = 1)] [Classifier]", "70000")]
    [InlineData("[Conv2d(8, 3, Padding = 1)] [MaxPool2d(2, Stride = -1)] [MaxUnpool2d] [ConvTranspose2d(8, 3, Padding = 1)] [Classifier]", "Stride = -1")]
    [InlineData("[Conv2d(8, 3, Padding = 1)] [BatchNorm2d(Epsilon = 0)] [MaxPool2d(2)] [MaxUnpool2d] [ConvTranspose2d(8, 3, Padding = 1)] [Classifier]", "Epsilon = 0")]
    [InlineData("[Conv2d(8, 3, Padding = 1)] [BatchNorm2d(Momentum = 1.5)] [MaxPool2d(2)] [MaxUnpool2d] [ConvTranspose2d(8, 3, Padding = 1)] [Classifier]", "Momentum = 1.5")]
    [InlineData("[Conv2d(8, 3, Padding = 1)] [MaxPool2d(2)] [MaxUnpool2d] [ConvTranspose2d(8, 3, Padding = 1)] [Classifier(Kernel = 2)]", "Kernel = 2")]
    public void NG0006_out_of_range_argument_is_reported_on_the_argument(string layers, string located)
        => AssertSingle(Source(layers), "NG0006", located);

    [Theory]
    [InlineData("Height = 20000", "Network(InputChannels = 3, Height = 20000, Width = 32, Classes = 4)")]
    [InlineData("Classes = 0", "Network(InputChannels = 3, Height = 32, Width = 32, Classes = 0)")]
    [InlineData("InputChannels = -3", "Network(InputChannels = -3, Height = 32, Width = 32, Classes = 4)")]
    public void NG0006_out_of_range_network_argument_is_reported_on_the_argument(string located, string network)
        => AssertSingle(Source(ValidLayers, network), "NG0006", located);

    [Fact]
    public void NG0007_skip_name_that_is_not_an_identifier_is_reported_on_the_name()
        => AssertSingle(Source("[Skip(\"1a\")]\n" + ValidLayers), "NG0007", "\"1a\"");

    [Fact]
    public void NG0008_conv_without_deconv_is_reported_on_the_unpaired_conv()
    {
        // conv2 keeps the size, so the only mistake is the missing ConvTranspose2d.
        var diagnostic = AssertSingle(Source("""
            [Conv2d(8, 3, Padding = 1)]
            [Conv2d(8, 5, Padding = 2)]
            [MaxPool2d(2)]
            [MaxUnpool2d]
            [ConvTranspose2d(8, 3, Padding = 1)]
            [Classifier]
            """), "NG0008", "Conv2d(8, 5, Padding = 2)");
        Assert.StartsWith("conv2 has no partner", diagnostic.GetMessage(System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public void NG0008_deconv_without_conv_is_reported_on_the_unpaired_deconv()
        => AssertSingle(Source("""
            [Conv2d(8, 3, Padding = 1)]
            [ConvTranspose2d(8, 5, Padding = 2)]
            [ConvTranspose2d(8, 3, Padding = 1)]
            [Classifier]
            """), "NG0008", "ConvTranspose2d(8, 5, Padding = 2)");

    [Fact]
    public void NG0009_pool_without_unpool_is_reported_on_the_pool()
        => AssertSingle(Source("""
            [Conv2d(8, 3, Padding = 1)]
            [MaxPool2d(1)]
            [ConvTranspose2d(8, 3, Padding = 1)]
            [Classifier]
            """), "NG0009", "MaxPool2d(1)");

    [Fact]
    public void NG0010_unpool_before_its_pool_is_reported_on_the_unpool()
        => AssertSingle(Source("""
            [Conv2d(8, 3, Padding = 1)]
            [MaxUnpool2d]
            [MaxPool2d(2)]
            [ConvTranspose2d(8, 3, Padding = 1)]
            [Classifier]
            """), "NG0010", "MaxUnpool2d");

    [Fact]
    public void NG0011_deconv_stride_differing_from_its_conv_is_reported_on_the_stride_argument()
    {
        var diagnostic = AssertSingle(Source("""
            [Conv2d(8, 3, Stride = 2, Padding = 1)]
            [MaxPool2d(2)]
            [MaxUnpool2d]
            [ConvTranspose2d(8, 3, Padding = 1, Stride = 1)]
            [Classifier]
            """), "NG0011", "Stride = 1");
        Assert.StartsWith("Stride = 1 on deconv1 differs from Stride = 2 on conv1", diagnostic.GetMessage(System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public void NG0011_unwritten_argument_differing_from_its_conv_is_reported_on_the_attribute()
        => AssertSingle(Source("""
            [Conv2d(8, 3, Stride = 2, Padding = 1)]
            [ConvTranspose2d(8, 3, Padding = 1)]
            [Classifier]
            """), "NG0011", "ConvTranspose2d(8, 3, Padding = 1)");

    [Fact]
    public void NG0012_spatial_size_below_one_is_reported_on_the_layer()
        => AssertSingle(Source("""
            [Conv2d(8, 7)]
            [ConvTranspose2d(8, 7)]
            [Classifier]
            """, "Network(InputChannels = 3, Height = 4, Width = 4, Classes = 4)"), "NG0012", "Conv2d(8, 7)");

    [Fact]
    public void NG0013_unpool_input_channels_differing_from_its_pool_are_reported_on_the_unpool()
        => AssertSingle(Source("""
            [Conv2d(8, 3, Padding = 1)]
            [MaxPool2d(2)]
            [Conv2d(16, 3, Padding = 1)]
            [ConvTranspose2d(4, 3, Padding = 1)]
            [MaxUnpool2d]
            [ConvTranspose2d(8, 3, Padding = 1)]
            [Classifier]
            """), "NG0013", "MaxUnpool2d");

    [Fact]
    public void NG0013_crossed_pairs_are_reported_on_both_up_layers()
    {
        // The deconv sees the pooled size and the unpool the restored one: each up-layer is told its own mismatch.
        var run = GeneratorHarness.Run(Source("""
            [Conv2d(8, 3, Padding = 1)]
            [MaxPool2d(2)]
            [ConvTranspose2d(8, 3, Padding = 1)]
            [MaxUnpool2d]
            [Classifier]
            """));
        run.AssertDidNotCrash();
        Assert.Equal(["NG0013", "NG0013"], run.Diagnostics.Select(d => d.Id));
        Assert.Equal(["ConvTranspose2d(8, 3, Padding = 1)", "MaxUnpool2d"], run.Diagnostics.Select(run.LocatedText));
        Assert.StartsWith("deconv1 receives a 16×16 input but its partner conv1 produced 32×32",
            run.Diagnostics[0].GetMessage(System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public void NG0014_duplicate_skip_name_is_reported_on_the_second_name()
    {
        var diagnostic = AssertSingle(Source("[Skip(\"e1\")]\n[Skip(\"e1\")] // second\n" + ValidLayers), "NG0014", "\"e1\"");
        Assert.Equal(6, diagnostic.Location.GetLineSpan().StartLinePosition.Line);
    }

    [Fact]
    public void NG0015_concat_of_unknown_skip_is_reported_on_the_name()
        => AssertSingle(Source("[Concat(\"x\")]\n" + ValidLayers), "NG0015", "\"x\"");

    [Fact]
    public void NG0016_skip_concatenated_twice_is_reported_on_the_second_concat()
    {
        var diagnostic = AssertSingle(Source("[Skip(\"e1\")]\n[Concat(\"e1\")]\n[Concat(\"e1\")] // second\n" + ValidLayers), "NG0016", "\"e1\"");
        Assert.Equal(7, diagnostic.Location.GetLineSpan().StartLinePosition.Line);
    }

    [Fact]
    public void NG0017_concat_of_a_skip_with_another_size_is_reported_on_the_concat()
        => AssertSingle(Source("""
            [Conv2d(8, 3, Padding = 1)]
            [MaxPool2d(2)]
            [Skip("e1")]
            [MaxUnpool2d]
            [Concat("e1")]
            [ConvTranspose2d(8, 3, Padding = 1)]
            [Classifier]
            """), "NG0017", "Concat(\"e1\")");

    [Fact]
    public void NG0018_classifier_before_another_layer_is_reported_on_the_classifier()
        => AssertSingle(Source("""
            [Conv2d(8, 3, Padding = 1)]
            [ConvTranspose2d(8, 3, Padding = 1)]
            [Classifier(Kernel = 3)]
            [ReLU]
            """), "NG0018", "Classifier(Kernel = 3)");

    [Fact]
    public void NG0019_last_layer_without_class_channels_is_reported_on_the_last_layer()
    {
        var diagnostic = AssertSingle(Source("""
            [Conv2d(8, 3, Padding = 1)]
            [ConvTranspose2d(8, 3, Padding = 1)]
            """), "NG0019", "ConvTranspose2d(8, 3, Padding = 1)");
        Assert.Contains("[Classifier]", diagnostic.GetMessage(System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public void NG0020_output_smaller_than_input_is_reported_on_the_last_layer_next_to_its_cause()
    {
        // Every up-layer restores its partner's input, so the size can only be lost through an unpaired down-layer.
        var run = GeneratorHarness.Run(Source("""
            [Conv2d(8, 3, Padding = 1)]
            [ConvTranspose2d(8, 3, Padding = 1)]
            [MaxPool2d(2)]
            [Classifier]
            """));
        run.AssertDidNotCrash();
        Assert.Equal(["NG0009", "NG0020"], run.Diagnostics.Select(d => d.Id));
        Assert.Equal("Classifier", run.LocatedText(run.Diagnostics[1]));
        Assert.StartsWith("The network outputs 16×16 but its input is 32×32",
            run.Diagnostics[1].GetMessage(System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public void NG0021_tensor_larger_than_an_array_is_reported_on_the_layer()
        => AssertSingle(Source("""
            [Conv2d(65536, 1)]
            [ConvTranspose2d(8, 1)]
            [Classifier]
            """, "Network(InputChannels = 3, Height = 16384, Width = 16384, Classes = 4)"), "NG0021", "Conv2d(65536, 1)");

    [Fact]
    public void NG0022_network_without_layers_is_reported_on_the_network_attribute()
        => AssertSingle(Source(""), "NG0022", DefaultNetwork);

    [Fact]
    public void NG0023_names_differing_only_in_case_clash_and_neither_is_generated()
    {
        var run = GeneratorHarness.Run(Valid, Source(ValidLayers, declaration: "public partial class NET;"));
        run.AssertDidNotCrash();
        Assert.Equal(["NG0023", "NG0023"], run.Diagnostics.Select(d => d.Id));
        Assert.Equal(["Net", "NET"], run.Diagnostics.Select(run.LocatedText));
        Assert.Empty(run.Sources);
    }

    [Fact]
    public void NG0023_network_attribute_on_two_partial_declarations_clashes_and_nothing_is_generated()
    {
        // The compiler reports the duplicate attribute too (CS0579); NetGen says which names collide.
        var run = GeneratorHarness.Run(Valid, "using NetGen;\nnamespace Demo;\n[" + DefaultNetwork + "] public partial class Net;");
        run.AssertDidNotCrash();
        var clashes = run.Diagnostics.Where(d => d.Id == "NG0023").ToArray();
        Assert.Equal(["Net", "Net"], clashes.Select(run.LocatedText));
        Assert.NotEqual(clashes[0].Location.GetLineSpan().Path, clashes[1].Location.GetLineSpan().Path);
        Assert.Empty(run.Sources);
    }

    [Fact]
    public void NG9999_exception_inside_validation_becomes_a_diagnostic_on_the_class()
    {
        // A null layer cannot come out of the parser; it stands in for any bug that throws inside validation.
        var spec = new SpecBuilder(3, 32, 32, 4).Conv2d(8, 3, padding: 1).Build() with
        {
            Layers = new Model.EquatableArray<Model.LayerSpec>([null!]),
        };
        var network = NetworkGenerator.Validate(spec);
        Assert.Null(network.Model);
        Assert.Equal("NG9999", Assert.Single(network.Diagnostics).Id);
        Assert.StartsWith("NullReferenceException", network.Diagnostics[0].Arguments[0]);
    }

    [Fact]
    public void Every_descriptor_is_an_error_in_the_NetGen_category_with_a_unique_id()
    {
        var descriptors = Validation.DiagnosticDescriptors.All;
        Assert.Equal(descriptors.Count, descriptors.Select(d => d.Id).Distinct().Count());
        Assert.All(descriptors, d =>
        {
            Assert.Matches("^NG[0-9]{4}$", d.Id);
            Assert.Equal("NetGen", d.Category);
            Assert.Equal(DiagnosticSeverity.Error, d.DefaultSeverity);
        });
    }

    private static Diagnostic AssertSingle(string source, string id, string locatedText)
    {
        var run = GeneratorHarness.Run(source);
        run.AssertDidNotCrash();
        var diagnostic = Assert.Single(run.Diagnostics);
        Assert.Equal(id, diagnostic.Id);
        Assert.Equal(locatedText, run.LocatedText(diagnostic));
        Assert.Empty(run.Sources);
        return diagnostic;
    }
}

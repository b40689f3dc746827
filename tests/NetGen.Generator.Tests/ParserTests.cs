// The parser on real syntax: names, namespaces, accessibility, argument values and defaults, source order, locations.
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using NetGen.Generator.Model;
using NetGen.Generator.Parsing;

namespace NetGen.Generator.Tests;

public sealed class ParserTests
{
    [Fact]
    public void Reads_layers_from_all_attribute_lists_in_source_order_with_values_and_defaults()
    {
        var (spec, text) = Parse("""
            using NetGen;
            namespace Demo.Nets;
            [Network(Classes = 4, InputChannels = 3, Height = 32, Width = 48)]
            [Conv2d(kernel: 3, outChannels: 8, Padding = 1), BatchNorm2d(Momentum = 0.5)]
            [ReLU] [Skip("e1")]
            [MaxPool2d(2)]
            [Concat("e1"), ConvTranspose2d(8, 3, Stride = 2, Padding = 1)]
            [Classifier(Kernel = 3)]
            internal partial class Net;
            """);

        Assert.Equal(("Demo.Nets", "Net", "Demo.Nets.Net", "internal"), (spec.Namespace, spec.ClassName, spec.FullyQualifiedName, spec.Accessibility));
        Assert.Equal((3, 32, 48, 4), (spec.InputChannels, spec.Height, spec.Width, spec.Classes));
        Assert.Equal(
            [LayerKind.Conv2d, LayerKind.BatchNorm2d, LayerKind.ReLU, LayerKind.Skip, LayerKind.MaxPool2d, LayerKind.Concat, LayerKind.ConvTranspose2d, LayerKind.Classifier],
            spec.Layers.Select(l => l.Kind));

        var conv = spec.Layers[0];
        Assert.Equal((8, 3, 1, 1), (conv.OutChannels, conv.Kernel, conv.Stride, conv.Padding));
        Assert.Equal("outChannels: 8", text(conv.LocationOf("OutChannels")));
        Assert.Equal("Padding = 1", text(conv.LocationOf("Padding")));
        Assert.Equal("Conv2d(kernel: 3, outChannels: 8, Padding = 1)", text(conv.LocationOf("Stride")));

        Assert.Equal((1e-5, 0.5), (spec.Layers[1].Epsilon, spec.Layers[1].Momentum));
        Assert.Equal("e1", spec.Layers[3].Name);
        Assert.Equal((2, 0), (spec.Layers[4].Kernel, spec.Layers[4].Stride));
        Assert.Equal((2, 1), (spec.Layers[6].Stride, spec.Layers[6].Padding));
        Assert.Equal(3, spec.Layers[7].Kernel);
        Assert.Equal("Height = 32", text(spec.NetworkArgumentLocations.Single(a => a.Argument == "Height").Location));
        Assert.Equal("Net", text(spec.ClassLocation));
        Assert.True(spec.IsPartial);
        Assert.Empty(spec.ParseDiagnostics);
    }

    [Theory]
    [InlineData("namespace Outer { namespace Inner { [Network] public partial class Net; } }", "Outer.Inner", "public")]
    [InlineData("namespace Outer.Inner { [Network] partial class Net; }", "Outer.Inner", "internal")]
    [InlineData("[Network] public partial class Net;", "", "public")]
    public void Reads_block_and_global_namespaces_and_accessibility(string declaration, string ns, string accessibility)
    {
        var (spec, _) = Parse("using NetGen;\n" + declaration);
        Assert.Equal((ns, accessibility), (spec.Namespace, spec.Accessibility));
        Assert.Equal(ns.Length == 0 ? "Net" : ns + ".Net", spec.FullyQualifiedName);
    }

    [Fact]
    public void Ignores_attributes_that_are_not_NetGen_layers()
    {
        var (spec, _) = Parse("""
            using NetGen;
            namespace Other { public sealed class ReLUAttribute : System.Attribute; }
            [Network, Other.ReLU, System.Obsolete, ReLU]
            public partial class Net;
            """);
        Assert.Equal([LayerKind.ReLU], spec.Layers.Select(l => l.Kind));
    }

    [Fact]
    public void Equal_sources_parse_to_equal_specs()
    {
        const string source = "using NetGen;\n[Network(Height = 2)] [Conv2d(4, 3)] [Skip(\"a\")] public partial class Net;";
        Assert.Equal(Parse(source).Spec, Parse(source).Spec);
    }

    private static (NetworkSpec Spec, Func<LocationInfo?, string> Text) Parse(string source)
    {
        var compilation = GeneratorHarness.Compile(source);
        var tree = compilation.SyntaxTrees.Single();
        var declaration = tree.GetRoot().DescendantNodes().OfType<ClassDeclarationSyntax>().Single(c => c.Identifier.ValueText == "Net");
        var type = (INamedTypeSymbol)compilation.GetSemanticModel(tree).GetDeclaredSymbol(declaration)!;
        var network = type.GetAttributes().Single(a => a.AttributeClass?.Name == "NetworkAttribute");
        var spec = NetworkParser.Parse(type, declaration, network, CancellationToken.None);
        string text = tree.GetText().ToString();
        return (spec, location => location is null ? "" : text.Substring(location.TextSpan.Start, location.TextSpan.Length));
    }
}

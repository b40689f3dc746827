// The generator end to end in memory: a valid network gives one source and no diagnostics, named after its class.
using static NetGen.Generator.Tests.Networks;

namespace NetGen.Generator.Tests;

public sealed class GeneratorTests
{
    [Fact]
    public void Valid_network_produces_exactly_one_source_and_no_diagnostics()
    {
        var run = GeneratorHarness.Run(Valid);
        run.AssertDidNotCrash();
        Assert.Empty(run.Diagnostics);
        Assert.Equal("Demo.Net.g.cs", Assert.Single(run.Sources).HintName);
    }

    [Fact]
    public void Hint_names_use_namespace_and_class_so_same_class_names_in_two_namespaces_coexist()
    {
        var run = GeneratorHarness.Run(
            "using NetGen; namespace A.B { [" + DefaultNetwork + "] " + OneLine + " public partial class Net; }",
            "using NetGen; [" + DefaultNetwork + "] " + OneLine + " public partial class Net;",
            Valid);
        run.AssertDidNotCrash();
        Assert.Empty(run.Diagnostics);
        Assert.Equal(["A.B.Net.g.cs", "Demo.Net.g.cs", "Net.g.cs"], run.Sources.Select(s => s.HintName).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Two_networks_in_one_compilation_are_validated_independently()
    {
        var run = GeneratorHarness.Run(Valid, Source(ValidLayers, declaration: "public class Other;"));
        run.AssertDidNotCrash();
        Assert.Equal("NG0001", Assert.Single(run.Diagnostics).Id);
        Assert.Equal("Demo.Net.g.cs", Assert.Single(run.Sources).HintName);
    }

    private const string OneLine = "[Conv2d(8, 3, Padding = 1)] [ConvTranspose2d(8, 3, Padding = 1)] [Classifier]";
}

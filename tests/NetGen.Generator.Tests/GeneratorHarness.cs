// Runs the NetGen generator in memory on C# sources, against .NET 10 reference assemblies plus NetGen.Runtime.
using System.Collections.Immutable;
using Basic.Reference.Assemblies;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace NetGen.Generator.Tests;

internal static class GeneratorHarness
{
    public static readonly CSharpParseOptions ParseOptions = new(LanguageVersion.Latest);

    private static readonly MetadataReference s_runtime = MetadataReference.CreateFromFile(typeof(NetworkAttribute).Assembly.Location);

    public static CSharpCompilation Compile(params string[] sources) => CSharpCompilation.Create(
        "NetGenGeneratorTests",
        sources.Select((source, i) => CSharpSyntaxTree.ParseText(source, ParseOptions, path: $"Source{i}.cs")),
        Net100.References.All.Append(s_runtime),
        new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));

    /// <summary>A driver that records every pipeline step, for the caching test.</summary>
    public static GeneratorDriver CreateDriver() => CSharpGeneratorDriver.Create(
        [new NetworkGenerator().AsSourceGenerator()],
        parseOptions: ParseOptions,
        driverOptions: new GeneratorDriverOptions(IncrementalGeneratorOutputKind.None, trackIncrementalGeneratorSteps: true));

    public static GeneratorRun Run(params string[] sources)
    {
        var driver = CreateDriver().RunGeneratorsAndUpdateCompilation(Compile(sources), out var output, out var driverDiagnostics);
        return new GeneratorRun(driver.GetRunResult().Results.Single(), output, driverDiagnostics);
    }
}

/// <summary>One generator run: what the generator reported and produced, and what the driver reported about it
/// (CS8785 when a generator throws).</summary>
internal sealed record GeneratorRun(GeneratorRunResult Result, Compilation Output, ImmutableArray<Diagnostic> DriverDiagnostics)
{
    public ImmutableArray<Diagnostic> Diagnostics => Result.Diagnostics;

    public ImmutableArray<GeneratedSourceResult> Sources => Result.GeneratedSources;

    /// <summary>The generator crashed if it threw or the driver or compiler report it (CS8785, AD0001).</summary>
    public void AssertDidNotCrash()
    {
        Assert.Null(Result.Exception);
        Assert.DoesNotContain(DriverDiagnostics, d => d.Id is "CS8785" or "AD0001");
        Assert.DoesNotContain(Output.GetDiagnostics(), d => d.Id is "CS8785" or "AD0001");
        Assert.All(Diagnostics, d => Assert.StartsWith("NG", d.Id));
    }

    /// <summary>The source text a diagnostic points at, e.g. "Stride = 1". Generator diagnostics carry a file path and
    /// span rather than a syntax tree (the pipeline holds no trees), so the text is found by path.</summary>
    public string LocatedText(Diagnostic diagnostic)
    {
        string path = diagnostic.Location.GetLineSpan().Path;
        var tree = Output.SyntaxTrees.Single(t => t.FilePath == path);
        return tree.GetText().ToString(diagnostic.Location.SourceSpan);
    }
}

// Snapshots of the generated source for representative networks, produced by the real generator: the generated file is
// the product, so every change to it is reviewed and approved (*.approved.txt beside this file). Each must compile cleanly.
using ApprovalTests;
using ApprovalTests.Reporters;
using Microsoft.CodeAnalysis;

namespace NetGen.Generator.Tests.Snapshots;

[UseReporter(typeof(QuietReporter))]
public class EmitterSnapshotTests
{
    // What a project with ImplicitUsings adds; the generated `using System;` must not clash with it.
    private const string ImplicitUsings = "global using System;";

    [Fact]
    public void TinyHourglass() => Approvals.Verify(GenerateCleanly(SnapshotSpecs.TinyHourglass));

    [Fact]
    public void SegNetBasic() => Approvals.Verify(GenerateCleanly(SnapshotSpecs.SegNetBasic));

    [Fact]
    public void UNetWithStride2() => Approvals.Verify(GenerateCleanly(SnapshotSpecs.TinyUNet));

    [Fact]
    public void EmitIsDeterministic()
    {
        string first = Generate(SnapshotSpecs.SegNetBasic).Source;
        var culture = Thread.CurrentThread.CurrentCulture;
        try
        {
            // ',' as decimal separator and '.' for thousands would show in any culture-sensitive literal. Cloned from the
            // invariant culture because the test projects run with invariant globalization.
            var commaDecimals = (System.Globalization.CultureInfo)System.Globalization.CultureInfo.InvariantCulture.Clone();
            commaDecimals.NumberFormat.NumberDecimalSeparator = ",";
            commaDecimals.NumberFormat.NumberGroupSeparator = ".";
            Thread.CurrentThread.CurrentCulture = commaDecimals;
            Assert.Equal(first, Generate(SnapshotSpecs.SegNetBasic).Source);
        }
        finally
        {
            Thread.CurrentThread.CurrentCulture = culture;
        }
    }

    private static (string Source, GeneratorRun Run) Generate(string spec)
    {
        var run = GeneratorHarness.Run(spec, ImplicitUsings);
        run.AssertDidNotCrash();
        Assert.Empty(run.Diagnostics);
        return (Assert.Single(run.Sources).SourceText.ToString(), run);
    }

    private static string GenerateCleanly(string spec)
    {
        var (source, run) = Generate(spec);
        var problems = run.Output.GetDiagnostics().Where(d => d.Severity >= DiagnosticSeverity.Warning).ToList();
        Assert.True(problems.Count == 0, "generated code does not compile cleanly:\n" + string.Join("\n", problems));
        return source;
    }
}

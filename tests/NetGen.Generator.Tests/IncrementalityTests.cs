// The pipeline caches: after an unrelated edit every tracked step of the network is Cached or Unchanged.
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace NetGen.Generator.Tests;

public sealed class IncrementalityTests
{
    private static readonly string[] s_steps = [TrackingNames.Parse, TrackingNames.Validate, TrackingNames.NameClashes, TrackingNames.Sources];

    [Fact]
    public void Adding_an_unrelated_file_leaves_every_network_step_cached()
    {
        var compilation = GeneratorHarness.Compile(Networks.Valid);
        var driver = GeneratorHarness.CreateDriver().RunGenerators(compilation);
        var first = driver.GetRunResult().Results.Single();
        Assert.Single(first.GeneratedSources);

        var unrelated = CSharpSyntaxTree.ParseText("namespace Demo; public static class Unrelated { public static int Answer => 42; }",
            GeneratorHarness.ParseOptions, path: "Unrelated.cs");
        var second = driver.RunGenerators(compilation.AddSyntaxTrees(unrelated)).GetRunResult().Results.Single();

        foreach (string step in s_steps)
        {
            Assert.True(second.TrackedSteps.TryGetValue(step, out var runs), $"step {step} was not tracked");
            var reasons = runs.SelectMany(r => r.Outputs).Select(o => o.Reason).ToArray();
            Assert.NotEmpty(reasons);
            Assert.All(reasons, reason => Assert.True(reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged,
                $"step {step} was {reason}"));
        }
        Assert.All(second.TrackedOutputSteps.SelectMany(s => s.Value).SelectMany(r => r.Outputs),
            output => Assert.Equal(IncrementalStepRunReason.Cached, output.Reason));
    }

    [Fact]
    public void Changing_a_layer_reruns_validation_and_emission()
    {
        var compilation = GeneratorHarness.Compile(Networks.Valid);
        var driver = GeneratorHarness.CreateDriver().RunGenerators(compilation);

        var tree = compilation.SyntaxTrees.Single();
        var edited = tree.WithChangedText(tree.GetText().Replace(tree.GetText().ToString().IndexOf("[Conv2d(8", StringComparison.Ordinal) + 8, 1, "9"));
        var result = driver.RunGenerators(compilation.ReplaceSyntaxTree(tree, edited)).GetRunResult().Results.Single();

        var validate = result.TrackedSteps[TrackingNames.Validate].SelectMany(r => r.Outputs).Single();
        Assert.Equal(IncrementalStepRunReason.Modified, validate.Reason);
        Assert.Contains("9", Assert.Single(result.GeneratedSources).SourceText.ToString());
    }
}

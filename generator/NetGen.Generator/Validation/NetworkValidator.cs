// Pure validation: NetworkSpec → NetworkModel (every shape inferred) or the diagnostics that explain why not.
// Needs no compilation, so the rules are unit-tested on hand-built specs.
using System.Collections.Generic;
using System.Linq;
using NetGen.Generator.Model;

namespace NetGen.Generator.Validation;

internal static class NetworkValidator
{
    public static ValidationResult Validate(NetworkSpec spec)
    {
        var diagnostics = new List<DiagnosticInfo>(spec.ParseDiagnostics);
        if (diagnostics.Any(d => d.Id == DiagnosticDescriptors.InternalError.Id)) return Invalid(diagnostics);

        CheckDeclaration(spec, diagnostics);
        var plan = LayerPlan.Create(spec.Layers);

        int before = diagnostics.Count;
        ArgumentRules.CheckNetwork(spec, diagnostics);
        for (int i = 0; i < spec.Layers.Count; i++) ArgumentRules.CheckLayer(spec.Layers[i], plan.Names[i], diagnostics);
        bool argumentsValid = diagnostics.Count == before;

        PairRules.CheckPartners(spec.Layers, plan, diagnostics);
        if (argumentsValid) PairRules.CheckGeometry(spec.Layers, plan, diagnostics);
        var skipSources = SkipRules.Resolve(spec.Layers, diagnostics);
        CheckClassifierIsLast(spec, diagnostics);

        var layers = argumentsValid && spec.Layers.Count > 0 ? ShapeInference.Run(spec, plan, skipSources, diagnostics) : null;
        if (layers is not null) CheckOutput(spec, layers[layers.Length - 1], diagnostics);

        if (diagnostics.Count > 0 || layers is null) return Invalid(diagnostics);
        return new ValidationResult(Build(spec, layers), EquatableArray<DiagnosticInfo>.Empty);
    }

    private static void CheckDeclaration(NetworkSpec spec, List<DiagnosticInfo> diagnostics)
    {
        if (!spec.IsPartial)
            diagnostics.Add(DiagnosticInfos.Create(DiagnosticDescriptors.ClassNotPartial, spec.ClassLocation, spec.ClassName));
        if (spec.IsNested)
            diagnostics.Add(DiagnosticInfos.Create(DiagnosticDescriptors.UnsupportedClassShape, spec.ClassLocation, spec.FullyQualifiedName, "nested in another type"));
        bool layersElsewhere = spec.ParseDiagnostics.Any(d => d.Id == DiagnosticDescriptors.LayersSplitAcrossDeclarations.Id);
        if (spec.Layers.Count == 0 && !layersElsewhere)
            diagnostics.Add(DiagnosticInfos.Create(DiagnosticDescriptors.EmptyNetwork, spec.NetworkAttributeLocation, spec.ClassName));
    }

    private static void CheckClassifierIsLast(NetworkSpec spec, List<DiagnosticInfo> diagnostics)
    {
        for (int i = 0; i < spec.Layers.Count - 1; i++)
            if (spec.Layers[i].Kind == LayerKind.Classifier)
                diagnostics.Add(DiagnosticInfos.Create(DiagnosticDescriptors.ClassifierNotLast, spec.Layers[i].Location));
    }

    /// <summary>The output is one score per class per input pixel.</summary>
    private static void CheckOutput(NetworkSpec spec, LayerModel last, List<DiagnosticInfo> diagnostics)
    {
        var location = spec.Layers[last.Index].Location;
        if (last.Output.C != spec.Classes)
            diagnostics.Add(DiagnosticInfos.Create(DiagnosticDescriptors.OutputChannelsNotClasses, location, last.Name, last.Output.C, spec.Classes));
        if (last.Output.H != spec.Height || last.Output.W != spec.Width)
            diagnostics.Add(DiagnosticInfos.Create(DiagnosticDescriptors.OutputSizeNotInput, location,
                ShapeText.Spatial(last.Output), ShapeText.Spatial(spec.Height, spec.Width)));
    }

    private static NetworkModel Build(NetworkSpec spec, LayerModel[] layers)
    {
        long flops = 0;
        foreach (var layer in layers) flops += layer.Flops;
        return new NetworkModel(
            spec.Namespace,
            spec.ClassName,
            spec.Accessibility,
            new Shape(spec.InputChannels, spec.Height, spec.Width),
            spec.Classes,
            layers.ToEquatableArray(),
            ParameterTable.Build(layers),
            flops);
    }

    private static ValidationResult Invalid(List<DiagnosticInfo> diagnostics) => new(null, diagnostics.ToEquatableArray());
}

// Reads a [Network] class into a NetworkSpec. The only code that touches symbols and syntax: what leaves here
// is plain values (names, numbers, LocationInfo), so the pipeline caches and validation needs no compilation.
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using NetGen.Generator.Model;
using NetGen.Generator.Validation;

namespace NetGen.Generator.Parsing;

internal static class NetworkParser
{
    private static readonly SymbolDisplayFormat s_fullName =
        SymbolDisplayFormat.FullyQualifiedFormat.WithGlobalNamespaceStyle(SymbolDisplayGlobalNamespaceStyle.Omitted);

    public static NetworkSpec Parse(GeneratorAttributeSyntaxContext context, CancellationToken cancellationToken)
        => Parse((INamedTypeSymbol)context.TargetSymbol, (ClassDeclarationSyntax)context.TargetNode, context.Attributes[0], cancellationToken);

    /// <param name="network">The [Network] attribute as applied on <paramref name="declaration"/>.</param>
    public static NetworkSpec Parse(INamedTypeSymbol type, ClassDeclarationSyntax declaration, AttributeData network, CancellationToken cancellationToken)
    {
        var classLocation = LocationInfo.From(declaration.Identifier.GetLocation());
        var diagnostics = new List<DiagnosticInfo>();
        string fullName = type.ToDisplayString(s_fullName);
        if (type.TypeParameters.Length > 0)
            diagnostics.Add(DiagnosticInfos.Create(DiagnosticDescriptors.UnsupportedClassShape, classLocation, fullName, "generic"));
        if (type.IsStatic)
            diagnostics.Add(DiagnosticInfos.Create(DiagnosticDescriptors.UnsupportedClassShape, classLocation, fullName, "static"));

        var arguments = AttributeArguments.Read(network, cancellationToken);
        return new NetworkSpec(
            Namespace: type.ContainingNamespace is { IsGlobalNamespace: false } ns ? ns.ToDisplayString() : "",
            ClassName: type.Name,
            FullyQualifiedName: fullName,
            Accessibility: AccessibilityText(type.DeclaredAccessibility),
            IsPartial: declaration.Modifiers.Any(SyntaxKind.PartialKeyword),
            IsNested: type.ContainingType is not null,
            InputChannels: arguments.Int("InputChannels", 0),
            Height: arguments.Int("Height", 0),
            Width: arguments.Int("Width", 0),
            Classes: arguments.Int("Classes", 0),
            ClassLocation: classLocation,
            NetworkAttributeLocation: LocationInfo.From(arguments.Syntax),
            NetworkArgumentLocations: arguments.Locations,
            Layers: ReadLayers(type, declaration, diagnostics, cancellationToken),
            ParseDiagnostics: diagnostics.ToEquatableArray());
    }

    /// <summary>A spec that carries only <paramref name="failure"/>, for a class the parser could not read.</summary>
    public static NetworkSpec Unreadable(ClassDeclarationSyntax declaration, DiagnosticInfo failure)
    {
        string name = declaration.Identifier.ValueText;
        return new NetworkSpec("", name, name, "internal", IsPartial: true, IsNested: false, 0, 0, 0, 0,
            LocationInfo.From(declaration.Identifier.GetLocation()), NetworkAttributeLocation: null,
            EquatableArray<ArgumentLocation>.Empty, EquatableArray<LayerSpec>.Empty, new EquatableArray<DiagnosticInfo>([failure]));
    }

    /// <summary>The layer attributes of <paramref name="declaration"/> in source order. Layer attributes on another
    /// partial declaration have no defined order relative to these, so they are reported and left out.</summary>
    private static EquatableArray<LayerSpec> ReadLayers(INamedTypeSymbol type, ClassDeclarationSyntax declaration,
        List<DiagnosticInfo> diagnostics, CancellationToken cancellationToken)
    {
        var layers = new List<(int Position, LayerSpec Layer)>();
        foreach (var data in type.GetAttributes())
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (LayerAttributes.KindOf(data.AttributeClass) is not { } kind) continue;
            var reference = data.ApplicationSyntaxReference;
            if (reference is null) continue;
            bool onThisDeclaration = reference.SyntaxTree == declaration.SyntaxTree && declaration.Span.Contains(reference.Span);
            if (!onThisDeclaration)
            {
                diagnostics.Add(DiagnosticInfos.Create(DiagnosticDescriptors.LayersSplitAcrossDeclarations,
                    LocationInfo.From(reference.GetSyntax(cancellationToken)), kind, type.Name));
                continue;
            }
            layers.Add((reference.Span.Start, ReadLayer(kind, AttributeArguments.Read(data, cancellationToken))));
        }
        layers.Sort((a, b) => a.Position.CompareTo(b.Position));

        var result = ImmutableArray.CreateBuilder<LayerSpec>(layers.Count);
        foreach (var (_, layer) in layers) result.Add(layer);
        return new EquatableArray<LayerSpec>(result.MoveToImmutable());
    }

    private static LayerSpec ReadLayer(LayerKind kind, AttributeArguments arguments) => new(
        kind,
        OutChannels: arguments.Int("OutChannels", 0),
        Kernel: arguments.Int("Kernel", LayerAttributes.DefaultKernel(kind)),
        Stride: arguments.Int("Stride", LayerAttributes.DefaultStride(kind)),
        Padding: arguments.Int("Padding", 0),
        Name: arguments.String("Name"),
        Epsilon: arguments.Double("Epsilon", LayerAttributes.DefaultEpsilon(kind)),
        Momentum: arguments.Double("Momentum", LayerAttributes.DefaultMomentum(kind)),
        Location: LocationInfo.From(arguments.Syntax),
        ArgumentLocations: arguments.Locations);

    private static string AccessibilityText(Accessibility accessibility) => accessibility switch
    {
        Accessibility.Public => "public",
        Accessibility.Private => "private",
        Accessibility.Protected => "protected",
        Accessibility.ProtectedOrInternal => "protected internal",
        Accessibility.ProtectedAndInternal => "private protected",
        _ => "internal",
    };
}

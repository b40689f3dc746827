// The NetGen incremental generator: find [Network] classes → parse to a spec → validate to a model → emit C#.
// Every stage is wrapped so a bug in NetGen surfaces as NG9999 on the class, never as a crashed generator.
using System;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using NetGen.Generator.Emit;
using NetGen.Generator.Model;
using NetGen.Generator.Parsing;
using NetGen.Generator.Validation;

namespace NetGen.Generator;

[Generator(LanguageNames.CSharp)]
public sealed partial class NetworkGenerator : IIncrementalGenerator
{
    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
        var networks = context.SyntaxProvider
            .ForAttributeWithMetadataName(
                LayerAttributes.NetworkAttributeMetadataName,
                predicate: static (node, _) => node is ClassDeclarationSyntax,
                transform: static (target, cancellationToken) => Parse(target, cancellationToken))
            .WithTrackingName(TrackingNames.Parse)
            .Select(static (spec, _) => Validate(spec))
            .WithTrackingName(TrackingNames.Validate);

        var nameClashes = networks
            .Collect()
            .Select(static (all, _) => NameClashes.Find(all))
            .WithTrackingName(TrackingNames.NameClashes);

        var sources = networks
            .Where(static network => network.Model is not null)
            .Combine(nameClashes)
            .WithTrackingName(TrackingNames.Sources);

        context.RegisterSourceOutput(networks.Select(static (n, _) => n.Diagnostics), ReportDiagnostics);
        context.RegisterSourceOutput(nameClashes.Select(static (c, _) => c.Diagnostics), ReportDiagnostics);
        context.RegisterSourceOutput(sources, static (output, source) => Emit(output, source.Left, source.Right));
    }

    private static NetworkSpec Parse(GeneratorAttributeSyntaxContext target, CancellationToken cancellationToken)
    {
        try
        {
            return NetworkParser.Parse(target, cancellationToken);
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            var declaration = (ClassDeclarationSyntax)target.TargetNode;
            return NetworkParser.Unreadable(declaration, InternalError(LocationInfo.From(declaration.Identifier.GetLocation()), exception));
        }
    }

    /// <summary>Internal so a test can show that an exception thrown inside validation becomes NG9999.</summary>
    internal static ValidatedNetwork Validate(NetworkSpec spec)
    {
        try
        {
            return ValidatedNetwork.From(spec, NetworkValidator.Validate(spec));
        }
        catch (Exception exception)
        {
            var failed = new ValidationResult(null, new EquatableArray<DiagnosticInfo>([InternalError(spec.ClassLocation, exception)]));
            return ValidatedNetwork.From(spec, failed);
        }
    }

    private static void Emit(SourceProductionContext output, ValidatedNetwork network, NameClashes clashes)
    {
        if (network.Model is null || clashes.Contains(network.HintName)) return;
        string source;
        try
        {
            source = NetworkEmitter.Emit(network.Model);
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            output.ReportDiagnostic(InternalError(network.ClassLocation, exception).ToDiagnostic());
            return;
        }
        output.AddSource(network.HintName + ".g.cs", source);
    }

    private static void ReportDiagnostics(SourceProductionContext output, EquatableArray<DiagnosticInfo> diagnostics)
    {
        foreach (var diagnostic in diagnostics) output.ReportDiagnostic(diagnostic.ToDiagnostic());
    }

    private static DiagnosticInfo InternalError(LocationInfo? location, Exception exception)
        => DiagnosticInfos.Create(DiagnosticDescriptors.InternalError, location, exception.GetType().Name + ": " + exception.Message);
}

/// <summary>Names of the pipeline steps, so tests can check that each one is cached when unrelated code changes.</summary>
internal static class TrackingNames
{
    public const string Parse = nameof(Parse);
    public const string Validate = nameof(Validate);
    public const string NameClashes = nameof(NameClashes);
    public const string Sources = nameof(Sources);
}

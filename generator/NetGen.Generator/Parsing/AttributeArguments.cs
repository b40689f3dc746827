// The arguments of one attribute application: values from Roslyn's AttributeData (constants already folded and
// converted), locations from its syntax, both keyed by property name (a constructor parameter outChannels → OutChannels).
using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using NetGen.Generator.Model;

namespace NetGen.Generator.Parsing;

internal sealed class AttributeArguments
{
    private readonly Dictionary<string, TypedConstant> _values = new(StringComparer.Ordinal);

    private AttributeArguments(AttributeData data, AttributeSyntax? syntax)
    {
        var parameters = data.AttributeConstructor?.Parameters ?? ImmutableArray<IParameterSymbol>.Empty;
        for (int i = 0; i < parameters.Length && i < data.ConstructorArguments.Length; i++)
            _values[PropertyName(parameters[i].Name)] = data.ConstructorArguments[i];
        foreach (var named in data.NamedArguments) _values[named.Key] = named.Value;

        Syntax = syntax;
        Locations = ReadLocations(syntax, parameters);
    }

    public AttributeSyntax? Syntax { get; }

    /// <summary>Each written argument's syntax, e.g. "Stride = 2" or the positional "64".</summary>
    public EquatableArray<ArgumentLocation> Locations { get; }

    public static AttributeArguments Read(AttributeData data, System.Threading.CancellationToken cancellationToken)
        => new(data, data.ApplicationSyntaxReference?.GetSyntax(cancellationToken) as AttributeSyntax);

    public int Int(string name, int fallback) => Value(name) is int value ? value : fallback;

    public double Double(string name, double fallback) => Value(name) switch
    {
        double value => value,
        float value => value,
        int value => value,
        _ => fallback,
    };

    public string? String(string name) => Value(name) as string;

    /// <summary>Null for an argument that was not written, did not bind (a compile error) or is an array.</summary>
    private object? Value(string name)
        => _values.TryGetValue(name, out var constant) && constant.Kind is not (TypedConstantKind.Error or TypedConstantKind.Array)
            ? constant.Value
            : null;

    private static EquatableArray<ArgumentLocation> ReadLocations(AttributeSyntax? syntax, ImmutableArray<IParameterSymbol> parameters)
    {
        if (syntax?.ArgumentList is null) return EquatableArray<ArgumentLocation>.Empty;
        var locations = ImmutableArray.CreateBuilder<ArgumentLocation>();
        var arguments = syntax.ArgumentList.Arguments;
        for (int i = 0; i < arguments.Count; i++)
        {
            var argument = arguments[i];
            string? name = argument.NameEquals?.Name.Identifier.ValueText
                ?? (argument.NameColon is { } colon ? PropertyName(colon.Name.Identifier.ValueText) : null)
                ?? (i < parameters.Length ? PropertyName(parameters[i].Name) : null);
            if (name is not null) locations.Add(new ArgumentLocation(name, LocationInfo.From(argument)));
        }
        return new EquatableArray<ArgumentLocation>(locations.ToImmutable());
    }

    private static string PropertyName(string parameter)
        => parameter.Length == 0 ? parameter : char.ToUpperInvariant(parameter[0]) + parameter.Substring(1);
}

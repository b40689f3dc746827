// Builds DiagnosticInfo values (what the pure stages return) and turns them into Roslyn diagnostics at the edge.
using System;
using System.Collections.Immutable;
using System.Globalization;
using Microsoft.CodeAnalysis;
using NetGen.Generator.Model;

namespace NetGen.Generator.Validation;

internal static class DiagnosticInfos
{
    /// <summary>Arguments are formatted with the invariant culture so messages do not depend on the build machine.</summary>
    public static DiagnosticInfo Create(DiagnosticDescriptor descriptor, LocationInfo? location, params object[] arguments)
    {
        var texts = ImmutableArray.CreateBuilder<string>(arguments.Length);
        foreach (var argument in arguments) texts.Add(Convert.ToString(argument, CultureInfo.InvariantCulture) ?? "");
        return new DiagnosticInfo(descriptor.Id, location, new EquatableArray<string>(texts.MoveToImmutable()));
    }

    public static Diagnostic ToDiagnostic(this DiagnosticInfo info)
    {
        var arguments = new object[info.Arguments.Count];
        for (int i = 0; i < arguments.Length; i++) arguments[i] = info.Arguments[i];
        return Diagnostic.Create(DiagnosticDescriptors.Get(info.Id), info.Location?.ToLocation() ?? Location.None, arguments);
    }
}

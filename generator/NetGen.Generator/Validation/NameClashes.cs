// Networks whose generated names clash: one class with [Network] on two partial declarations, or two classes whose
// names differ only in case (Roslyn compares hint names ignoring case, so "Demo.Net.g.cs" and "Demo.NET.g.cs" collide).
using System;
using System.Collections.Immutable;
using System.Linq;
using NetGen.Generator.Model;

namespace NetGen.Generator.Validation;

/// <summary><see cref="Names"/>: the full names not to emit; <see cref="Diagnostics"/>: one per clashing declaration.</summary>
internal sealed record NameClashes(EquatableArray<string> Names, EquatableArray<DiagnosticInfo> Diagnostics)
{
    /// <summary>For a network that can be emitted the hint name is its full name, so one comparison serves both.</summary>
    public bool Contains(string hintName) => Names.Any(n => string.Equals(n, hintName, StringComparison.OrdinalIgnoreCase));

    /// <summary>Grouped by full name, which keeps nested and generic classes apart from top-level ones;
    /// ordering is ordinal so the result is deterministic.</summary>
    public static NameClashes Find(ImmutableArray<ValidatedNetwork> networks)
    {
        var groups = networks
            .GroupBy(n => n.FullyQualifiedName, StringComparer.OrdinalIgnoreCase)
            .Where(g => g.Count() > 1)
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .ToArray();
        var diagnostics = ImmutableArray.CreateBuilder<DiagnosticInfo>();
        foreach (var group in groups)
        {
            var members = group.OrderBy(n => n.ClassLocation?.FilePath, StringComparer.Ordinal)
                .ThenBy(n => n.ClassLocation?.TextSpan.Start ?? 0)
                .ToArray();
            for (int i = 0; i < members.Length; i++)
            {
                var other = members[i == 0 ? 1 : 0];
                diagnostics.Add(DiagnosticInfos.Create(DiagnosticDescriptors.GeneratedNameClash, members[i].ClassLocation,
                    members[i].FullyQualifiedName, other.FullyQualifiedName, members[i].HintName));
            }
        }
        return new NameClashes(groups.Select(g => g.Key).ToEquatableArray(), new EquatableArray<DiagnosticInfo>(diagnostics.ToImmutable()));
    }
}

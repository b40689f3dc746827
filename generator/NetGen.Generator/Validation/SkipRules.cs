// Checks U-Net skips: names are identifiers, each Skip name is unique, and each Concat joins exactly one earlier Skip.
using System.Collections.Generic;
using NetGen.Generator.Model;

namespace NetGen.Generator.Validation;

internal static class SkipRules
{
    /// <summary>Returns, per layer, the index of the Skip a Concat joins (−1 elsewhere or when the Concat is invalid).</summary>
    public static int[] Resolve(EquatableArray<LayerSpec> layers, List<DiagnosticInfo> diagnostics)
    {
        var sources = new int[layers.Count];
        var skips = new Dictionary<string, int>(System.StringComparer.Ordinal);
        var joined = new HashSet<string>(System.StringComparer.Ordinal);
        for (int i = 0; i < layers.Count; i++)
        {
            sources[i] = -1;
            var layer = layers[i];
            string name = layer.Name ?? "";
            if (layer.Kind is not (LayerKind.Skip or LayerKind.Concat)) continue;

            if (!IsIdentifier(name))
                diagnostics.Add(DiagnosticInfos.Create(DiagnosticDescriptors.InvalidSkipName, layer.LocationOf("Name"), name));
            else if (layer.Kind == LayerKind.Skip && skips.ContainsKey(name))
                diagnostics.Add(DiagnosticInfos.Create(DiagnosticDescriptors.DuplicateSkipName, layer.LocationOf("Name"), name));
            else if (layer.Kind == LayerKind.Skip)
                skips.Add(name, i);
            else if (!skips.TryGetValue(name, out int source))
                diagnostics.Add(DiagnosticInfos.Create(DiagnosticDescriptors.UnknownSkip, layer.LocationOf("Name"), name));
            else if (!joined.Add(name))
                diagnostics.Add(DiagnosticInfos.Create(DiagnosticDescriptors.SkipConcatenatedTwice, layer.LocationOf("Name"), name));
            else
                sources[i] = source;
        }
        return sources;
    }

    /// <summary>Skip names become parts of generated identifiers (skip_e1), so they must be identifiers themselves.</summary>
    private static bool IsIdentifier(string name)
    {
        if (name.Length == 0 || !(char.IsLetter(name[0]) || name[0] == '_')) return false;
        foreach (char c in name)
            if (!(char.IsLetterOrDigit(c) || c == '_')) return false;
        return true;
    }
}

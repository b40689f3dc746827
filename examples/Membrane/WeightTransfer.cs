// Copies trained values between two networks of the same architecture but different input sizes: generated networks name
// their parameters by layer, not by shape, so a 128×128 training net and a 512×512 inference net share one checkpoint layout.
using NetGen.Model;

namespace Membrane;

internal static class WeightTransfer
{
    /// <summary>Copies every parameter and buffer (batch-norm running statistics included) of <paramref name="source"/>
    /// into the equally named one of <paramref name="destination"/>; returns the number of scalars copied.</summary>
    public static long Copy(ParameterSet source, ParameterSet destination)
    {
        if (source.Count != destination.Count)
            throw new ArgumentException($"source has {source.Count} parameters, destination {destination.Count}", nameof(destination));
        long copied = 0;
        foreach (var p in source.All)
        {
            var target = destination[p.Name];
            if (target.Value.Length != p.Value.Length)
                throw new ArgumentException($"parameter {p.Name} has {p.Value.Length} values in the source, {target.Value.Length} in the destination", nameof(destination));
            p.Value.CopyTo(target.Value, 0);
            copied += p.Value.Length;
        }
        return copied;
    }
}

// Shared label validation of the cross-entropy implementations: one clear message naming the bad value and its position.
using NetGen.Model;

namespace NetGen.Losses;

internal static class LabelCheck
{
    /// <summary>Throws when <paramref name="label"/> is neither a class index nor the ignore label.</summary>
    public static void Validate(int label, int index, in Shape shape, int? ignoreLabel)
    {
        if ((uint)label < (uint)shape.C || label == ignoreLabel) return;
        int plane = shape.H * shape.W;
        int n = index / plane, pixel = index % plane;
        string ignore = ignoreLabel is int i ? $" and is not the ignore label {i}" : "";
        throw new ArgumentException(
            $"label {label} at sample {n}, pixel (y={pixel / shape.W}, x={pixel % shape.W}) is outside [0, {shape.C}){ignore}", "labels");
    }
}

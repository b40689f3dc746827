// Invariant-culture text for everything the emitter prints: C# literals, identifiers made from layer names, shapes.
// Nothing here may depend on the machine's culture, or the generated code would differ between machines.
using System.Collections.Generic;
using System.Globalization;
using System.Text;
using NetGen.Generator.Model;

namespace NetGen.Generator.Emit;

internal static class Literals
{
    public static string Int(int value) => value.ToString(CultureInfo.InvariantCulture);

    public static string Long(long value) => value.ToString(CultureInfo.InvariantCulture) + "L";

    /// <summary>A round-trippable double literal: 1e-5 → <c>1E-05d</c>, 0.1 → <c>0.1d</c>.</summary>
    public static string Double(double value)
    {
        if (double.IsNaN(value)) return "double.NaN";
        if (double.IsPositiveInfinity(value)) return "double.PositiveInfinity";
        if (double.IsNegativeInfinity(value)) return "double.NegativeInfinity";
        return value.ToString("R", CultureInfo.InvariantCulture) + "d";
    }

    /// <summary>A double as comments print it: round-trippable, no suffix.</summary>
    public static string Number(double value) => value.ToString("R", CultureInfo.InvariantCulture);

    public static string String(string value)
    {
        var text = new StringBuilder("\"");
        foreach (char c in value)
        {
            switch (c)
            {
                case '"': text.Append("\\\""); break;
                case '\\': text.Append("\\\\"); break;
                default:
                    if (c < ' ' || c > '~') text.Append("\\u").Append(((int)c).ToString("X4", CultureInfo.InvariantCulture));
                    else text.Append(c);
                    break;
            }
        }
        return text.Append('"').ToString();
    }

    public static string Bool(bool value) => value ? "true" : "false";

    /// <summary>"conv1" → "Conv1", "skip_e1" → "SkipE1", "bn1.running_mean" → "Bn1RunningMean". Characters that cannot
    /// appear in an identifier separate words.</summary>
    public static string Pascal(string name)
    {
        var text = new StringBuilder();
        bool startWord = true;
        foreach (char c in name)
        {
            if (!char.IsLetterOrDigit(c))
            {
                startWord = true;
                continue;
            }
            text.Append(startWord ? char.ToUpperInvariant(c) : c);
            startWord = false;
        }
        if (text.Length == 0 || char.IsDigit(text[0])) text.Insert(0, 'L');
        return text.ToString();
    }

    public static string Camel(string name)
    {
        string pascal = Pascal(name);
        return char.ToLowerInvariant(pascal[0]) + pascal.Substring(1);
    }

    /// <summary>A per-sample shape as the header prints it: 16×64×64.</summary>
    public static string Shape(Shape shape) => $"{Int(shape.C)}×{Int(shape.H)}×{Int(shape.W)}";

    /// <summary>A batched shape as shape comments print it: [N, 16, 64, 64].</summary>
    public static string BatchShape(Shape shape) => $"[N, {Int(shape.C)}, {Int(shape.H)}, {Int(shape.W)}]";

    /// <summary>A deconv's output padding: "1" when rows and columns agree, "1×0" (rows×columns) when they differ.</summary>
    public static string OutputPadding(LayerModel layer) => layer.OutputPadding == layer.OutputPaddingW
        ? Int(layer.OutputPadding)
        : $"{Int(layer.OutputPadding)}×{Int(layer.OutputPaddingW)}";

    public static string Join(IEnumerable<int> values)
    {
        var parts = new List<string>();
        foreach (int v in values) parts.Add(Int(v));
        return string.Join(", ", parts);
    }
}

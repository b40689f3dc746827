// Strict parsing of command-line option values shared by the examples: a bad value is a one-line FormatException
// naming the option and what was given.
using System.Globalization;

namespace NetGen.Examples;

internal static class OptionValues
{
    public static int Integer(string name, string value) =>
        int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out int n) ? n : throw new FormatException($"{name} expects an integer, got '{value}'");

    public static int Positive(string name, string value) =>
        Integer(name, value) is var n and > 0 ? n : throw new FormatException($"{name} must be a positive integer, got '{value}'");

    public static double PositiveReal(string name, string value) =>
        double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out double x) && x > 0 && double.IsFinite(x)
            ? x
            : throw new FormatException($"{name} must be a positive number, got '{value}'");

    public static string NonEmpty(string name, string value) =>
        value.Length > 0 ? value : throw new FormatException($"{name} needs a folder name");
}

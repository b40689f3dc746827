// How shapes read inside diagnostic messages: "64×45×60" for C×H×W, "45×60" for a spatial size.
using System.Globalization;
using NetGen.Generator.Model;

namespace NetGen.Generator.Validation;

internal static class ShapeText
{
    public static string Spatial(int h, int w) => string.Format(CultureInfo.InvariantCulture, "{0}×{1}", h, w);
    public static string Spatial(Shape s) => Spatial(s.H, s.W);
    public static string Full(Shape s) => string.Format(CultureInfo.InvariantCulture, "{0}×{1}×{2}", s.C, s.H, s.W);
}

// Colours for class maps: background black, then distinct saturated colours, so predictions can be compared at a glance.
namespace NetGen.Imaging;

public static class ClassPalette
{
    private static readonly (byte R, byte G, byte B)[] Colours =
    [
        (0, 0, 0), (230, 25, 75), (60, 180, 75), (0, 130, 200), (255, 225, 25), (245, 130, 48), (145, 30, 180), (70, 240, 240),
        (240, 50, 230), (210, 245, 60), (250, 190, 212), (0, 128, 128), (220, 190, 255), (170, 110, 40), (255, 250, 200),
        (128, 0, 0), (170, 255, 195), (128, 128, 0), (255, 215, 180), (0, 0, 128), (128, 128, 128), (255, 255, 255),
    ];

    /// <summary>Colour of class <paramref name="c"/>; classes past the table repeat it. Negative classes (ignored pixels) are gray.</summary>
    public static (byte R, byte G, byte B) Colour(int c) => c < 0 ? ((byte)96, (byte)96, (byte)96) : Colours[c % Colours.Length];

    /// <summary>classes [H·W] → interleaved rgb [H·W·3].</summary>
    public static void Colorize(ReadOnlySpan<int> classes, Span<byte> rgb)
    {
        if (rgb.Length < classes.Length * 3) throw new ArgumentException($"need {classes.Length * 3} bytes for {classes.Length} pixels", nameof(rgb));
        for (int i = 0; i < classes.Length; i++)
        {
            var (r, g, b) = Colour(classes[i]);
            rgb[3 * i] = r;
            rgb[3 * i + 1] = g;
            rgb[3 * i + 2] = b;
        }
    }
}

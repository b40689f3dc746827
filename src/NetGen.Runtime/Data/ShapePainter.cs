// Draws one SyntheticShapes image: a textured background, then 2–4 non-overlapping textured shapes, writing raw RGB values
// in [0, 1] (channel-planar) and the class of every pixel.
namespace NetGen.Data;

internal static class ShapePainter
{
    private const int Size = SyntheticShapes.Size;
    private const int Background = 0, Circle = 1, Square = 2, Triangle = 3;

    private readonly record struct Placed(float X, float Y, float Extent);

    /// <summary>rgb [3, 64, 64] raw values; label [64, 64] classes.</summary>
    public static void Paint(Random rng, Span<float> rgb, Span<int> label)
    {
        var background = RandomColour(rng);
        var texture = Texture.Random(rng, amplitude: 0.07f);
        float gx = Uniform(rng, -0.2f, 0.2f), gy = Uniform(rng, -0.2f, 0.2f);
        for (int y = 0; y < Size; y++)
            for (int x = 0; x < Size; x++)
            {
                float shade = gx * (x - Size / 2f) / Size + gy * (y - Size / 2f) / Size + texture.At(x, y);
                SetPixel(rgb, x, y, background, shade, rng);
                label[y * Size + x] = Background;
            }

        Span<Placed> placed = stackalloc Placed[4];
        int count = rng.Next(2, 5), done = 0;
        for (int s = 0; s < count; s++)
        {
            int kind = rng.Next(Circle, Triangle + 1);
            float extent = kind switch { Circle => Uniform(rng, 7, 14), Square => Uniform(rng, 6, 12), _ => Uniform(rng, 10, 19) };
            if (!TryPlace(rng, extent, placed[..done], out var at)) continue;
            placed[done++] = at;
            var outline = Outline.Create(kind, at, rng);
            var colour = RandomColourAwayFrom(rng, background);
            var shapeTexture = Texture.Random(rng, amplitude: 0.06f);
            for (int y = 0; y < Size; y++)
                for (int x = 0; x < Size; x++)
                {
                    if (!outline.Contains(x + 0.5f, y + 0.5f)) continue;
                    SetPixel(rgb, x, y, colour, shapeTexture.At(x, y), rng);
                    label[y * Size + x] = kind;
                }
        }
    }

    // Keeps shapes apart so that every shape shows its whole outline; a shape may poke slightly past the image border.
    private static bool TryPlace(Random rng, float extent, ReadOnlySpan<Placed> others, out Placed at)
    {
        for (int attempt = 0; attempt < 30; attempt++)
        {
            float margin = 0.7f * extent;
            at = new Placed(Uniform(rng, margin, Size - margin), Uniform(rng, margin, Size - margin), extent);
            bool clear = true;
            foreach (var o in others)
            {
                float dx = o.X - at.X, dy = o.Y - at.Y, gap = 1.05f * (o.Extent + at.Extent);
                if (dx * dx + dy * dy < gap * gap) clear = false;
            }
            if (clear) return true;
        }
        at = default;
        return false;
    }

    private static void SetPixel(Span<float> rgb, int x, int y, (float R, float G, float B) colour, float shade, Random rng)
    {
        int p = y * Size + x;
        rgb[p] = Noisy(colour.R + shade, rng);
        rgb[Size * Size + p] = Noisy(colour.G + shade, rng);
        rgb[2 * Size * Size + p] = Noisy(colour.B + shade, rng);
    }

    // Triangular noise of half-width 0.08: cheap, bounded, and enough to make single pixels unreliable.
    private static float Noisy(float v, Random rng) => Math.Clamp(v + 0.08f * (rng.NextSingle() - rng.NextSingle()), 0f, 1f);

    private static (float R, float G, float B) RandomColour(Random rng) =>
        (Uniform(rng, 0.15f, 0.85f), Uniform(rng, 0.15f, 0.85f), Uniform(rng, 0.15f, 0.85f));

    // A shape colour at least 0.35 (Euclidean RGB) from the background, so every outline is visible.
    private static (float R, float G, float B) RandomColourAwayFrom(Random rng, (float R, float G, float B) background)
    {
        while (true)
        {
            var c = (R: Uniform(rng, 0.05f, 0.95f), G: Uniform(rng, 0.05f, 0.95f), B: Uniform(rng, 0.05f, 0.95f));
            float dr = c.R - background.R, dg = c.G - background.G, db = c.B - background.B;
            if (dr * dr + dg * dg + db * db >= 0.35f * 0.35f) return c;
        }
    }

    private static float Uniform(Random rng, float min, float max) => min + (max - min) * rng.NextSingle();

    /// <summary>A low-frequency stripe pattern: amplitude·sin(fx·x + fy·y + φ).</summary>
    private readonly record struct Texture(float Amplitude, float Fx, float Fy, float Phase)
    {
        public static Texture Random(Random rng, float amplitude) =>
            new(amplitude, Uniform(rng, -0.8f, 0.8f), Uniform(rng, -0.8f, 0.8f), Uniform(rng, 0, MathF.Tau));

        public float At(int x, int y) => Amplitude * MathF.Sin(Fx * x + Fy * y + Phase);
    }

    /// <summary>Point-in-shape test for a circle (radius = extent), an axis-aligned near-square (half-sides ≈ extent)
    /// or a rotated near-equilateral triangle (circumradius = extent).</summary>
    private readonly struct Outline
    {
        private readonly int _kind;
        private readonly float _cx, _cy, _a, _b;
        private readonly (float X, float Y) _p0, _p1, _p2;

        private Outline(int kind, float cx, float cy, float a, float b, (float, float) p0, (float, float) p1, (float, float) p2)
        {
            _kind = kind; _cx = cx; _cy = cy; _a = a; _b = b; _p0 = p0; _p1 = p1; _p2 = p2;
        }

        public static Outline Create(int kind, Placed at, Random rng)
        {
            switch (kind)
            {
                case Circle:
                    return new Outline(kind, at.X, at.Y, at.Extent, at.Extent, default, default, default);
                case Square:
                    float aspect = Uniform(rng, 0.8f, 1.25f);
                    return new Outline(kind, at.X, at.Y, at.Extent * MathF.Sqrt(aspect), at.Extent / MathF.Sqrt(aspect), default, default, default);
                default:
                    float rotation = Uniform(rng, 0, MathF.Tau);
                    (float, float) Vertex(int k)
                    {
                        float angle = rotation + k * MathF.Tau / 3 + Uniform(rng, -0.15f, 0.15f);
                        return (at.X + at.Extent * MathF.Cos(angle), at.Y + at.Extent * MathF.Sin(angle));
                    }
                    return new Outline(kind, at.X, at.Y, 0, 0, Vertex(0), Vertex(1), Vertex(2));
            }
        }

        public bool Contains(float x, float y)
        {
            switch (_kind)
            {
                case Circle:
                    float dx = x - _cx, dy = y - _cy;
                    return dx * dx + dy * dy <= _a * _a;
                case Square:
                    return MathF.Abs(x - _cx) <= _a && MathF.Abs(y - _cy) <= _b;
                default:
                    float d0 = Edge(_p0, _p1, x, y), d1 = Edge(_p1, _p2, x, y), d2 = Edge(_p2, _p0, x, y);
                    return (d0 >= 0 && d1 >= 0 && d2 >= 0) || (d0 <= 0 && d1 <= 0 && d2 <= 0);
            }
        }

        private static float Edge((float X, float Y) a, (float X, float Y) b, float x, float y) =>
            (b.X - a.X) * (y - a.Y) - (b.Y - a.Y) * (x - a.X);
    }
}

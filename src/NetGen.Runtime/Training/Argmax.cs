// Per-pixel argmax over class planes: logits [N, C, H, W] → class map [N, H, W] (first maximum wins, as torch.argmax).
using NetGen.Model;

namespace NetGen.Training;

public static class Argmax
{
    public static void Planar(ReadOnlySpan<float> logits, Span<int> classes, int batch, in Shape shape)
    {
        int plane = shape.H * shape.W;
        if (logits.Length < batch * shape.Size) throw new ArgumentException($"logits need {batch * shape.Size} elements", nameof(logits));
        if (classes.Length < batch * plane) throw new ArgumentException($"class map needs {batch * plane} elements", nameof(classes));
        for (int n = 0; n < batch; n++)
        {
            var x = logits.Slice(n * shape.Size, shape.Size);
            var best = classes.Slice(n * plane, plane);
            best.Clear();
            for (int c = 1; c < shape.C; c++)
            {
                var xc = x.Slice(c * plane, plane);
                for (int p = 0; p < plane; p++)
                    if (xc[p] > x[best[p] * plane + p]) best[p] = c;
            }
        }
    }
}

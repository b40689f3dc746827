// Softmax over classes, numerically stable (shift by the maximum): for one vector, and per pixel over channel planes.
using System.Numerics;
using NetGen.Model;

namespace NetGen.Losses;

public static class Softmax
{
    /// <summary>y = softmax(x) over the whole span. x, y [C].</summary>
    public static void Forward<T>(ReadOnlySpan<T> x, Span<T> y)
        where T : IFloatingPointIeee754<T>
    {
        if (y.Length != x.Length) throw new ArgumentException($"output length {y.Length} differs from input length {x.Length}", nameof(y));
        if (x.IsEmpty) return;
        T max = x[0];
        for (int i = 1; i < x.Length; i++) max = T.Max(max, x[i]);
        T sum = T.Zero;
        for (int i = 0; i < x.Length; i++)
        {
            y[i] = T.Exp(x[i] - max);
            sum += y[i];
        }
        for (int i = 0; i < x.Length; i++) y[i] /= sum;
    }

    /// <summary>Per-pixel softmax over the class planes. logits, probabilities [N, C, H, W] with C = shape.C.</summary>
    public static void Planar<T>(ReadOnlySpan<T> logits, Span<T> probabilities, int batch, in Shape shape)
        where T : IFloatingPointIeee754<T>
    {
        int classes = shape.C, plane = shape.H * shape.W;
        if (logits.Length < batch * shape.Size || probabilities.Length < batch * shape.Size)
            throw new ArgumentException($"logits and probabilities need {batch}×{shape} = {batch * shape.Size} elements");
        for (int n = 0; n < batch; n++)
        {
            int sample = n * shape.Size;
            for (int p = 0; p < plane; p++)
            {
                T max = logits[sample + p];
                for (int c = 1; c < classes; c++) max = T.Max(max, logits[sample + c * plane + p]);
                T sum = T.Zero;
                for (int c = 0; c < classes; c++)
                {
                    T e = T.Exp(logits[sample + c * plane + p] - max);
                    probabilities[sample + c * plane + p] = e;
                    sum += e;
                }
                for (int c = 0; c < classes; c++) probabilities[sample + c * plane + p] /= sum;
            }
        }
    }
}

// Scalar reference of per-pixel softmax cross-entropy, generic so that gradient checks run in float64.
// The float training version (SoftmaxCrossEntropy) is tested against it.
using System.Numerics;
using NetGen.Model;

namespace NetGen.Losses;

public static class SoftmaxCrossEntropyRef
{
    /// <summary>logits [N, C, H, W], labels [N, H, W] → loss; overwrites dlogits [N, C, H, W] with ∂loss/∂logits unless it is empty.
    /// Per pixel: loss = −w_y·log softmax(x)_y and ∂/∂x_c = scale·w_y·(softmax(x)_c − [c = y]), where scale is 1 for Sum and
    /// 1 / Σ w_y for Mean (0 when every pixel is ignored, where torch would return NaN). <paramref name="classWeights"/>
    /// is [C] or empty (all 1).</summary>
    public static T Forward<T>(ReadOnlySpan<T> logits, ReadOnlySpan<int> labels, Span<T> dlogits, int batch, in Shape shape,
        LossReduction reduction = LossReduction.Mean, ReadOnlySpan<T> classWeights = default, int? ignoreLabel = null)
        where T : IFloatingPointIeee754<T>
    {
        int classes = shape.C, plane = shape.H * shape.W;
        if (logits.Length < batch * shape.Size) throw new ArgumentException($"logits need {batch * shape.Size} elements", nameof(logits));
        if (labels.Length < batch * plane) throw new ArgumentException($"labels need {batch * plane} elements", nameof(labels));
        if (!dlogits.IsEmpty && dlogits.Length < batch * shape.Size) throw new ArgumentException($"dlogits need {batch * shape.Size} elements", nameof(dlogits));
        if (!classWeights.IsEmpty && classWeights.Length != classes) throw new ArgumentException($"class weights need {classes} entries", nameof(classWeights));

        T weightSum = T.Zero;
        for (int i = 0; i < batch * plane; i++)
        {
            LabelCheck.Validate(labels[i], i, shape, ignoreLabel);
            if (labels[i] != ignoreLabel) weightSum += Weight(classWeights, labels[i]);
        }
        T scale = reduction == LossReduction.Sum ? T.One : weightSum == T.Zero ? T.Zero : T.One / weightSum;

        T loss = T.Zero;
        for (int n = 0; n < batch; n++)
        {
            int sample = n * shape.Size;
            for (int p = 0; p < plane; p++)
            {
                int y = labels[n * plane + p];
                if (y == ignoreLabel)
                {
                    if (!dlogits.IsEmpty) for (int c = 0; c < classes; c++) dlogits[sample + c * plane + p] = T.Zero;
                    continue;
                }
                T max = logits[sample + p];
                for (int c = 1; c < classes; c++) max = T.Max(max, logits[sample + c * plane + p]);
                T sum = T.Zero;
                for (int c = 0; c < classes; c++) sum += T.Exp(logits[sample + c * plane + p] - max);
                T w = Weight(classWeights, y);
                loss += w * (T.Log(sum) + max - logits[sample + y * plane + p]);
                if (dlogits.IsEmpty) continue;
                for (int c = 0; c < classes; c++)
                {
                    T probability = T.Exp(logits[sample + c * plane + p] - max) / sum;
                    T target = c == y ? T.One : T.Zero;
                    dlogits[sample + c * plane + p] = scale * w * (probability - target);
                }
            }
        }
        return loss * scale;
    }

    private static T Weight<T>(ReadOnlySpan<T> classWeights, int label) where T : IFloatingPointIeee754<T>
        => classWeights.IsEmpty ? T.One : classWeights[label];
}

// Draws random square crops of whole slices with a random flip/transpose (the 8 symmetries of a square), seeded,
// straight into a training batch: the crops are new every batch, so no crop dataset is ever materialized.
using NetGen.Data;

namespace Membrane;

internal sealed class CropSampler(SegmentationDataset slices, int cropSize, int seed)
{
    private readonly Random _rng = new(seed);

    /// <summary>Fills images [batch, 1, crop, crop] and labels [batch, crop, crop] with fresh crops.</summary>
    public void Fill(Span<float> images, Span<int> labels, int batch)
    {
        int crop = cropSize * cropSize;
        for (int n = 0; n < batch; n++)
        {
            int slice = _rng.Next(slices.Count);
            int top = _rng.Next(slices.Height - cropSize + 1), left = _rng.Next(slices.Width - cropSize + 1);
            int symmetry = _rng.Next(8);
            Copy(slices.Image(slice), slices.Label(slice), top, left, symmetry, images.Slice(n * crop, crop), labels.Slice(n * crop, crop));
        }
    }

    // Symmetry bits: 1 = flip x, 2 = flip y, 4 = swap x and y; image and label move together.
    private void Copy(ReadOnlySpan<float> image, ReadOnlySpan<int> label, int top, int left, int symmetry, Span<float> dImage, Span<int> dLabel)
    {
        int width = slices.Width, last = cropSize - 1;
        for (int y = 0; y < cropSize; y++)
            for (int x = 0; x < cropSize; x++)
            {
                int sx = (symmetry & 1) != 0 ? last - x : x, sy = (symmetry & 2) != 0 ? last - y : y;
                if ((symmetry & 4) != 0) (sx, sy) = (sy, sx);
                int source = (top + sy) * width + left + sx, target = y * cropSize + x;
                dImage[target] = image[source];
                dLabel[target] = label[source];
            }
    }
}

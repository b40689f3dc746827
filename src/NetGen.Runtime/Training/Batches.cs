// Copies mini-batches out of a dataset into preallocated buffers, and checks that a dataset fits a network.
using NetGen.Data;
using NetGen.Model;

namespace NetGen.Training;

internal static class Batches
{
    public static void CheckCompatible(ISegmentationNetwork network, SegmentationDataset data)
    {
        var info = network.Info;
        if (data.ImageShape != info.Input)
            throw new ArgumentException($"dataset images are {data.ImageShape} but network {info.Name} takes {info.Input}", nameof(data));
        if (data.Classes != info.Classes)
            throw new ArgumentException($"dataset has {data.Classes} classes but network {info.Name} predicts {info.Classes}", nameof(data));
    }

    /// <summary>Copies the images and labels listed in <paramref name="indices"/> into the front of the buffers.</summary>
    public static void Gather(SegmentationDataset data, ReadOnlySpan<int> indices, Span<float> images, Span<int> labels)
    {
        int size = data.ImageShape.Size, plane = data.Height * data.Width;
        for (int i = 0; i < indices.Length; i++)
        {
            data.Image(indices[i]).CopyTo(images.Slice(i * size, size));
            data.Label(indices[i]).CopyTo(labels.Slice(i * plane, plane));
        }
    }
}

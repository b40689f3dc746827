// The embedded shapes dataset: deterministic per seed, every class present, independent validation stream, normalized inputs.
using NetGen.Data;

namespace NetGen.Runtime.Tests.Training;

public class SyntheticShapesTests
{
    [Fact]
    public void Same_seed_gives_the_same_images_and_a_longer_set_extends_a_shorter_one()
    {
        var a = SyntheticShapes.Generate(6, seed: 7);
        var b = SyntheticShapes.Generate(6, seed: 7);
        var longer = SyntheticShapes.Generate(9, seed: 7);
        Assert.True(a.Images.SequenceEqual(b.Images));
        Assert.True(a.Labels.SequenceEqual(b.Labels));
        Assert.True(a.Images.SequenceEqual(longer.Images[..a.Images.Length]));
        Assert.False(a.Images.SequenceEqual(SyntheticShapes.Generate(6, seed: 8).Images));
    }

    [Fact]
    public void All_classes_present_and_every_image_has_shapes()
    {
        var data = SyntheticShapes.Generate(24, seed: 1);
        Assert.Equal(4, data.Classes);
        Assert.Equal(new NetGen.Model.Shape(3, 64, 64), data.ImageShape);
        var counts = new long[data.Classes];
        foreach (int y in data.Labels) counts[y]++;
        Assert.All(counts, c => Assert.True(c > 0));
        for (int i = 0; i < data.Count; i++)
        {
            int shapePixels = 0;
            foreach (int y in data.Label(i)) if (y != 0) shapePixels++;
            Assert.InRange(shapePixels, 100, 64 * 64 / 2);
        }
    }

    [Fact]
    public void Train_and_validation_differ_and_inputs_are_normalized()
    {
        var split = SyntheticShapes.Create(trainCount: 8, validationCount: 4, seed: 3);
        Assert.Equal(8, split.Train.Count);
        Assert.Equal(4, split.Validation.Count);
        Assert.False(split.Train.Images[..split.Validation.Images.Length].SequenceEqual(split.Validation.Images));

        double sum = 0, sumSquares = 0;
        foreach (float v in split.Train.Images)
        {
            sum += v;
            sumSquares += v * v;
        }
        double mean = sum / split.Train.Images.Length, std = Math.Sqrt(sumSquares / split.Train.Images.Length - mean * mean);
        Assert.InRange(mean, -0.5, 0.5);
        Assert.InRange(std, 0.5, 1.5);
    }

    [Fact]
    public void Split_shuffles_into_disjoint_parts()
    {
        var data = SyntheticShapes.Generate(10, seed: 2);
        var split = data.Split(0.3, seed: 1);
        Assert.Equal(7, split.Train.Count);
        Assert.Equal(3, split.Validation.Count);
        var seen = new HashSet<int>();
        foreach (var part in new[] { split.Train, split.Validation })
            for (int i = 0; i < part.Count; i++)
                seen.Add(Enumerable.Range(0, data.Count).Single(j => data.Image(j).SequenceEqual(part.Image(i))));
        Assert.Equal(10, seen.Count);
    }
}

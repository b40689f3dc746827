// The main job: train the default ShapesNet on the embedded synthetic shapes set, one plain line per epoch, then write
// "image | truth | prediction" strips for a few validation images and a final summary line.
using System.Diagnostics;
using System.Runtime.Intrinsics;
using NetGen.Checkpoints;
using NetGen.Data;
using NetGen.Imaging;
using NetGen.Losses;
using NetGen.Optimizers;
using NetGen.Training;
using Shapes;

if (ShapesOptions.IsHelp(args))
{
    Console.WriteLine(ShapesOptions.Usage);
    return 0;
}

ShapesOptions options;
try
{
    options = ShapesOptions.Parse(args);
}
catch (FormatException e)
{
    Console.Error.WriteLine($"Shapes: {e.Message}");
    return 2;
}

const double TargetAccuracy = 0.97, TargetMeanIoU = 0.85;
var total = Stopwatch.StartNew();
var data = SyntheticShapes.Create(options.TrainSize, options.ValidationSize, options.Seed);
var network = new ShapesNet(maxBatch: options.Batch, seed: options.Seed);
var info = network.Info;
int vectorBits = Vector512.IsHardwareAccelerated ? 512 : Vector256.IsHardwareAccelerated ? 256 : Vector128.IsHardwareAccelerated ? 128 : 0;
Console.WriteLine($"network {info.Name}: input {info.Input}, {info.Classes} classes, {info.Layers.Count} layers, " +
    $"{network.Parameters.TrainableCount:N0} parameters, {info.ForwardFlopsPerSample / 1e6:F1} MFLOPs/image forward");
Console.WriteLine($"threads {Environment.ProcessorCount}, vector width {vectorBits} bits");
Console.WriteLine($"data: {data.Train.Count} train / {data.Validation.Count} validation images of {data.Train.ImageShape} " +
    $"(classes: {string.Join(", ", data.Train.ClassNames)}), generated in {total.Elapsed.TotalSeconds:F1}s");
Console.WriteLine($"training: Adam lr {options.LearningRate}, cosine schedule, batch {options.Batch}, up to {options.Epochs} epochs or " +
    $"{options.TimeBudgetSeconds:F0}s, stop at pixel acc >= {TargetAccuracy} and mIoU >= {TargetMeanIoU}");

var loss = new SoftmaxCrossEntropy(new(info.Classes, info.Input.H, info.Input.W));
var trainer = new Trainer(network, new Adam(options.LearningRate), loss, new TrainerOptions
{
    Epochs = options.Epochs,
    BatchSize = options.Batch,
    Seed = options.Seed,
    Schedule = new CosineSchedule(minFactor: 0.05),
    TimeBudget = TimeSpan.FromSeconds(options.TimeBudgetSeconds),
    StopWhen = r => r.PixelAccuracy >= TargetAccuracy && r.MeanIoU >= TargetMeanIoU,
});
var history = trainer.Fit(data.Train, data.Validation, r => Console.WriteLine(r.ToString()));

int written = WriteStrips(network, data.Validation, options.Out, count: 8);
string checkpoint = Path.Combine(options.Out, "shapes.safetensors");
SafeTensors.Save(checkpoint, network.Parameters, new Dictionary<string, string> { ["network"] = info.Name, ["seed"] = options.Seed.ToString() });
var last = history.Last!;
Console.WriteLine($"class IoU: {string.Join(", ", data.Train.ClassNames.Select((name, c) => $"{name} {last.ClassIoU[c]:F3}"))}");
Console.WriteLine($"done: {history.Epochs.Count} epochs ({history.StopReason}), val pixel acc {last.PixelAccuracy:F4}, mIoU {last.MeanIoU:F4}, " +
    $"training {last.Total.TotalSeconds:F1}s, total {total.Elapsed.TotalSeconds:F1}s, {written} strips and the checkpoint {Path.GetFileName(checkpoint)} in {Path.GetFullPath(options.Out)}");
return 0;

static int WriteStrips(ShapesNet network, SegmentationDataset validation, string folder, int count)
{
    Directory.CreateDirectory(folder);
    count = Math.Min(count, validation.Count);
    int plane = validation.Height * validation.Width;
    var predicted = new int[plane];
    for (int i = 0; i < count; i++)
    {
        network.Predict(validation.Image(i), 1, predicted);
        SegmentationStrip.Write(validation.Image(i), validation.Label(i), predicted, validation.ImageShape, validation.Normalization,
            Path.Combine(folder, $"val_{i:D2}.png"));
    }
    return count;
}

// Membrane (edge) segmentation of real EM slices: train a small U-Net on random 128×128 crops, copy its weights into the
// same U-Net generated for whole 512×512 slices, and measure that one on held-out slices; one plain line per epoch.
using System.Diagnostics;
using System.Globalization;
using NetGen.Checkpoints;
using NetGen.Data;
using NetGen.Imaging;
using NetGen.Losses;
using NetGen.Optimizers;
using NetGen.Training;
using Membrane;

if (MembraneOptions.IsHelp(args))
{
    Console.WriteLine(MembraneOptions.Usage);
    return 0;
}

MembraneOptions options;
DatasetSplit data;
var total = Stopwatch.StartNew();
try
{
    options = MembraneOptions.Parse(args);
    data = MembraneData.Load(MembraneData.Locate(options.Data));
}
catch (Exception e) when (e is FormatException or IOException or InvalidDataException)
{
    Console.Error.WriteLine($"Membrane: {e.Message}");
    return 2;
}

var cropNet = new MembraneCropNet(maxBatch: options.Batch, seed: options.Seed);
var sliceNet = new MembraneSliceNet(maxBatch: 1, seed: options.Seed);
var crop = cropNet.Info.Input;
var normalization = data.Train.Normalization!;
Console.WriteLine($"networks: {cropNet.Info.Name} {crop} for training, {sliceNet.Info.Name} {sliceNet.Info.Input} for whole slices, " +
    $"{cropNet.Parameters.TrainableCount:N0} shared parameters, {cropNet.Info.ForwardFlopsPerSample / 1e6:F0} / {sliceNet.Info.ForwardFlopsPerSample / 1e6:F0} MFLOPs forward");
Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"data: {data.Train.Count} train / {data.Validation.Count} validation slices of {data.Train.ImageShape}, mean {normalization.Mean[0]:F3} std {normalization.Std[0]:F3}, loaded in {total.Elapsed.TotalSeconds:F1}s"));
Console.WriteLine($"training: Adam lr {options.LearningRate}, cosine schedule, {options.CropsPerEpoch} random {crop.H}×{crop.W} crops per epoch " +
    $"in batches of {options.Batch}, up to {options.Epochs} epochs or {options.TimeBudgetSeconds:F0}s, threads {Environment.ProcessorCount}");

var cropLoss = new SoftmaxCrossEntropy(new(cropNet.Info.Classes, crop.H, crop.W));
var sliceLoss = new SoftmaxCrossEntropy(new(sliceNet.Info.Classes, MembraneData.Size, MembraneData.Size));
var optimizer = new Adam(options.LearningRate);
var schedule = new CosineSchedule(minFactor: 0.05);
var evaluator = new Evaluator(sliceNet, sliceLoss, batchSize: 1);
var sampler = new CropSampler(data.Train, crop.H, options.Seed);
var input = new float[options.Batch * crop.Size];
var labels = new int[options.Batch * crop.H * crop.W];
var dlogits = new float[options.Batch * cropLoss.Shape.Size];
var budget = TimeSpan.FromSeconds(options.TimeBudgetSeconds);
var training = Stopwatch.StartNew();
EpochResult? last = null;
int epochs = 0;
for (int epoch = 0; epoch < options.Epochs; epoch++)
{
    // As the library Trainer: no epoch starts that would, at the mean epoch time so far, end past the budget.
    if (epoch > 0 && training.Elapsed + training.Elapsed / epoch > budget) break;
    var watch = Stopwatch.StartNew();
    optimizer.LearningRate = schedule.At(epoch, options.Epochs, options.LearningRate);
    double lossSum = 0;
    for (int done = 0; done < options.CropsPerEpoch; done += options.Batch)
    {
        int batch = Math.Min(options.Batch, options.CropsPerEpoch - done);
        sampler.Fill(input, labels, batch);
        cropNet.ZeroGrad();
        var logits = cropNet.Forward(input.AsSpan(0, batch * crop.Size), batch, training: true);
        float loss = cropLoss.Forward(logits, labels.AsSpan(0, batch * crop.H * crop.W), dlogits.AsSpan(0, batch * cropLoss.Shape.Size), batch);
        if (!float.IsFinite(loss))
        {
            Console.Error.WriteLine($"Membrane: training diverged in epoch {epoch + 1} (loss {loss}); lower --lr");
            return 1;
        }
        cropNet.Backward(dlogits.AsSpan(0, batch * cropLoss.Shape.Size), batch);
        optimizer.Step(cropNet.Parameters);
        lossSum += batch * (double)loss;
    }
    WeightTransfer.Copy(cropNet.Parameters, sliceNet.Parameters);
    double validationLoss = evaluator.Evaluate(data.Validation);
    var confusion = evaluator.Confusion;
    last = new EpochResult(epoch + 1, optimizer.LearningRate, lossSum / options.CropsPerEpoch, validationLoss, confusion.PixelAccuracy,
        confusion.MeanIoU, Enumerable.Range(0, confusion.Classes).Select(confusion.IoU).ToArray(), watch.Elapsed, training.Elapsed);
    epochs++;
    Console.WriteLine(last.ToString());
}

int written = WriteStrips(sliceNet, data.Validation, options.Out);
string checkpoint = Path.Combine(options.Out, "membrane.safetensors");
SafeTensors.Save(checkpoint, sliceNet.Parameters, new Dictionary<string, string>
{
    ["network"] = sliceNet.Info.Name,
    ["trained_as"] = cropNet.Info.Name,
    ["seed"] = options.Seed.ToString(CultureInfo.InvariantCulture),
    ["mean"] = normalization.Mean[0].ToString("R", CultureInfo.InvariantCulture),
    ["std"] = normalization.Std[0].ToString("R", CultureInfo.InvariantCulture),
});
Console.WriteLine($"class IoU: {string.Join(", ", MembraneData.ClassNames.Select((name, c) => $"{name} {last!.ClassIoU[c]:F3}"))}");
Console.WriteLine($"done: {epochs} epochs{(epochs < options.Epochs ? " (time budget)" : "")}, val pixel acc {last!.PixelAccuracy:F4}, mIoU {last.MeanIoU:F4} " +
    $"on {data.Validation.Count} whole slices, training {last.Total.TotalSeconds:F1}s, total {total.Elapsed.TotalSeconds:F1}s, " +
    $"{written} strips and the checkpoint {Path.GetFileName(checkpoint)} in {Path.GetFullPath(options.Out)}");
return 0;

static int WriteStrips(MembraneSliceNet network, SegmentationDataset validation, string folder)
{
    Directory.CreateDirectory(folder);
    var predicted = new int[validation.Height * validation.Width];
    for (int i = 0; i < validation.Count; i++)
    {
        network.Predict(validation.Image(i), 1, predicted);
        SegmentationStrip.Write(validation.Image(i), validation.Label(i), predicted, validation.ImageShape, validation.Normalization,
            Path.Combine(folder, $"val_{MembraneData.FirstValidationSlice + i:D2}.png"));
    }
    return validation.Count;
}

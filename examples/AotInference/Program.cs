// Allocation-free inference in a Native AOT app: a generated network, a synthetic image, Predict in a loop.
// Publish with `dotnet publish examples/AotInference -c Release` and run bin/Release/net10.0/linux-x64/publish/AotInference.
using System.Diagnostics;
using System.Runtime.Intrinsics;
using NetGen;
using NetGen.Data;

// Optional arguments: batch size and number of timed runs (a thread-scaling check runs it under NETGEN_THREADS=1, 2, 4, …).
if (args.Length > 2 || !TryArg(0, 1, out int batch) || !TryArg(1, 200, out int runs))
{
    Console.Error.WriteLine("usage: AotInference [batch ≥ 1] [runs ≥ 1]");
    return 2;
}

var data = SyntheticShapes.Create(trainCount: 1, validationCount: batch, seed: 7);
var net = new EdgeNet(maxBatch: batch, seed: 7);
var images = data.Validation.Images.ToArray();
var classes = new int[batch * EdgeNet.Height * EdgeNet.Width];

net.Predict(images, batch, classes);
int Runs = runs;
long before = GC.GetAllocatedBytesForCurrentThread();
long start = Stopwatch.GetTimestamp();
for (int i = 0; i < Runs; i++) net.Predict(images, batch, classes);
var elapsed = Stopwatch.GetElapsedTime(start);
long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

int edgePixels = classes.Count(c => c == 1);
Console.WriteLine($"Vector512 {(Vector512.IsHardwareAccelerated ? "on" : "off")}, Vector256 {(Vector256.IsHardwareAccelerated ? "on" : "off")}");
Console.WriteLine($"EdgeNet {EdgeNet.InputChannels}×{EdgeNet.Height}×{EdgeNet.Width}: batch {batch}: {elapsed.TotalMilliseconds / Runs:F3} ms per Predict ({elapsed.TotalMilliseconds / Runs / batch:F3} ms per image), " +
    $"{allocated} bytes allocated over {Runs} calls, {edgePixels} pixels of class 1 (untrained weights)");
// Inference never allocates the activations only training writes (nor gradients): see the generated header.
Console.WriteLine($"buffers held for inference: {net.BufferBytes / 1024.0:F0} KiB for {batch} sample(s)");
return allocated == 0 ? 0 : 1;

bool TryArg(int index, int fallback, out int value)
{
    value = fallback;
    return index >= args.Length || (int.TryParse(args[index], out value) && value >= 1);
}

/// <summary>A two-class (edge / not edge) hourglass: edge detection is segmentation with 2 classes.</summary>
[Network(InputChannels = 3, Height = 64, Width = 64, Classes = 2)]
[Conv2d(16, 3, Padding = 1), BatchNorm2d, ReLU]
[MaxPool2d(2)]
[Conv2d(32, 3, Padding = 1), BatchNorm2d, ReLU]
[ConvTranspose2d(16, 3, Padding = 1), BatchNorm2d, ReLU]
[MaxUnpool2d]
[ConvTranspose2d(16, 3, Padding = 1), BatchNorm2d, ReLU]
[Classifier]
public partial class EdgeNet;

// Allocation-free inference in a Native AOT app: a generated network, a synthetic image, Predict in a loop.
// Publish with `dotnet publish examples/AotInference -c Release` and run bin/Release/net10.0/linux-x64/publish/AotInference.
using System.Diagnostics;
using System.Runtime.Intrinsics;
using NetGen;
using NetGen.Data;

var data = SyntheticShapes.Create(trainCount: 1, validationCount: 1, seed: 7);
var net = new EdgeNet(maxBatch: 1, seed: 7);
var image = data.Validation.Image(0).ToArray();
var classes = new int[EdgeNet.Height * EdgeNet.Width];

net.Predict(image, 1, classes);
const int Runs = 200;
long before = GC.GetAllocatedBytesForCurrentThread();
long start = Stopwatch.GetTimestamp();
for (int i = 0; i < Runs; i++) net.Predict(image, 1, classes);
var elapsed = Stopwatch.GetElapsedTime(start);
long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

int edgePixels = classes.Count(c => c == 1);
Console.WriteLine($"Vector512 {(Vector512.IsHardwareAccelerated ? "on" : "off")}, Vector256 {(Vector256.IsHardwareAccelerated ? "on" : "off")}");
Console.WriteLine($"EdgeNet {EdgeNet.InputChannels}×{EdgeNet.Height}×{EdgeNet.Width}: {elapsed.TotalMilliseconds / Runs:F3} ms per Predict, " +
    $"{allocated} bytes allocated over {Runs} calls, {edgePixels} pixels of class 1 (untrained weights)");
return allocated == 0 ? 0 : 1;

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

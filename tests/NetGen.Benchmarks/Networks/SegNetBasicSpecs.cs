// SegNet-Basic as NetGen specs, layer for layer the same as StandardNetworks.SegNetBasic (same order and parameter names),
// so the weights libtorch and ONNX Runtime run are copied into them unchanged. The check before each benchmark compares the tables.
using NetGen;

namespace NetGen.Benchmarks.Networks;

/// <summary>SegNet-Basic on CamVid's 360×480 frames, 11 classes (the fourth pool takes 45 rows to 22, its unpool back to 45).</summary>
[Network(InputChannels = 3, Height = 360, Width = 480, Classes = 11)]
[Conv2d(64, 7, Padding = 3)] [BatchNorm2d] [ReLU] [MaxPool2d(2)]
[Conv2d(64, 7, Padding = 3)] [BatchNorm2d] [ReLU] [MaxPool2d(2)]
[Conv2d(64, 7, Padding = 3)] [BatchNorm2d] [ReLU] [MaxPool2d(2)]
[Conv2d(64, 7, Padding = 3)] [BatchNorm2d] [ReLU] [MaxPool2d(2)]
[MaxUnpool2d] [ConvTranspose2d(64, 7, Padding = 3)] [BatchNorm2d] [ReLU]
[MaxUnpool2d] [ConvTranspose2d(64, 7, Padding = 3)] [BatchNorm2d] [ReLU]
[MaxUnpool2d] [ConvTranspose2d(64, 7, Padding = 3)] [BatchNorm2d] [ReLU]
[MaxUnpool2d] [ConvTranspose2d(64, 7, Padding = 3)] [BatchNorm2d] [ReLU]
[Classifier]
public sealed partial class SegNetBasic360;

/// <summary>SegNet-Basic at half resolution, 180×240.</summary>
[Network(InputChannels = 3, Height = 180, Width = 240, Classes = 11)]
[Conv2d(64, 7, Padding = 3)] [BatchNorm2d] [ReLU] [MaxPool2d(2)]
[Conv2d(64, 7, Padding = 3)] [BatchNorm2d] [ReLU] [MaxPool2d(2)]
[Conv2d(64, 7, Padding = 3)] [BatchNorm2d] [ReLU] [MaxPool2d(2)]
[Conv2d(64, 7, Padding = 3)] [BatchNorm2d] [ReLU] [MaxPool2d(2)]
[MaxUnpool2d] [ConvTranspose2d(64, 7, Padding = 3)] [BatchNorm2d] [ReLU]
[MaxUnpool2d] [ConvTranspose2d(64, 7, Padding = 3)] [BatchNorm2d] [ReLU]
[MaxUnpool2d] [ConvTranspose2d(64, 7, Padding = 3)] [BatchNorm2d] [ReLU]
[MaxUnpool2d] [ConvTranspose2d(64, 7, Padding = 3)] [BatchNorm2d] [ReLU]
[Classifier]
public sealed partial class SegNetBasic180;

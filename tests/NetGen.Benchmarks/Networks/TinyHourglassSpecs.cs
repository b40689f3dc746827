// The tiny hourglass as NetGen specs, layer for layer the same as StandardNetworks.TinyHourglass (3×3 convs 16-32-64 with
// two pools, mirrored deconvs with unpools, 1×1 classifier to 2 classes), at 64×64 and 256×256.
using NetGen;

namespace NetGen.Benchmarks.Networks;

[Network(InputChannels = 1, Height = 64, Width = 64, Classes = 2)]
[Conv2d(16, 3, Padding = 1)] [ReLU] [MaxPool2d(2)]
[Conv2d(32, 3, Padding = 1)] [ReLU] [MaxPool2d(2)]
[Conv2d(64, 3, Padding = 1)] [ReLU]
[ConvTranspose2d(32, 3, Padding = 1)] [ReLU] [MaxUnpool2d]
[ConvTranspose2d(16, 3, Padding = 1)] [ReLU] [MaxUnpool2d]
[ConvTranspose2d(16, 3, Padding = 1)] [ReLU]
[Classifier]
public sealed partial class TinyHourglass64;

[Network(InputChannels = 1, Height = 256, Width = 256, Classes = 2)]
[Conv2d(16, 3, Padding = 1)] [ReLU] [MaxPool2d(2)]
[Conv2d(32, 3, Padding = 1)] [ReLU] [MaxPool2d(2)]
[Conv2d(64, 3, Padding = 1)] [ReLU]
[ConvTranspose2d(32, 3, Padding = 1)] [ReLU] [MaxUnpool2d]
[ConvTranspose2d(16, 3, Padding = 1)] [ReLU] [MaxUnpool2d]
[ConvTranspose2d(16, 3, Padding = 1)] [ReLU]
[Classifier]
public sealed partial class TinyHourglass256;

// A wider hourglass for the profile only (`--profile Wide128`; not in the suite): 3×3 convs 64-128-256 on an RGB 128×128
// image, the layer widths of a U-Net's upper levels, where the products' terms (input channels) no longer fit L1.
[Network(InputChannels = 3, Height = 128, Width = 128, Classes = 4)]
[Conv2d(64, 3, Padding = 1)] [ReLU] [MaxPool2d(2)]
[Conv2d(128, 3, Padding = 1)] [ReLU] [MaxPool2d(2)]
[Conv2d(256, 3, Padding = 1)] [ReLU]
[ConvTranspose2d(128, 3, Padding = 1)] [ReLU] [MaxUnpool2d]
[ConvTranspose2d(64, 3, Padding = 1)] [ReLU] [MaxUnpool2d]
[ConvTranspose2d(64, 3, Padding = 1)] [ReLU]
[Classifier]
public sealed partial class WideHourglass128;

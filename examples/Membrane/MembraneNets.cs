// One small U-Net declared twice: at the 128×128 training-crop size and at the full 512×512 slice size.
// Networks are shape-specialized at compile time, so each size is its own class; same layers give the same parameter names.
using NetGen;

namespace Membrane;

[Network(InputChannels = 1, Height = 128, Width = 128, Classes = 2)]
[Conv2d(16, 3, Padding = 1), BatchNorm2d, ReLU, Skip("l1")]
[MaxPool2d(2)]
[Conv2d(32, 3, Padding = 1), BatchNorm2d, ReLU, Skip("l2")]
[MaxPool2d(2)]
[Conv2d(64, 3, Padding = 1), BatchNorm2d, ReLU]
[ConvTranspose2d(32, 3, Padding = 1), BatchNorm2d, ReLU]
[MaxUnpool2d, Concat("l2")]
[ConvTranspose2d(16, 3, Padding = 1), BatchNorm2d, ReLU]
[MaxUnpool2d, Concat("l1")]
[ConvTranspose2d(16, 3, Padding = 1), BatchNorm2d, ReLU]
[Classifier]
public partial class MembraneCropNet;

[Network(InputChannels = 1, Height = 512, Width = 512, Classes = 2)]
[Conv2d(16, 3, Padding = 1), BatchNorm2d, ReLU, Skip("l1")]
[MaxPool2d(2)]
[Conv2d(32, 3, Padding = 1), BatchNorm2d, ReLU, Skip("l2")]
[MaxPool2d(2)]
[Conv2d(64, 3, Padding = 1), BatchNorm2d, ReLU]
[ConvTranspose2d(32, 3, Padding = 1), BatchNorm2d, ReLU]
[MaxUnpool2d, Concat("l2")]
[ConvTranspose2d(16, 3, Padding = 1), BatchNorm2d, ReLU]
[MaxUnpool2d, Concat("l1")]
[ConvTranspose2d(16, 3, Padding = 1), BatchNorm2d, ReLU]
[Classifier]
public partial class MembraneSliceNet;

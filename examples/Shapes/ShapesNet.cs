// The default network: a SegNet-style encoder–decoder for 64×64 RGB images and 4 classes, declared with NetGen attributes.
// Three conv blocks with two max-pools go down; mirrored deconv blocks with max-unpools (reusing the pools' argmax) come back up.
using NetGen;

namespace Shapes;

[Network(InputChannels = 3, Height = 64, Width = 64, Classes = 4)]
[Conv2d(16, 3, Padding = 1), BatchNorm2d, ReLU]
[MaxPool2d(2)]
[Conv2d(32, 3, Padding = 1), BatchNorm2d, ReLU]
[MaxPool2d(2)]
[Conv2d(64, 3, Padding = 1), BatchNorm2d, ReLU]
[ConvTranspose2d(32, 3, Padding = 1), BatchNorm2d, ReLU]
[MaxUnpool2d]
[ConvTranspose2d(16, 3, Padding = 1), BatchNorm2d, ReLU]
[MaxUnpool2d]
[ConvTranspose2d(16, 3, Padding = 1), BatchNorm2d, ReLU]
[Classifier]
public partial class ShapesNet;

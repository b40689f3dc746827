// Real network specs compiled by the NetGen generator (referenced as an analyzer): small enough for the scalar
// reference to check quickly, and chosen to cover batch norm, odd sizes with stride 2 and output padding, U-Net skips,
// every way inference fuses a convolution with the batch norm and ReLU after it, and every way training fuses a ReLU.
using NetGen;

namespace NetGen.EndToEnd.Tests;

/// <summary>Hourglass with batch norm: three convs and two pools down, mirrored deconvs and unpools up.</summary>
[Network(InputChannels = 1, Height = 16, Width = 16, Classes = 3)]
[Conv2d(4, 3, Padding = 1)]
[BatchNorm2d]
[ReLU]
[MaxPool2d(2)]
[Conv2d(8, 3, Padding = 1)]
[BatchNorm2d(Epsilon = 1e-3, Momentum = 0.2)]
[ReLU]
[MaxPool2d(2)]
[Conv2d(8, 3, Padding = 1)]
[ReLU]
[ConvTranspose2d(8, 3, Padding = 1)]
[ReLU]
[MaxUnpool2d]
[ConvTranspose2d(4, 3, Padding = 1)]
[BatchNorm2d]
[ReLU]
[MaxUnpool2d]
[ConvTranspose2d(4, 3, Padding = 1)]
[ReLU]
[Classifier]
public partial class TinyHourglassNet
{
}

/// <summary>Stride-2 convolutions on an odd, non-square input: 9×10 → 5×5 → 3×3 and back, so the deconvs need output
/// padding 0 along H and 1 along W. A 3×3 classifier.</summary>
[Network(InputChannels = 2, Height = 9, Width = 10, Classes = 2)]
[Conv2d(4, 3, Stride = 2, Padding = 1)]
[BatchNorm2d]
[ReLU]
[Conv2d(8, 3, Stride = 2, Padding = 1)]
[ReLU]
[ConvTranspose2d(4, 3, Stride = 2, Padding = 1)]
[ReLU]
[ConvTranspose2d(4, 3, Stride = 2, Padding = 1)]
[ReLU]
[Classifier(Kernel = 3)]
public partial class OddStride2Net
{
}

/// <summary>U-Net: two skips, one across a pool/unpool pair and one across a stride-2 conv whose deconv needs output padding.</summary>
[Network(InputChannels = 3, Height = 12, Width = 12, Classes = 4)]
[Conv2d(4, 3, Padding = 1)]
[BatchNorm2d]
[ReLU]
[Skip("e1")]
[MaxPool2d(2)]
[Conv2d(8, 3, Padding = 1)]
[ReLU]
[Skip("e2")]
[Conv2d(16, 3, Stride = 2, Padding = 1)]
[ReLU]
[ConvTranspose2d(8, 3, Stride = 2, Padding = 1)]
[ReLU]
[Concat("e2")]
[ConvTranspose2d(4, 3, Padding = 1)]
[ReLU]
[MaxUnpool2d]
[Concat("e1")]
[ConvTranspose2d(4, 3, Padding = 1)]
[ReLU]
[Classifier]
public partial class SkipUNet
{
}

/// <summary>Every shape of inference fusion: conv → BN → ReLU (with a Skip after the ReLU), a Skip between a conv and its
/// ReLU (which must stop the fusion), conv → BN → ReLU without a Skip, deconv → ReLU and deconv → BN → ReLU.</summary>
[Network(InputChannels = 2, Height = 12, Width = 12, Classes = 3)]
[Conv2d(4, 3, Padding = 1)]
[BatchNorm2d]
[ReLU]
[Skip("a")]
[MaxPool2d(2)]
[Conv2d(6, 3, Padding = 1)]
[Skip("b")]
[ReLU]
[Conv2d(8, 3, Padding = 1)]
[BatchNorm2d(Epsilon = 1e-3)]
[ReLU]
[ConvTranspose2d(6, 3, Padding = 1)]
[ReLU]
[Concat("b")]
[ConvTranspose2d(4, 3, Padding = 1)]
[BatchNorm2d]
[ReLU]
[MaxUnpool2d]
[Concat("a")]
[ConvTranspose2d(4, 3, Padding = 1)]
[ReLU]
[Classifier]
public partial class FusedEpilogueNet
{
}

/// <summary>Every shape of training fusion, and first layers that skip the input gradient in other ways than a conv: a Skip
/// on the input (its backward adds into the input's gradient), a batch norm first (its dx is the input's gradient) with a
/// ReLU folded into it, conv → ReLU, pool → BN → ReLU (fused in training only), conv → BN → ReLU, deconv → BN → ReLU before
/// an unpool, and Concats of a post-ReLU activation and of the input.</summary>
[Network(InputChannels = 2, Height = 12, Width = 12, Classes = 3)]
[Skip("in")]
[BatchNorm2d]
[ReLU]
[Conv2d(4, 3, Padding = 1)]
[ReLU]
[Skip("a")]
[MaxPool2d(2)]
[BatchNorm2d]
[ReLU]
[Conv2d(6, 3, Padding = 1)]
[BatchNorm2d]
[ReLU]
[ConvTranspose2d(4, 3, Padding = 1)]
[BatchNorm2d]
[ReLU]
[MaxUnpool2d]
[Concat("a")]
[ConvTranspose2d(4, 3, Padding = 1)]
[ReLU]
[Concat("in")]
[Classifier]
public partial class TrainingFusionNet
{
}

/// <summary>Convolutions that both modes run with the pool after them as one call: conv → ReLU → pool on a one-channel
/// input 18 wide (the nine-tap rows), conv → pool without a ReLU, pooling 8×9 to 4×4 (an odd width drops its last column),
/// then back up through unpools that read those pools' argmax.</summary>
[Network(InputChannels = 1, Height = 16, Width = 18, Classes = 2)]
[Conv2d(4, 3, Padding = 1)]
[ReLU]
[MaxPool2d(2)]
[Conv2d(8, 3, Padding = 1)]
[MaxPool2d(2)]
[Conv2d(8, 3, Padding = 1)]
[ReLU]
[ConvTranspose2d(8, 3, Padding = 1)]
[ReLU]
[MaxUnpool2d]
[ConvTranspose2d(4, 3, Padding = 1)]
[ReLU]
[MaxUnpool2d]
[ConvTranspose2d(4, 3, Padding = 1)]
[ReLU]
[Classifier]
public partial class PooledConvNet
{
}

/// <summary>SegNet's shape in small: 7×7 and 5×5 convolutions to 32 channels, each with a batch norm, ReLU and pool, then
/// unpools read by deconvolutions wide enough for the sparse paths (UnpooledForward, UnpooledBackward: the unpooled input's
/// nonzeros only, on Vector512): a 5×5 deconvolution reading an unpool of a pool's output, and a 7×7 one reading an unpool of
/// a ReLU folded into its batch norm (its input gradient gated by that ReLU).</summary>
[Network(InputChannels = 3, Height = 24, Width = 20, Classes = 3)]
[Conv2d(32, 7, Padding = 3)]
[BatchNorm2d]
[ReLU]
[MaxPool2d(2)]
[Conv2d(32, 5, Padding = 2)]
[BatchNorm2d]
[ReLU]
[MaxPool2d(2)]
[MaxUnpool2d]
[ConvTranspose2d(32, 5, Padding = 2)]
[BatchNorm2d]
[ReLU]
[MaxUnpool2d]
[ConvTranspose2d(32, 7, Padding = 3)]
[BatchNorm2d]
[ReLU]
[Classifier]
public partial class SparseDecoderNet
{
}

/// <summary>The tiny hourglass's decoder in small: 3×3 deconvolutions to 16 channels reading unpools (the narrow kernel of
/// UnpooledBackward on Vector512: both gradients in one pass over the unpooled input's nonzeros), one from 32 channels and
/// one from 16, each unpool reading a ReLU (its input gradient gated); pooled planes of odd width.</summary>
[Network(InputChannels = 1, Height = 20, Width = 28, Classes = 2)]
[Conv2d(16, 3, Padding = 1)]
[ReLU]
[MaxPool2d(2)]
[Conv2d(32, 3, Padding = 1)]
[ReLU]
[MaxPool2d(2)]
[Conv2d(32, 3, Padding = 1)]
[ReLU]
[ConvTranspose2d(32, 3, Padding = 1)]
[ReLU]
[MaxUnpool2d]
[ConvTranspose2d(16, 3, Padding = 1)]
[ReLU]
[MaxUnpool2d]
[ConvTranspose2d(16, 3, Padding = 1)]
[ReLU]
[Classifier]
public partial class NarrowDecoderNet
{
}

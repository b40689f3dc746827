// The user sources behind the emitter snapshots: three networks that between them use every layer kind, both BN
// and no-BN paths, odd pool sizes (45 → 22 → 45), stride 2 with output padding, skips, and the global namespace.
namespace NetGen.Generator.Tests.Snapshots;

internal static class SnapshotSpecs
{
    /// <summary>Conv 16-32-64 with two pools, mirrored deconvs and unpools, 1×1 classifier.</summary>
    public const string TinyHourglass = """
        using NetGen;

        namespace Demo;

        [Network(InputChannels = 1, Height = 64, Width = 64, Classes = 2)]
        [Conv2d(16, 3, Padding = 1)]
        [ReLU]
        [MaxPool2d(2)]
        [Conv2d(32, 3, Padding = 1)]
        [ReLU]
        [MaxPool2d(2)]
        [Conv2d(64, 3, Padding = 1)]
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
        public partial class TinyHourglass;
        """;

    /// <summary>SegNet-Basic on CamVid-sized input: four 7×7 conv + BN + ReLU + pool encoders (360 → 180 → 90 → 45 → 22)
    /// and four unpool + 7×7 deconv + BN decoders (22 → 45 restores the odd size), 12 classes.</summary>
    public const string SegNetBasic = """
        using NetGen;

        namespace Demo.Segmentation;

        [Network(InputChannels = 3, Height = 360, Width = 480, Classes = 12)]
        [Conv2d(64, 7, Padding = 3)]
        [BatchNorm2d]
        [ReLU]
        [MaxPool2d(2)]
        [Conv2d(64, 7, Padding = 3)]
        [BatchNorm2d]
        [ReLU]
        [MaxPool2d(2)]
        [Conv2d(64, 7, Padding = 3)]
        [BatchNorm2d]
        [ReLU]
        [MaxPool2d(2)]
        [Conv2d(64, 7, Padding = 3)]
        [BatchNorm2d]
        [ReLU]
        [MaxPool2d(2)]
        [MaxUnpool2d]
        [ConvTranspose2d(64, 7, Padding = 3)]
        [BatchNorm2d]
        [MaxUnpool2d]
        [ConvTranspose2d(64, 7, Padding = 3)]
        [BatchNorm2d]
        [MaxUnpool2d]
        [ConvTranspose2d(64, 7, Padding = 3)]
        [BatchNorm2d]
        [MaxUnpool2d]
        [ConvTranspose2d(64, 7, Padding = 3)]
        [BatchNorm2d]
        [Classifier]
        internal partial class SegNetBasic;
        """;

    /// <summary>U-Net in the global namespace: a skip across a stride-2 conv whose deconv needs output padding (10 → 5 → 10).</summary>
    public const string TinyUNet = """
        using NetGen;

        [Network(InputChannels = 3, Height = 10, Width = 10, Classes = 3)]
        [Conv2d(8, 3, Padding = 1)]
        [ReLU]
        [Skip("e1")]
        [Conv2d(16, 3, Stride = 2, Padding = 1)]
        [ReLU]
        [ConvTranspose2d(8, 3, Stride = 2, Padding = 1)]
        [ReLU]
        [Concat("e1")]
        [ConvTranspose2d(8, 3, Padding = 1)]
        [ReLU]
        [Classifier]
        public partial class TinyUNet;
        """;
}

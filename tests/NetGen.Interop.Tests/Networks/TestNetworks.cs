// Small networks that use every layer kind, for whole-network comparisons that stay fast.
using NetGen.Model;

namespace NetGen.Interop.Tests.Networks;

internal static class TestNetworks
{
    /// <summary>Every layer kind on an odd-sized input: batch norm, a U-Net skip, a stride-2 conv whose deconv needs output
    /// padding 1, and a pool over an odd size (9 → 4 → 9).</summary>
    public static NetworkInfo AllKinds() =>
        new NetworkBuilder("AllKinds", new Shape(2, 9, 8), classes: 3)
            .Conv2d(4, 3, padding: 1).BatchNorm2d().ReLU().Skip("e1").MaxPool2d(2)
            .Conv2d(6, 3, stride: 2, padding: 1).ReLU()
            .ConvTranspose2d(4).BatchNorm2d().ReLU()
            .MaxUnpool2d().Concat("e1")
            .ConvTranspose2d(5).ReLU()
            .Classifier();

    /// <summary>Like <see cref="AllKinds"/>, two pooling levels deep on 45 × 30, so the pools meet 45 → 22 → 11 and
    /// the unpools must restore 22 → 45 exactly.</summary>
    public static NetworkInfo OddSizes() =>
        new NetworkBuilder("OddSizes", new Shape(2, 45, 30), classes: 3)
            .Conv2d(4, 3, padding: 1).BatchNorm2d().ReLU().Skip("e1").MaxPool2d(2)
            .Conv2d(6, 3, stride: 2, padding: 1).ReLU().MaxPool2d(2)
            .Conv2d(8, 3, padding: 1).ReLU()
            .ConvTranspose2d(6).ReLU().MaxUnpool2d()
            .ConvTranspose2d(4).BatchNorm2d().ReLU().MaxUnpool2d()
            .Concat("e1")
            .ConvTranspose2d(4).ReLU()
            .Classifier(kernel: 3);
}

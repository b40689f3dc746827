// Range checks on every number a user writes: [Network] sizes and each layer's arguments.
// Limits are generous; beyond them a network is certainly a typo or cannot be held in memory.
using System.Collections.Generic;
using System.Globalization;
using NetGen.Generator.Model;

namespace NetGen.Generator.Validation;

internal static class ArgumentRules
{
    public const int MaxChannels = 65536;
    public const int MaxClasses = 65536;
    public const int MaxSpatial = 16384;
    public const int MaxKernel = 64;
    public const int MaxStride = 64;

    public static void CheckNetwork(NetworkSpec spec, List<DiagnosticInfo> diagnostics)
    {
        Size("InputChannels", spec.InputChannels, MaxChannels);
        Size("Height", spec.Height, MaxSpatial);
        Size("Width", spec.Width, MaxSpatial);

        var classes = Find(spec.NetworkArgumentLocations, "Classes");
        if (classes is null)
            diagnostics.Add(DiagnosticInfos.Create(DiagnosticDescriptors.MissingClasses, spec.NetworkAttributeLocation, spec.ClassName));
        else if (spec.Classes < 1 || spec.Classes > MaxClasses)
            diagnostics.Add(OutOfRange("Classes", spec.Classes, "[Network]", Between(1, MaxClasses), classes.Location));

        void Size(string argument, int value, int max)
        {
            var written = Find(spec.NetworkArgumentLocations, argument);
            if (written is null)
                diagnostics.Add(DiagnosticInfos.Create(DiagnosticDescriptors.MissingInputShape, spec.NetworkAttributeLocation, spec.ClassName, argument));
            else if (value < 1 || value > max)
                diagnostics.Add(OutOfRange(argument, value, "[Network]", Between(1, max), written.Location));
        }
    }

    public static void CheckLayer(LayerSpec layer, string name, List<DiagnosticInfo> diagnostics)
    {
        switch (layer.Kind)
        {
            case LayerKind.Conv2d or LayerKind.ConvTranspose2d:
                Int("OutChannels", layer.OutChannels, 1, MaxChannels, Between(1, MaxChannels));
                bool kernelValid = Int("Kernel", layer.Kernel, 1, MaxKernel, Between(1, MaxKernel));
                Int("Stride", layer.Stride, 1, MaxStride, Between(1, MaxStride));
                int maxPadding = (kernelValid ? layer.Kernel : MaxKernel) - 1;
                Int("Padding", layer.Padding, 0, maxPadding, Between(0, maxPadding) + " (less than the kernel size)");
                break;
            case LayerKind.MaxPool2d:
                Int("Kernel", layer.Kernel, 1, MaxKernel, Between(1, MaxKernel));
                Int("Stride", layer.Stride, 0, MaxStride, Between(1, MaxStride) + ", or left out to use the kernel size");
                break;
            case LayerKind.BatchNorm2d:
                if (!(layer.Epsilon > 0 && layer.Epsilon <= 1))
                    diagnostics.Add(OutOfRange("Epsilon", Real(layer.Epsilon), name, "greater than 0 and at most 1", layer.LocationOf("Epsilon")));
                if (!(layer.Momentum >= 0 && layer.Momentum <= 1))
                    diagnostics.Add(OutOfRange("Momentum", Real(layer.Momentum), name, "between 0 and 1", layer.LocationOf("Momentum")));
                break;
            case LayerKind.Classifier:
                if (layer.Kernel < 1 || layer.Kernel >= MaxKernel || layer.Kernel % 2 == 0)
                    diagnostics.Add(OutOfRange("Kernel", layer.Kernel, name,
                        "an odd number between 1 and " + (MaxKernel - 1).ToString(CultureInfo.InvariantCulture) + " so that padding (k − 1) / 2 keeps the size",
                        layer.LocationOf("Kernel")));
                break;
        }

        bool Int(string argument, int value, int min, int max, string allowed)
        {
            if (value >= min && value <= max) return true;
            diagnostics.Add(OutOfRange(argument, value, name, allowed, layer.LocationOf(argument)));
            return false;
        }
    }

    private static DiagnosticInfo OutOfRange(string argument, object value, string owner, string allowed, LocationInfo? location)
        => DiagnosticInfos.Create(DiagnosticDescriptors.ArgumentOutOfRange, location, argument, value, owner, allowed);

    private static string Between(int min, int max)
        => string.Format(CultureInfo.InvariantCulture, "between {0} and {1}", min, max);

    private static string Real(double value) => value.ToString("R", CultureInfo.InvariantCulture);

    private static ArgumentLocation? Find(EquatableArray<ArgumentLocation> arguments, string name)
    {
        foreach (var a in arguments)
            if (a.Argument == name) return a;
        return null;
    }
}

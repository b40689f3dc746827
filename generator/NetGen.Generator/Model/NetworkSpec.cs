// What the parser reads off the user's class: the attributes in source order, with their raw arguments.
// Nothing here is validated yet; validation turns a NetworkSpec into a NetworkModel plus diagnostics.
namespace NetGen.Generator.Model;

internal enum LayerKind
{
    Conv2d,
    ConvTranspose2d,
    MaxPool2d,
    MaxUnpool2d,
    ReLU,
    BatchNorm2d,
    Skip,
    Concat,
    Classifier,
}

/// <summary>One layer attribute as written. Unset integers are 0 (Stride of a pool: 0 = same as kernel).
/// <see cref="Location"/> is the attribute's syntax; <see cref="ArgumentLocations"/> maps an argument name
/// (OutChannels, Kernel, Stride, Padding, Name, Epsilon, Momentum) to its syntax for precise diagnostics.</summary>
internal sealed record LayerSpec(
    LayerKind Kind,
    int OutChannels,
    int Kernel,
    int Stride,
    int Padding,
    string? Name,
    double Epsilon,
    double Momentum,
    LocationInfo? Location,
    EquatableArray<ArgumentLocation> ArgumentLocations)
{
    public LocationInfo? LocationOf(string argument)
    {
        foreach (var a in ArgumentLocations)
            if (a.Argument == argument) return a.Location;
        return Location;
    }
}

internal sealed record ArgumentLocation(string Argument, LocationInfo? Location);

/// <summary>The whole parsed network. Input numbers are 0 when not written.</summary>
internal sealed record NetworkSpec(
    string Namespace,
    string ClassName,
    string FullyQualifiedName,
    string Accessibility,
    bool IsPartial,
    bool IsNested,
    int InputChannels,
    int Height,
    int Width,
    int Classes,
    LocationInfo? ClassLocation,
    LocationInfo? NetworkAttributeLocation,
    EquatableArray<ArgumentLocation> NetworkArgumentLocations,
    EquatableArray<LayerSpec> Layers,
    EquatableArray<DiagnosticInfo> ParseDiagnostics);

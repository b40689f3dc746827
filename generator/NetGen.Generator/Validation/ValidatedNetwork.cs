// One network as it leaves validation in the pipeline: its generated file name, where to report, and model or diagnostics.
using NetGen.Generator.Model;

namespace NetGen.Generator.Validation;

/// <summary><see cref="HintName"/> is namespace + class ("Demo.SegNet"), unique per network unless two names clash.</summary>
internal sealed record ValidatedNetwork(
    string HintName,
    string FullyQualifiedName,
    LocationInfo? ClassLocation,
    NetworkModel? Model,
    EquatableArray<DiagnosticInfo> Diagnostics)
{
    public static ValidatedNetwork From(NetworkSpec spec, ValidationResult result) => new(
        spec.Namespace.Length == 0 ? spec.ClassName : spec.Namespace + "." + spec.ClassName,
        spec.FullyQualifiedName,
        spec.ClassLocation,
        result.Model,
        result.Diagnostics);
}

// What validation returns: the model when the spec is valid, otherwise the diagnostics that say why not.
using NetGen.Generator.Model;

namespace NetGen.Generator.Validation;

/// <summary><see cref="Model"/> is set exactly when <see cref="Diagnostics"/> is empty.</summary>
internal sealed record ValidationResult(NetworkModel? Model, EquatableArray<DiagnosticInfo> Diagnostics)
{
    public bool IsValid => Model is not null;
}

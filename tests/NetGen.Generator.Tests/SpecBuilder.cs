// Builds a NetworkSpec by hand, as the parser would, so validation can be tested without Roslyn.
using System.Collections.Immutable;
using NetGen.Generator.Model;

namespace NetGen.Generator.Tests;

internal sealed class SpecBuilder(int inputChannels, int height, int width, int classes)
{
    private readonly List<LayerSpec> _layers = [];
    private readonly HashSet<string> _networkArguments = ["InputChannels", "Height", "Width", "Classes"];

    public SpecBuilder Conv2d(int outChannels, int kernel, int stride = 1, int padding = 0)
        => Add(LayerKind.Conv2d, outChannels, kernel, stride, padding);

    public SpecBuilder ConvTranspose2d(int outChannels, int kernel, int stride = 1, int padding = 0)
        => Add(LayerKind.ConvTranspose2d, outChannels, kernel, stride, padding);

    public SpecBuilder MaxPool2d(int kernel, int stride = 0) => Add(LayerKind.MaxPool2d, 0, kernel, stride, 0);
    public SpecBuilder MaxUnpool2d() => Add(LayerKind.MaxUnpool2d);
    public SpecBuilder ReLU() => Add(LayerKind.ReLU);
    public SpecBuilder BatchNorm2d(double epsilon = 1e-5, double momentum = 0.1) => Add(LayerKind.BatchNorm2d, epsilon: epsilon, momentum: momentum);
    public SpecBuilder Skip(string name) => Add(LayerKind.Skip, name: name);
    public SpecBuilder Concat(string name) => Add(LayerKind.Concat, name: name);
    public SpecBuilder Classifier(int kernel = 1) => Add(LayerKind.Classifier, kernel: kernel);

    /// <summary>Leaves a [Network] argument unwritten, as if the user forgot it.</summary>
    public SpecBuilder Without(string networkArgument)
    {
        _networkArguments.Remove(networkArgument);
        return this;
    }

    public NetworkSpec Build() => new(
        "Demo", "Net", "Demo.Net", "public", IsPartial: true, IsNested: false,
        inputChannels, height, width, classes,
        ClassLocation: null, NetworkAttributeLocation: null,
        _networkArguments.Select(a => new ArgumentLocation(a, null)).ToEquatableArray(),
        _layers.ToEquatableArray(),
        EquatableArray<DiagnosticInfo>.Empty);

    private SpecBuilder Add(LayerKind kind, int outChannels = 0, int kernel = 0, int stride = 0, int padding = 0,
        string? name = null, double epsilon = 0, double momentum = 0)
    {
        _layers.Add(new LayerSpec(kind, outChannels, kernel, stride, padding, name, epsilon, momentum, null, EquatableArray<ArgumentLocation>.Empty));
        return this;
    }
}

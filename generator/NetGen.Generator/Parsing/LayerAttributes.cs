// Which attribute types are NetGen layers, and the defaults their optional arguments take when not written.
// The defaults mirror the property initializers in src/NetGen.Runtime/Spec/Attributes.cs.
using Microsoft.CodeAnalysis;
using NetGen.Generator.Model;

namespace NetGen.Generator.Parsing;

internal static class LayerAttributes
{
    public const string NetworkAttributeMetadataName = "NetGen.NetworkAttribute";

    /// <summary>The layer kind of a NetGen attribute type, resolved by symbol (namespace NetGen, exact type name).</summary>
    public static LayerKind? KindOf(INamedTypeSymbol? type)
    {
        if (type?.ContainingNamespace is not { Name: "NetGen", ContainingNamespace.IsGlobalNamespace: true }) return null;
        return type.Name switch
        {
            "Conv2dAttribute" => LayerKind.Conv2d,
            "ConvTranspose2dAttribute" => LayerKind.ConvTranspose2d,
            "MaxPool2dAttribute" => LayerKind.MaxPool2d,
            "MaxUnpool2dAttribute" => LayerKind.MaxUnpool2d,
            "ReLUAttribute" => LayerKind.ReLU,
            "BatchNorm2dAttribute" => LayerKind.BatchNorm2d,
            "SkipAttribute" => LayerKind.Skip,
            "ConcatAttribute" => LayerKind.Concat,
            "ClassifierAttribute" => LayerKind.Classifier,
            _ => null,
        };
    }

    public static int DefaultStride(LayerKind kind) => kind is LayerKind.Conv2d or LayerKind.ConvTranspose2d ? 1 : 0;

    public static int DefaultKernel(LayerKind kind) => kind == LayerKind.Classifier ? 1 : 0;

    public static double DefaultEpsilon(LayerKind kind) => kind == LayerKind.BatchNorm2d ? 1e-5 : 0;

    public static double DefaultMomentum(LayerKind kind) => kind == LayerKind.BatchNorm2d ? 0.1 : 0;
}

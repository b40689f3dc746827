// Every diagnostic NetGen reports, with a stable id. Each message says what is wrong and how to fix it.
// Ids are never reused; AnalyzerReleases.*.md lists them for release tracking (which reads these constructor calls).
using System.Collections.Generic;
using Microsoft.CodeAnalysis;

namespace NetGen.Generator.Validation;

internal static class DiagnosticDescriptors
{
    private const string Category = "NetGen";

    public static readonly DiagnosticDescriptor ClassNotPartial = new(
        id: "NG0001",
        title: "Network class must be partial",
        messageFormat: "Network class '{0}' must be declared partial so NetGen can add the generated members; add the 'partial' modifier",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor UnsupportedClassShape = new(
        id: "NG0002",
        title: "Unsupported network class declaration",
        messageFormat: "Network class '{0}' cannot be {1}; declare it as a top-level, non-generic, non-static partial class",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor LayersSplitAcrossDeclarations = new(
        id: "NG0003",
        title: "Layer attributes split across partial declarations",
        messageFormat: "[{0}] is on a different partial declaration of '{1}' than [Network]; move every layer attribute to the declaration that carries [Network] so the layer order is well defined",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor MissingInputShape = new(
        id: "NG0004",
        title: "Network input shape missing",
        messageFormat: "[Network] on '{0}' does not set {1}; add {1} = <positive number> to the attribute",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor MissingClasses = new(
        id: "NG0005",
        title: "Network class count missing",
        messageFormat: "[Network] on '{0}' does not set Classes; add Classes = <number of segmentation classes> to the attribute",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor ArgumentOutOfRange = new(
        id: "NG0006",
        title: "Argument out of range",
        messageFormat: "{0} = {1} on {2} is out of range; it must be {3}",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor InvalidSkipName = new(
        id: "NG0007",
        title: "Invalid skip name",
        messageFormat: "\"{0}\" is not a valid skip name; use letters, digits and '_', starting with a letter or '_'",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor UnpairedConvolution = new(
        id: "NG0008",
        title: "Unpaired Conv2d / ConvTranspose2d",
        messageFormat: "{0} has no partner: the network has {1} Conv2d and {2} ConvTranspose2d layers, and the k-th ConvTranspose2d from the end mirrors the k-th Conv2d; add the missing {3} or remove this layer",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor UnpairedPool = new(
        id: "NG0009",
        title: "Unpaired MaxPool2d / MaxUnpool2d",
        messageFormat: "{0} has no partner: the network has {1} MaxPool2d and {2} MaxUnpool2d layers, and the k-th MaxUnpool2d from the end mirrors the k-th MaxPool2d; add the missing {3} or remove this layer",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor UpLayerBeforePartner = new(
        id: "NG0010",
        title: "Up-sampling layer placed before its partner",
        messageFormat: "{0} mirrors {1}, which comes after it; the decoder must mirror the encoder, so move {0} after {1}",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor PairGeometryMismatch = new(
        id: "NG0011",
        title: "ConvTranspose2d differs from its Conv2d",
        messageFormat: "{0} = {1} on {2} differs from {0} = {3} on {4}, the Conv2d it mirrors; set {0} = {3} so {2} restores the size {4} reduced",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor SpatialSizeBelowOne = new(
        id: "NG0012",
        title: "Spatial size below 1",
        messageFormat: "{0} turns a {1} input into {2}; every activation must be at least 1×1, so use a smaller kernel or stride, add padding, or down-sample fewer times",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor UpInputMismatch = new(
        id: "NG0013",
        title: "Up-sampling input does not match its partner",
        messageFormat: "{0} receives a {1} input but its partner {2} produced {3}; the layers between {2} and {0} must keep that shape so {0} can restore {2}'s input {4}",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor DuplicateSkipName = new(
        id: "NG0014",
        title: "Duplicate skip name",
        messageFormat: "Skip name \"{0}\" is already used by an earlier [Skip]; give each Skip a unique name",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor UnknownSkip = new(
        id: "NG0015",
        title: "Concat of an unknown skip",
        messageFormat: "Concat(\"{0}\") refers to no earlier Skip(\"{0}\"); add [Skip(\"{0}\")] before it or use the name of an existing Skip",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor SkipConcatenatedTwice = new(
        id: "NG0016",
        title: "Skip concatenated twice",
        messageFormat: "Skip \"{0}\" is already concatenated by an earlier [Concat]; add a second [Skip] with its own name for this Concat",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor SkipSizeMismatch = new(
        id: "NG0017",
        title: "Skip and Concat sizes differ",
        messageFormat: "Concat(\"{0}\") joins a {1} activation with the {2} one saved by Skip(\"{0}\"); spatial sizes must match, so move the Concat to where the decoder is back at {2}",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor ClassifierNotLast = new(
        id: "NG0018",
        title: "Classifier is not the last layer",
        messageFormat: "[Classifier] must be the last layer because its per-pixel class scores are the network's output; move it to the end and keep only one",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor OutputChannelsNotClasses = new(
        id: "NG0019",
        title: "Output channels differ from Classes",
        messageFormat: "The last layer {0} outputs {1} channels but [Network] has Classes = {2}; end the network with [Classifier] (or make the last layer output {2} channels)",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor OutputSizeNotInput = new(
        id: "NG0020",
        title: "Output size differs from input size",
        messageFormat: "The network outputs {0} but its input is {1}; segmentation scores every input pixel, so mirror every down-sampling layer with an up-sampling one",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor TensorTooLarge = new(
        id: "NG0021",
        title: "Tensor too large",
        messageFormat: "{0} needs a {1} tensor of {2} elements, more than the 2147483647 a tensor can hold; use fewer channels or a smaller input",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor EmptyNetwork = new(
        id: "NG0022",
        title: "Network has no layers",
        messageFormat: "Network '{0}' has no layer attributes; add layers such as [Conv2d(...)] and end with [Classifier]",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor GeneratedNameClash = new(
        id: "NG0023",
        title: "Generated names clash",
        messageFormat: "[Network] classes '{0}' and '{1}' both generate '{2}.g.cs'; give each network its own class name (names that differ only in letter case clash too) and put [Network] on one declaration only",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor InternalError = new(
        id: "NG9999",
        title: "Internal error in the NetGen generator",
        messageFormat: "internal error in NetGen generator: {0}; please report",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true);

    public static IReadOnlyList<DiagnosticDescriptor> All { get; } =
    [
        ClassNotPartial, UnsupportedClassShape, LayersSplitAcrossDeclarations, MissingInputShape, MissingClasses,
        ArgumentOutOfRange, InvalidSkipName, UnpairedConvolution, UnpairedPool, UpLayerBeforePartner,
        PairGeometryMismatch, SpatialSizeBelowOne, UpInputMismatch, DuplicateSkipName, UnknownSkip,
        SkipConcatenatedTwice, SkipSizeMismatch, ClassifierNotLast, OutputChannelsNotClasses, OutputSizeNotInput,
        TensorTooLarge, EmptyNetwork, GeneratedNameClash, InternalError,
    ];

    private static readonly Dictionary<string, DiagnosticDescriptor> s_byId = ById();

    /// <summary>The descriptor for an id carried by a <see cref="Model.DiagnosticInfo"/>.</summary>
    public static DiagnosticDescriptor Get(string id) => s_byId.TryGetValue(id, out var d) ? d : InternalError;

    private static Dictionary<string, DiagnosticDescriptor> ById()
    {
        var map = new Dictionary<string, DiagnosticDescriptor>();
        foreach (var d in All) map.Add(d.Id, d);
        return map;
    }
}

// The storage layout of a generated network, decided once before any text is written: the identifier of every layer,
// which array holds each activation (a Skip's output is its input's array) and, from the GradientPlan, each gradient,
// the field of every parameter, and which layers each mode runs fused (see InferenceFusion and TrainingFusion).
using System.Collections.Generic;
using NetGen.Generator.Model;

namespace NetGen.Generator.Emit;

/// <summary>An activation array, sized for MaxBatch samples of <see cref="Shape"/>, and the gradient buffer that holds
/// ∂loss/∂activation during Backward (shared with other gradients). <see cref="Owner"/> is the layer that writes it, or "input".</summary>
internal sealed record Tensor(string Field, string GradField, Shape Shape, string Owner)
{
    /// <summary>What the array holds, for comments: "relu1's output" or "the network input".</summary>
    public string Contents => Owner == "input" ? "the network input" : Owner + "'s output";
}

/// <summary>A cached parameter array: its value field and, for trainable tensors, its gradient field.</summary>
internal sealed record ParameterField(ParameterModel Parameter, string Field, string? GradField);

internal sealed class EmitPlan
{
    private readonly string[] _ids;
    private readonly Tensor[] _outputs;
    private readonly Dictionary<int, Dictionary<string, ParameterField>> _parametersByLayer = new();

    /// <summary>The two buffers the chain's gradients alternate between (see <see cref="GradientPlan"/>).</summary>
    public static readonly string[] ChainFields = { "_dPing", "_dPong" };

    public EmitPlan(NetworkModel model)
    {
        Model = model;
        Gradients = GradientPlan.For(model);
        Input = new Tensor("_input", ChainFields[Gradients.ChainOfInput], model.Input, "input");
        _ids = LayerIds(model);
        Fusions = InferenceFusion.For(model);
        // A convolution + ReLU that training runs with its pool or unpool as inference's call is not a pair.
        var pairs = new List<TrainingFusion>();
        foreach (var pair in TrainingFusion.For(model))
            if (SharedFusionContaining(pair.Producer) is null && ClassifiedTrainingFusionContaining(pair.Producer) is null) pairs.Add(pair);
        TrainingFusions = pairs;
        GatedReLUs = TrainingFusion.GatedByConsumer(model);

        int count = model.Layers.Count;
        _outputs = new Tensor[count];
        var owned = new List<Tensor>();
        var trainingOnly = new List<Tensor>();
        for (int i = 0; i < count; i++)
        {
            var layer = model.Layers[i];
            if (layer.Kind == LayerKind.Skip)
            {
                // A Skip only remembers where its activation is; the Concat reads the array its input already lives in.
                _outputs[i] = InputOf(i);
                continue;
            }
            string id = _ids[i];
            _outputs[i] = new Tensor($"_{Literals.Camel(id)}Output", ChainFields[Gradients.ChainOf(i)], layer.Output, layer.Name);
            // An output no pass writes gets no array, so the compiler proves that nothing reads it either.
            if (!IsNeverWritten(i)) owned.Add(_outputs[i]);
            if (!IsNeverWritten(i) && !InferenceWrites(i)) trainingOnly.Add(_outputs[i]);
        }
        Activations = owned;
        TrainingOnlyActivations = trainingOnly;

        var parameters = new List<ParameterField>();
        foreach (var p in model.Parameters)
        {
            string role = Role(p);
            string id = p.Layer >= 0 && p.Layer < count ? _ids[p.Layer] + Literals.Pascal(role) : Literals.Pascal(p.Name);
            var field = new ParameterField(p, "_" + Literals.Camel(id), p.Trainable ? "_d" + id : null);
            parameters.Add(field);
            if (!_parametersByLayer.TryGetValue(p.Layer, out var roles))
                _parametersByLayer[p.Layer] = roles = new Dictionary<string, ParameterField>(System.StringComparer.Ordinal);
            roles[role] = field;
        }
        Parameters = parameters;
    }

    public NetworkModel Model { get; }
    public GradientPlan Gradients { get; }
    public Tensor Input { get; }

    /// <summary>The arrays the network allocates for layer outputs, in layer order (aliases and outputs that no pass writes
    /// left out).</summary>
    public IReadOnlyList<Tensor> Activations { get; }

    /// <summary>The activation arrays only training writes and reads (the outputs of layers that inference runs fused and not
    /// last, as a convolution before its folded batch norm or the ReLU before a pool or classifier in inference's call):
    /// allocated by the first training-mode Forward, so an inference-only user never pays for them.</summary>
    public IReadOnlyList<Tensor> TrainingOnlyActivations { get; }

    /// <summary>Whether an inference-mode Forward writes the layer's output: the layer runs alone, or last in its fused run.
    /// Inference reads no other activation: each call reads what the call before it wrote.</summary>
    public bool InferenceWrites(int layer) => FusionContaining(layer) is not { } fusion || fusion.Last == layer;

    /// <summary>Whether the array is allocated by the constructor (inference writes it) rather than with training's buffers.</summary>
    public bool IsTrainingOnly(Tensor tensor)
    {
        foreach (var t in TrainingOnlyActivations)
            if (ReferenceEquals(t, tensor)) return true;
        return false;
    }

    public IReadOnlyList<ParameterField> Parameters { get; }

    // Bytes of a sample's activations and gradients that the last level of cache (32 MB on the development machine) should
    // hold while a pass runs a few samples through every layer: half of it, leaving room for weights and packed inputs.
    private const long RunBudgetBytes = 16 << 20;

    /// <summary>How many samples Forward runs through all its layers before starting on the next ones: as many as fit the
    /// cache budget, at least 1. Where a sample's tensors outgrow the cache, running the whole batch layer by layer would
    /// stream every tensor from memory (the tiny hourglass at 256×256: pools 23× slower at batch 8 than at batch 1).
    /// Backward runs the whole batch: its samples share the gradient chain buffers.</summary>
    public int SamplesPerRun => (int)System.Math.Max(1, System.Math.Min(int.MaxValue, RunBudgetBytes / BytesPerSample));

    /// <summary>Bytes of one sample's input, activations and gradients.</summary>
    public long BytesPerSample
    {
        get
        {
            long floats = Input.Shape.Size + Gradients.FloatsPerSample;
            foreach (var t in Activations) floats += t.Shape.Size;
            return 4 * floats;
        }
    }

    /// <summary>Whether training must run the whole batch through each layer at once: batch norm's statistics span it.</summary>
    public bool TrainsWholeBatch
    {
        get
        {
            foreach (var layer in Model.Layers)
                if (layer.Kind == LayerKind.BatchNorm2d) return true;
            return false;
        }
    }

    /// <summary>The layer runs an inference-mode Forward makes one convolution call each, in layer order.</summary>
    public IReadOnlyList<InferenceFusion> Fusions { get; }

    /// <summary>The layer pairs a training-mode Forward makes one call each, in layer order.</summary>
    public IReadOnlyList<TrainingFusion> TrainingFusions { get; }

    /// <summary>The fused run that starts at <paramref name="layer"/>, or null.</summary>
    public InferenceFusion? FusionStartingAt(int layer)
    {
        foreach (var fusion in Fusions)
            if (fusion.First == layer) return fusion;
        return null;
    }

    /// <summary>The fused run that ends at <paramref name="layer"/>, or null.</summary>
    public InferenceFusion? FusionEndingAt(int layer)
    {
        foreach (var fusion in Fusions)
            if (fusion.Last == layer) return fusion;
        return null;
    }

    /// <summary>The fused run that <paramref name="layer"/> belongs to, or null.</summary>
    public InferenceFusion? FusionContaining(int layer)
    {
        foreach (var fusion in Fusions)
            if (fusion.Contains(layer)) return fusion;
        return null;
    }

    /// <summary>The fused run with a pool or an unpool that <paramref name="layer"/> belongs to, when training runs the same call
    /// (see <see cref="IsInferenceOnly"/>), or null.</summary>
    public InferenceFusion? SharedFusionContaining(int layer) =>
        FusionContaining(layer) is { } fusion && (fusion.Pool >= 0 || fusion.Unpool >= 0) && !IsInferenceOnly(fusion) ? fusion : null;

    /// <summary>The fused run ending in the classifier, without a batch norm, that <paramref name="layer"/> belongs to, or null:
    /// training runs it as one call too (<see cref="ClassifiedTrainingMethod"/>), which also stores the output the classifier
    /// reads (the classifier's backward reads it), each band classified from there while it is in cache.</summary>
    public InferenceFusion? ClassifiedTrainingFusionContaining(int layer) =>
        FusionContaining(layer) is { } fusion && fusion.Classifier >= 0 && fusion.BatchNorm < 0 ? fusion : null;

    /// <summary>Unpool1Deconv1Relu6ClassifierTrainingForward: training's call for a run with the classifier.</summary>
    public string ClassifiedTrainingMethod(InferenceFusion fusion) => FusedId(fusion) + "TrainingForward";

    /// <summary>A MaxUnpool2d that its stride-1 deconvolution reads as pooled values and argmax in both modes (forward and
    /// backward): it runs no forward or backward of its own, and neither its output nor that output's gradient has an array.</summary>
    public bool IsReadByConvolution(int layer) => FusionContaining(layer) is { } fusion && fusion.Unpool == layer;

    /// <summary>Whether training runs some convolution with its pool or unpool as inference's call.</summary>
    public bool HasSharedTrainingFusion
    {
        get
        {
            foreach (var fusion in Fusions)
                if (SharedFusionContaining(fusion.Conv) is not null) return true;
            return false;
        }
    }

    /// <summary>The training-mode pair that <paramref name="layer"/> belongs to (as producer or ReLU), or null.</summary>
    public TrainingFusion? TrainingFusionContaining(int layer)
    {
        foreach (var fusion in TrainingFusions)
            if (fusion.Producer == layer || fusion.ReLU == layer) return fusion;
        return null;
    }

    /// <summary>A ReLU whose backward its batch norm's backward applies, so it has none of its own.</summary>
    public bool IsFoldedReLU(int layer) => TrainingFusionContaining(layer) is { FoldsBackward: true } fusion && fusion.ReLU == layer;

    /// <summary>A ReLU whose backward the next layer's backward applies (see TrainingFusion.GatedByConsumer).</summary>
    public bool IsGatedReLU(int layer)
    {
        foreach (int relu in GatedReLUs)
            if (relu == layer) return true;
        return false;
    }

    /// <summary>The layer whose backward applies this one's (a folded or gated ReLU, an unpool its deconvolution reads, or a
    /// pool its convolution takes): a ReLU gated by such an unpool goes with the deconvolution after it, by such a pool with
    /// the convolution before it.</summary>
    public int BackwardOwner(int layer) =>
        IsReadByConvolution(layer) ? layer + 1
        : IsPoolTakenByConvolution(layer) ? FusionContaining(layer)!.Conv
        : IsGatedReLU(layer) ? (IsReadByConvolution(layer + 1) ? layer + 2 : IsPoolTakenByConvolution(layer + 1) ? FusionContaining(layer)!.Conv : layer + 1)
        : layer - 1;

    /// <summary>A MaxPool2d that training runs in its convolution's call (no batch norm between): the convolution's backward
    /// also takes the pool's (and the ReLU's between), reading the pool's output gradient through the argmax.</summary>
    public bool IsPoolTakenByConvolution(int layer) => SharedFusionContaining(layer) is { } fusion && fusion.Pool == layer;

    /// <summary>Whether the layer's backward applies the backward of the ReLU before it.</summary>
    public bool GatesReLUBefore(int layer) => layer > 0 && IsGatedReLU(layer - 1);

    /// <summary>The ReLUs whose backward the next layer's applies, in layer order.</summary>
    public IReadOnlyList<int> GatedReLUs { get; }

    /// <summary>Whether some pass runs the layer's own forward method: a layer fused in both modes has none.</summary>
    public bool RunsOwnForward(int layer) =>
        FusionContaining(layer) is null ||
        TrainingFusionContaining(layer) is null && SharedFusionContaining(layer) is null && !IsReadByConvolution(layer)
        && ClassifiedTrainingFusionContaining(layer) is null;

    /// <summary>A layer that both modes fuse with the layers after it, whose output no fused call writes: conv1 before relu1
    /// (the call writes relu1's output), bn1 between conv1 and relu1, conv1 and relu1 before pool1 when both modes pool
    /// in the convolution's call (only pool1's output and argmax are written), or an unpool its deconvolution reads. The
    /// layer a classifier reads is written by training's call.</summary>
    public bool IsNeverWritten(int layer) =>
        !RunsOwnForward(layer) && FusionContaining(layer)!.Last != layer && TrainingFusionContaining(layer)?.ReLU != layer
        && ClassifiedTrainingFusionContaining(layer)?.Classifier != layer + 1;

    /// <summary>The method of a fused run: a convolution with only a ReLU and a pool after it, or an unpool before it, is the
    /// same call in both modes, so its method is shared (Conv1Relu1FusedForward, Conv1Relu1Pool1FusedForward,
    /// Unpool2Deconv2Relu5FusedForward); one that folds a batch norm or takes the classifier is inference only.</summary>
    public string FusedMethod(InferenceFusion fusion) => FusedId(fusion) + (IsInferenceOnly(fusion) ? "InferenceForward" : "FusedForward");

    /// <summary>Whether a fused run is inference's alone: training runs its layers (or its conv + ReLU pair) apart. A batch norm
    /// trains on batch statistics, and the classifier's weight gradient reads the deconvolution's (or its ReLU's) output; a
    /// pool after a convolution needs neither its input nor the ReLU's kept (its backward routes through the argmax, gated by
    /// the pooled values), and a deconvolution's backward reads an unpooled input from the pooled values and argmax.</summary>
    public static bool IsInferenceOnly(InferenceFusion fusion) => fusion.BatchNorm >= 0 || fusion.Classifier >= 0;

    /// <summary>The method of a training-mode pair: Bn1Relu1TrainingForward, or the shared Conv1Relu1FusedForward.</summary>
    public string FusedMethod(TrainingFusion fusion) =>
        _ids[fusion.Producer] + _ids[fusion.ReLU] + (fusion.FoldsBackward ? "TrainingForward" : "FusedForward");

    /// <summary>Conv1Bn1Relu1: the identifiers of a fused run's layers, joined.</summary>
    public string FusedId(InferenceFusion fusion)
    {
        string id = (fusion.Unpool >= 0 ? _ids[fusion.Unpool] : "") + _ids[fusion.Conv];
        if (fusion.BatchNorm >= 0) id += _ids[fusion.BatchNorm];
        if (fusion.ReLU >= 0) id += _ids[fusion.ReLU];
        if (fusion.Pool >= 0) id += _ids[fusion.Pool];
        if (fusion.Classifier >= 0) id += _ids[fusion.Classifier];
        return id;
    }

    /// <summary>"conv1 + bn1 + relu1" for comments.</summary>
    public string FusedNames(InferenceFusion fusion)
    {
        string names = (fusion.Unpool >= 0 ? Model.Layers[fusion.Unpool].Name + " + " : "") + Model.Layers[fusion.Conv].Name;
        if (fusion.BatchNorm >= 0) names += " + " + Model.Layers[fusion.BatchNorm].Name;
        if (fusion.ReLU >= 0) names += " + " + Model.Layers[fusion.ReLU].Name;
        if (fusion.Pool >= 0) names += " + " + Model.Layers[fusion.Pool].Name;
        if (fusion.Classifier >= 0) names += " + " + Model.Layers[fusion.Classifier].Name;
        return names;
    }

    /// <summary>The convolution weights and bias with a fused batch norm folded in, rewritten by each inference Forward.</summary>
    public string FoldedWeight(InferenceFusion fusion) => $"_{Literals.Camel(_ids[fusion.Conv])}FoldedWeight";
    public string FoldedBias(InferenceFusion fusion) => $"_{Literals.Camel(_ids[fusion.Conv])}FoldedBias";

    public LayerModel Layer(int index) => Model.Layers[index];

    /// <summary>The C# identifier stem of a layer: conv1 → Conv1, skip_e1 → SkipE1. Unique within the network.</summary>
    public string Id(int layer) => _ids[layer];

    public Tensor InputOf(int layer) => layer == 0 ? Input : _outputs[layer - 1];
    public Tensor OutputOf(int layer) => layer < 0 ? Input : _outputs[layer];
    public Tensor Logits => OutputOf(Model.Layers.Count - 1);

    /// <summary>A layer's parameter in a role (weight, bias, running_mean, running_var), found by owner and name suffix.</summary>
    public ParameterField Parameter(int layer, string role)
    {
        if (_parametersByLayer.TryGetValue(layer, out var roles) && roles.TryGetValue(role, out var field)) return field;
        throw new KeyNotFoundException($"layer {Model.Layers[layer].Name} has no '{role}' parameter");
    }

    public string ConvGeometry(int layer) => $"{_ids[layer]}Geometry";

    /// <summary>The pool geometry a pool or unpool passes to its kernel: an unpool uses its partner pool's.</summary>
    public string PoolGeometry(int layer) => $"{_ids[PoolOf(layer)]}Geometry";

    /// <summary>The argmax array of a pool, shared with its unpool.</summary>
    public string PoolIndices(int layer) => $"_{Literals.Camel(_ids[PoolOf(layer)])}Indices";

    public string SaveMean(int layer) => $"_{Literals.Camel(_ids[layer])}SaveMean";
    public string SaveInvStd(int layer) => $"_{Literals.Camel(_ids[layer])}SaveInvStd";

    /// <summary>The buffer where a Skip's Concat leaves the gradient for the Skip's output, [N, skip channels, H, W].</summary>
    public string SkipGrad(int skip) => $"_d{_ids[skip]}";

    /// <summary>The Concat layers that read a Skip, in layer order.</summary>
    public IReadOnlyList<int> ConcatsReading(int skip)
    {
        var readers = new List<int>();
        for (int i = 0; i < Model.Layers.Count; i++)
            if (Model.Layers[i].Kind == LayerKind.Concat && Model.Layers[i].SkipSource == skip) readers.Add(i);
        return readers;
    }

    /// <summary>"concat_e1" (or "concat_a, concat_b") for comments about a Skip.</summary>
    public string ConcatNamesReading(int skip)
    {
        var names = new List<string>();
        foreach (int concat in ConcatsReading(skip)) names.Add(Model.Layers[concat].Name);
        return names.Count == 0 ? "no Concat" : string.Join(", ", names);
    }

    private int PoolOf(int layer) => Model.Layers[layer].Kind == LayerKind.MaxUnpool2d ? Model.Layers[layer].Partner : layer;

    private static string Role(ParameterModel p)
    {
        int dot = p.Name.LastIndexOf('.');
        return dot < 0 ? p.Name : p.Name.Substring(dot + 1);
    }

    // Layer names are unique, but two that differ only in punctuation (skip_a-b, skip_a_b) would make the same identifier.
    private static string[] LayerIds(NetworkModel model)
    {
        var ids = new string[model.Layers.Count];
        var taken = new HashSet<string>(System.StringComparer.Ordinal) { "Input" };
        for (int i = 0; i < ids.Length; i++)
        {
            string id = Literals.Pascal(model.Layers[i].Name);
            if (!taken.Add(id))
            {
                id += "At" + Literals.Int(i);
                taken.Add(id);
            }
            ids[i] = id;
        }
        return ids;
    }
}

// An interpreter that runs a whole network from its layer table (NetworkInfo) with the scalar reference ops only, in any
// floating type: in double it is the ground truth that generated networks and finite-difference checks are held against.
using System.Numerics;
using NetGen.Model;

namespace NetGen.Reference;

/// <summary>Runs the layers of <see cref="NetworkInfo"/> in order with the *Ref ops. Tensors are NCHW in <typeparamref name="T"/>;
/// parameters and their gradients live here by name (load them from a float <see cref="ParameterSet"/> with <see cref="LoadFrom"/>).
/// Same contract as a generated network: Forward overwrites the logits, Backward follows the last training-mode Forward and
/// ADDS parameter gradients, <see cref="InputGrad"/> holds ∂loss/∂input after a Backward run with <see cref="RequiresInputGrad"/>.</summary>
public sealed class ReferenceNetwork<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly Dictionary<string, T[]> _values = new(StringComparer.Ordinal);
    private readonly Dictionary<string, T[]> _grads = new(StringComparer.Ordinal);
    private readonly LayerTensors[] _tensors;
    private readonly T[] _input, _inputGrad;
    private readonly T[][] _outputs, _outputGrads;
    // Gradient a Concat sends back to the Skip it reads from, indexed by the Skip layer.
    private readonly T[][] _skipGrads;
    private readonly int[][] _poolIndices;
    private readonly T[][] _saveMean, _saveInvStd;
    private int _batch;
    private bool _lastForwardTrained;
    // Samples in the last Backward that computed the input gradient; -1 when the last Backward skipped it (or none ran).
    private int _inputGradBatch = -1;

    public ReferenceNetwork(NetworkInfo info, int maxBatch)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxBatch, 1);
        ReferenceNetworkValidation.Validate(info);
        Info = info;
        MaxBatch = maxBatch;

        foreach (var p in info.Parameters)
        {
            _values.Add(p.Name, new T[p.Size]);
            _grads.Add(p.Name, p.Trainable ? new T[p.Size] : []);
        }

        int count = info.Layers.Count;
        _tensors = new LayerTensors[count];
        _outputs = new T[count][];
        _outputGrads = new T[count][];
        _skipGrads = new T[count][];
        _poolIndices = new int[count][];
        _saveMean = new T[count][];
        _saveInvStd = new T[count][];
        for (int i = 0; i < count; i++)
        {
            var layer = info.Layers[i];
            _tensors[i] = TensorsOf(i);
            _outputs[i] = new T[maxBatch * layer.Output.Size];
            _outputGrads[i] = new T[maxBatch * layer.Output.Size];
            _skipGrads[i] = layer.Kind == LayerKind.Skip ? new T[maxBatch * layer.Output.Size] : [];
            _poolIndices[i] = layer.Kind == LayerKind.MaxPool2d ? new int[maxBatch * layer.Output.Size] : [];
            _saveMean[i] = layer.Kind == LayerKind.BatchNorm2d ? new T[layer.Input.C] : [];
            _saveInvStd[i] = layer.Kind == LayerKind.BatchNorm2d ? new T[layer.Input.C] : [];
        }
        _input = new T[maxBatch * info.Input.Size];
        _inputGrad = new T[maxBatch * info.Input.Size];
    }

    public NetworkInfo Info { get; }
    public int MaxBatch { get; }

    /// <summary>The live value array of a parameter or buffer, e.g. <c>conv1.weight</c> or <c>bn1.running_var</c>.</summary>
    public T[] GetParameter(string name) =>
        _values.TryGetValue(name, out var v) ? v : throw new KeyNotFoundException($"no parameter named '{name}'");

    /// <summary>The live gradient array of a parameter; empty for buffers that are not trained.</summary>
    public T[] GetGradient(string name) =>
        _grads.TryGetValue(name, out var g) ? g : throw new KeyNotFoundException($"no parameter named '{name}'");

    /// <summary>Whether Backward computes <see cref="InputGrad"/>; false by default, as in a generated network.</summary>
    public bool RequiresInputGrad { get; set; }

    /// <summary>Gradient with respect to the input of the last Backward, [N, C, H, W]; that Backward must have run with
    /// <see cref="RequiresInputGrad"/> set.</summary>
    public ReadOnlySpan<T> InputGrad => _inputGradBatch >= 0
        ? _inputGrad.AsSpan(0, _inputGradBatch * Info.Input.Size)
        : throw new InvalidOperationException("the last Backward skipped the input gradient: set RequiresInputGrad = true before Backward");

    /// <summary>Copies every parameter and buffer value from a float parameter set of the same network.</summary>
    public void LoadFrom(ParameterSet parameters)
    {
        foreach (var info in Info.Parameters)
        {
            float[] source = parameters[info.Name].Value;
            T[] target = _values[info.Name];
            if (source.Length != target.Length)
                throw new ArgumentException($"parameter '{info.Name}' has {source.Length} values, expected {target.Length}", nameof(parameters));
            for (int i = 0; i < target.Length; i++) target[i] = T.CreateChecked(source[i]);
        }
    }

    public void ZeroGrad()
    {
        foreach (var g in _grads.Values) Array.Clear(g);
    }

    /// <summary>Runs all layers on <paramref name="batch"/> samples and returns the logits [N, Classes, H, W].
    /// Training mode uses batch statistics in batch norm (updating the running ones) and enables <see cref="Backward"/>.</summary>
    public ReadOnlySpan<T> Forward(ReadOnlySpan<T> input, int batch, bool training)
    {
        CheckBatch(batch);
        int inputSize = batch * Info.Input.Size;
        if (input.Length < inputSize) throw new ArgumentException($"input holds {input.Length} values, {inputSize} needed", nameof(input));
        input[..inputSize].CopyTo(_input);
        _batch = batch;
        _lastForwardTrained = training;

        for (int i = 0; i < Info.Layers.Count; i++)
            ForwardLayer(i, batch, training);
        return Output(Info.Layers.Count - 1, batch);
    }

    /// <summary>Back-propagates ∂loss/∂logits through the last Forward, which must have run in training mode.</summary>
    public void Backward(ReadOnlySpan<T> dLogits, int batch)
    {
        if (!_lastForwardTrained) throw new InvalidOperationException("Backward needs a training-mode Forward first");
        if (batch != _batch) throw new ArgumentException($"Backward batch {batch} differs from the last Forward's {_batch}", nameof(batch));
        int last = Info.Layers.Count - 1;
        var dy = _outputGrads[last].AsSpan(0, batch * Info.Layers[last].Output.Size);
        if (dLogits.Length < dy.Length) throw new ArgumentException($"dLogits holds {dLogits.Length} values, {dy.Length} needed", nameof(dLogits));
        dLogits[..dy.Length].CopyTo(dy);

        bool inputGrad = RequiresInputGrad;
        for (int i = last; i >= 0; i--)
            BackwardLayer(i, batch, inputGrad);
        _inputGradBatch = inputGrad ? batch : -1;
    }

    private void ForwardLayer(int i, int batch, bool training)
    {
        var layer = Info.Layers[i];
        var p = _tensors[i];
        ReadOnlySpan<T> x = Input(i, batch);
        Span<T> y = _outputs[i].AsSpan(0, batch * layer.Output.Size);
        switch (layer.Kind)
        {
            case LayerKind.Conv2d:
            case LayerKind.Classifier:
                Conv2dRef.Forward(x, p.Weight, p.Bias, y, batch, layer.Conv!.Value);
                break;
            case LayerKind.ConvTranspose2d:
                ConvTranspose2dRef.Forward(x, p.Weight, p.Bias, y, batch, layer.Conv!.Value);
                break;
            case LayerKind.MaxPool2d:
                MaxPool2dRef.Forward(x, y, _poolIndices[i], batch, layer.Pool!.Value);
                break;
            case LayerKind.MaxUnpool2d:
                MaxUnpool2dRef.Forward(x, _poolIndices[layer.Partner], y, batch, layer.Pool!.Value);
                break;
            case LayerKind.ReLU:
                ReLURef.Forward(x, y);
                break;
            case LayerKind.BatchNorm2d:
                int plane = layer.Input.H * layer.Input.W;
                if (training)
                    BatchNorm2dRef.ForwardTraining(x, p.Weight, p.Bias, p.RunningMean, p.RunningVar, y, _saveMean[i], _saveInvStd[i],
                        batch, layer.Input.C, plane, layer.Epsilon, layer.Momentum);
                else
                    BatchNorm2dRef.ForwardInference(x, p.Weight, p.Bias, p.RunningMean, p.RunningVar, y,
                        batch, layer.Input.C, plane, layer.Epsilon);
                break;
            case LayerKind.Skip:
                x.CopyTo(y);
                break;
            case LayerKind.Concat:
                var skip = Info.Layers[layer.SkipSource];
                ConcatRef.Forward(x, Output(layer.SkipSource, batch), y, batch, layer.Input.C, skip.Output.C, layer.Input.H * layer.Input.W);
                break;
            default:
                throw new NotSupportedException($"layer kind {layer.Kind}");
        }
    }

    // Without the input gradient the first layer gets an empty dx, which every op skips.
    private void BackwardLayer(int i, int batch, bool inputGrad)
    {
        var layer = Info.Layers[i];
        var p = _tensors[i];
        ReadOnlySpan<T> x = Input(i, batch);
        ReadOnlySpan<T> dy = _outputGrads[i].AsSpan(0, batch * layer.Output.Size);
        Span<T> dx = i > 0 ? _outputGrads[i - 1].AsSpan(0, batch * layer.Input.Size)
            : inputGrad ? _inputGrad.AsSpan(0, batch * layer.Input.Size) : [];
        switch (layer.Kind)
        {
            case LayerKind.Conv2d:
            case LayerKind.Classifier:
                Conv2dRef.Backward(x, p.Weight, dy, dx, p.DWeight, p.DBias, batch, layer.Conv!.Value);
                break;
            case LayerKind.ConvTranspose2d:
                ConvTranspose2dRef.Backward(x, p.Weight, dy, dx, p.DWeight, p.DBias, batch, layer.Conv!.Value);
                break;
            case LayerKind.MaxPool2d:
                MaxPool2dRef.Backward(dy, _poolIndices[i], dx, batch, layer.Pool!.Value);
                break;
            case LayerKind.MaxUnpool2d:
                MaxUnpool2dRef.Backward(dy, _poolIndices[layer.Partner], dx, batch, layer.Pool!.Value);
                break;
            case LayerKind.ReLU:
                ReLURef.Backward(Output(i, batch), dy, dx);
                break;
            case LayerKind.BatchNorm2d:
                BatchNorm2dRef.Backward(x, p.Weight, _saveMean[i], _saveInvStd[i], dy, dx, p.DWeight, p.DBias,
                    batch, layer.Input.C, layer.Input.H * layer.Input.W);
                break;
            case LayerKind.Skip:
                // The activation flows on and into the Concat, so both paths' gradients meet here.
                ReadOnlySpan<T> fromConcat = _skipGrads[i].AsSpan(0, dy.Length);
                for (int j = 0; j < dx.Length; j++) dx[j] = dy[j] + fromConcat[j];
                break;
            case LayerKind.Concat:
                var skip = Info.Layers[layer.SkipSource];
                ConcatRef.Backward(dy, dx, _skipGrads[layer.SkipSource].AsSpan(0, batch * skip.Output.Size),
                    batch, layer.Input.C, skip.Output.C, layer.Input.H * layer.Input.W);
                break;
            default:
                throw new NotSupportedException($"layer kind {layer.Kind}");
        }
    }

    private ReadOnlySpan<T> Input(int layer, int batch) =>
        layer == 0 ? _input.AsSpan(0, batch * Info.Input.Size) : Output(layer - 1, batch);

    private ReadOnlySpan<T> Output(int layer, int batch) =>
        _outputs[layer].AsSpan(0, batch * Info.Layers[layer].Output.Size);

    private void CheckBatch(int batch)
    {
        if (batch < 1 || batch > MaxBatch)
            throw new ArgumentOutOfRangeException(nameof(batch), batch, $"batch must be in 1..{MaxBatch}");
    }

    // Parameters are found by owning layer and name suffix, so the interpreter does not depend on how layers are numbered in names.
    private LayerTensors TensorsOf(int layer)
    {
        T[] weight = [], bias = [], dWeight = [], dBias = [], runningMean = [], runningVar = [];
        foreach (var p in Info.Parameters)
        {
            if (p.Layer != layer) continue;
            switch (p.Name[(p.Name.LastIndexOf('.') + 1)..])
            {
                case "weight": weight = _values[p.Name]; dWeight = _grads[p.Name]; break;
                case "bias": bias = _values[p.Name]; dBias = _grads[p.Name]; break;
                case "running_mean": runningMean = _values[p.Name]; break;
                case "running_var": runningVar = _values[p.Name]; break;
                default: throw new ArgumentException($"parameter '{p.Name}' has an unknown suffix");
            }
        }
        return new LayerTensors(weight, bias, dWeight, dBias, runningMean, runningVar);
    }

    private readonly record struct LayerTensors(T[] Weight, T[] Bias, T[] DWeight, T[] DBias, T[] RunningMean, T[] RunningVar);
}

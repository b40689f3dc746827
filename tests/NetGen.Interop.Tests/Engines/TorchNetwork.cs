// The same network as a NetworkInfo + ParameterSet, run by libtorch (TorchSharp functional ops with autograd): the
// independent engine that reference results are checked against, and the libtorch side of the benchmarks.
using NetGen.Model;
using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;
using TorchParameter = TorchSharp.Modules.Parameter;

namespace NetGen.Interop;

/// <summary>Runs a layer table with libtorch. Parameters are copied from a <see cref="ParameterSet"/> into torch tensors
/// (trainable ones as autograd parameters, running statistics as plain buffers that training-mode batch norm
/// updates in place), in the element type asked for.</summary>
public sealed class TorchNetwork : IDisposable
{
    private readonly Dictionary<string, Tensor> _tensors = new(StringComparer.Ordinal);
    private readonly List<TorchParameter> _trainable = [];

    public TorchNetwork(NetworkInfo info, ParameterSet parameters, ScalarType type = ScalarType.Float32)
    {
        Info = info;
        foreach (var p in info.Parameters)
        {
            long[] shape = Array.ConvertAll(p.Shape, d => (long)d);
            using var value = tensor(parameters[p.Name].Value, shape);
            // A copy: torch.tensor may share the managed array, and training must not write into the caller's parameter set.
            var typed = value.to_type(type, copy: true);
            if (p.Trainable)
            {
                var parameter = new TorchParameter(typed, requires_grad: true);
                _trainable.Add(parameter);
                _tensors.Add(p.Name, parameter);
            }
            else
            {
                _tensors.Add(p.Name, typed);
            }
        }
    }

    public NetworkInfo Info { get; }

    /// <summary>Trainable parameters in <see cref="NetworkInfo.Parameters"/> order, for an optimizer.</summary>
    public IReadOnlyList<TorchParameter> Trainable => _trainable;

    /// <summary>Argmax to route the max pools through, by pool layer index: another engine's indices [N, C, OH, OW] as flat
    /// offsets in each input plane (libtorch's convention). A pool then outputs its input at those positions (gradients
    /// flow back to them) and its unpool places values there; <see cref="ArgmaxReport"/> says how they compare with this
    /// network's own argmax. Null: every pool takes its own.</summary>
    public IReadOnlyDictionary<int, int[]>? ForcedArgmax { get; set; }

    /// <summary>Per routed pool of the last Forward: the entries whose forced argmax differs from this network's own, and the
    /// largest gap (own maximum − value at the forced position) relative to the layer's largest input magnitude.</summary>
    public List<(int Layer, long Differing, double WorstGap)> ArgmaxReport { get; } = [];

    /// <summary>With <see cref="RecordArgmax"/>: per pool of the last Forward, by layer index, the argmax it routed through (its
    /// own, or the forced one).</summary>
    public Dictionary<int, int[]> LastArgmax { get; } = [];

    /// <summary>Whether each Forward copies its pools' argmax into <see cref="LastArgmax"/> (off by default: the copy would
    /// be timed with a benchmark's libtorch calls).</summary>
    public bool RecordArgmax { get; set; }

    /// <summary>A parameter or running statistic by name, e.g. <c>conv1.weight</c> or <c>bn1.running_mean</c>.</summary>
    public Tensor this[string name] => _tensors[name];

    /// <summary>x [N, C, H, W] → logits [N, Classes, H, W]. Intermediates belong to the caller's dispose scope.</summary>
    public Tensor Forward(Tensor x, bool training)
    {
        var outputs = new Tensor[Info.Layers.Count];
        ArgmaxReport.Clear();
        LastArgmax.Clear();
        var pools = new Dictionary<int, (Tensor Indices, long[] InputSize)>();
        for (int i = 0; i < Info.Layers.Count; i++)
        {
            var layer = Info.Layers[i];
            x = layer.Kind switch
            {
                LayerKind.Conv2d or LayerKind.Classifier => Conv2d(x, layer),
                LayerKind.ConvTranspose2d => ConvTranspose2d(x, layer),
                LayerKind.MaxPool2d => MaxPool2d(x, layer, pools),
                LayerKind.MaxUnpool2d => MaxUnpool2d(x, layer, pools[layer.Partner]),
                LayerKind.BatchNorm2d => F.batch_norm(x, Named(layer, "running_mean"), Named(layer, "running_var"),
                    Named(layer, "weight"), Named(layer, "bias"), training, layer.Momentum, layer.Epsilon),
                LayerKind.ReLU => F.relu(x),
                LayerKind.Skip => x,
                LayerKind.Concat => cat([x, outputs[layer.SkipSource]], dim: 1),
                _ => throw new NotSupportedException($"layer kind {layer.Kind}"),
            };
            outputs[i] = x;
        }
        return x;
    }

    private Tensor Conv2d(Tensor x, LayerInfo layer)
    {
        var g = layer.Conv!.Value;
        return F.conv2d(x, Named(layer, "weight"), Named(layer, "bias"),
            strides: [g.Stride, g.Stride], padding: [g.Padding, g.Padding]);
    }

    private Tensor ConvTranspose2d(Tensor x, LayerInfo layer)
    {
        var g = layer.Conv!.Value;
        // The geometry's output size already includes the output padding that restores the paired conv's input.
        long padH = g.OutH - ((g.InH - 1) * g.Stride + g.Kernel - 2 * g.Padding);
        long padW = g.OutW - ((g.InW - 1) * g.Stride + g.Kernel - 2 * g.Padding);
        return F.conv_transpose2d(x, Named(layer, "weight"), Named(layer, "bias"),
            strides: [g.Stride, g.Stride], padding: [g.Padding, g.Padding], output_padding: [padH, padW]);
    }

    private Tensor MaxPool2d(Tensor x, LayerInfo layer, Dictionary<int, (Tensor, long[])> pools)
    {
        var g = layer.Pool!.Value;
        var (y, indices) = F.max_pool2d_with_indices(x, [g.Kernel, g.Kernel], [g.Stride, g.Stride]);
        if (ForcedArgmax != null && ForcedArgmax.TryGetValue(layer.Index, out var forced))
        {
            long count = y.numel();
            if (forced.Length < count) throw new ArgumentException($"{layer.Name}: {forced.Length} forced argmax entries, expected {count}");
            var routed = tensor(Array.ConvertAll(forced[..(int)count], i => (long)i), y.shape);
            // The input at the forced positions: gather's gradient scatters back to them, as the pool's would to its own argmax.
            var chosen = x.flatten(2).gather(2, routed.flatten(2)).view_as(y);
            using (no_grad())
            {
                long differing = routed.ne(indices).sum().item<long>();
                double gap = differing == 0 ? 0 : (y - chosen).max().to_type(ScalarType.Float64).item<double>()
                    / Math.Max(x.abs().max().to_type(ScalarType.Float64).item<double>(), double.Epsilon);
                ArgmaxReport.Add((layer.Index, differing, gap));
            }
            (y, indices) = (chosen, routed);
        }
        if (RecordArgmax)
            using (no_grad()) LastArgmax[layer.Index] = Array.ConvertAll(indices.to_type(ScalarType.Int64).data<long>().ToArray(), i => (int)i);
        // The unpool restores this full [N, C, H, W] shape: TorchSharp 0.107 mishandles a two-element output_size.
        pools[layer.Index] = (indices, x.shape);
        return y;
    }

    private static Tensor MaxUnpool2d(Tensor x, LayerInfo layer, (Tensor Indices, long[] InputSize) pool)
    {
        var g = layer.Pool!.Value;
        return F.max_unpool2d(x, pool.Indices, [g.Kernel, g.Kernel], [g.Stride, g.Stride], output_size: pool.InputSize);
    }

    // Parameters are found by owning layer and suffix, as the reference interpreter and the ONNX exporter do.
    private Tensor Named(LayerInfo layer, string suffix)
    {
        foreach (var p in Info.Parameters)
            if (p.Layer == layer.Index && p.Name.EndsWith("." + suffix, StringComparison.Ordinal))
                return _tensors[p.Name];
        throw new ArgumentException($"layer '{layer.Name}' has no '{suffix}' parameter");
    }

    public void Dispose()
    {
        foreach (var t in _tensors.Values) t.Dispose();
    }
}

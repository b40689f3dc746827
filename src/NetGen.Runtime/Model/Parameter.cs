// Parameter storage shared by generated networks, optimizers, checkpoints and exporters.
namespace NetGen.Model;

/// <summary>A named tensor with its value and (for trainable tensors) its gradient, both NCHW-ordered float arrays.</summary>
public sealed class Parameter(ParameterInfo info)
{
    public ParameterInfo Info { get; } = info;
    public string Name => Info.Name;
    public bool Trainable => Info.Trainable;
    public float[] Value { get; } = new float[info.Size];
    /// <summary>Gradient accumulated by Backward; empty for buffers that are not trained (batch-norm running statistics).</summary>
    public float[] Grad { get; } = info.Trainable ? new float[info.Size] : [];
}

/// <summary>The parameters of one network in a stable order (the order of <see cref="NetworkInfo.Parameters"/>).</summary>
public sealed class ParameterSet
{
    private readonly Parameter[] _items;
    private readonly Dictionary<string, Parameter> _byName;

    public ParameterSet(IReadOnlyList<ParameterInfo> infos)
    {
        _items = new Parameter[infos.Count];
        _byName = new Dictionary<string, Parameter>(StringComparer.Ordinal);
        for (int i = 0; i < infos.Count; i++)
        {
            _items[i] = new Parameter(infos[i]);
            _byName.Add(infos[i].Name, _items[i]);
        }
    }

    public int Count => _items.Length;
    public Parameter this[int index] => _items[index];
    public IReadOnlyList<Parameter> All => _items;

    public Parameter this[string name] =>
        _byName.TryGetValue(name, out var p) ? p : throw new KeyNotFoundException($"no parameter named '{name}'");

    public bool TryGet(string name, out Parameter parameter) => _byName.TryGetValue(name, out parameter!);

    /// <summary>Number of trainable scalars.</summary>
    public long TrainableCount
    {
        get
        {
            long n = 0;
            foreach (var p in _items) if (p.Trainable) n += p.Value.Length;
            return n;
        }
    }

    public void ZeroGrad()
    {
        foreach (var p in _items) Array.Clear(p.Grad);
    }

    /// <summary>He/Kaiming-normal init of conv weights (fan-in for Conv2d, fan-in of the transposed direction for deconvs),
    /// zero biases, unit batch-norm scale, zero shift, zero running mean and unit running variance. Deterministic for a seed.</summary>
    public void Initialize(NetworkInfo network, int seed)
    {
        var rng = new Random(seed);
        foreach (var p in _items)
        {
            var layer = network.Layers[p.Info.Layer];
            string suffix = p.Name[(p.Name.LastIndexOf('.') + 1)..];
            switch (suffix)
            {
                case "weight" when layer.Kind is LayerKind.BatchNorm2d:
                case "running_var":
                    Array.Fill(p.Value, 1f);
                    break;
                case "weight":
                    {
                        var g = layer.Conv!.Value;
                        // Conv2d: fan_in = InC·k². ConvTranspose2d's weight is [InC, OutC, k, k]; its "fan in" as torch counts it
                        // is OutC·k², but what keeps activations at unit scale going forward is the number of inputs that
                        // reach one output: InC·k²/stride².
                        double fanIn = layer.Kind == LayerKind.ConvTranspose2d
                            ? Math.Max(1.0, (double)g.InC * g.Kernel * g.Kernel / (g.Stride * g.Stride))
                            : (double)g.InC * g.Kernel * g.Kernel;
                        double std = Math.Sqrt(2.0 / fanIn);
                        for (int i = 0; i < p.Value.Length; i++) p.Value[i] = (float)(std * Gaussian(rng));
                        break;
                    }
                default:
                    Array.Clear(p.Value);
                    break;
            }
        }
    }

    private static double Gaussian(Random rng)
    {
        double u1 = 1.0 - rng.NextDouble(), u2 = rng.NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2);
    }
}

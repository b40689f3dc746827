// One layer's row in a LayerProfile: what the layer is, its FLOPs per sample, and the time, calls and samples charged to
// each of its passes so far.
using System.Diagnostics;
using NetGen.Model;

namespace NetGen.Diagnostics;

public sealed class LayerTiming
{
    internal LayerTiming(NetworkInfo network, LayerInfo layer)
    {
        Layer = layer;
        ForwardFlopsPerSample = LayerFlops.Forward(layer);
        BackwardFlopsPerSample = LayerFlops.Backward(network, layer);
    }

    public LayerInfo Layer { get; }
    public string Name => Layer.Name;
    public LayerKind Kind => Layer.Kind;

    public long ForwardFlopsPerSample { get; }
    public long BackwardFlopsPerSample { get; }

    /// <summary>Stopwatch ticks (<see cref="Stopwatch.Frequency"/> per second) spent in the layer's forward.</summary>
    public long ForwardTicks { get; internal set; }
    public long ForwardCalls { get; internal set; }
    public long ForwardSamples { get; internal set; }

    public long BackwardTicks { get; internal set; }
    public long BackwardCalls { get; internal set; }
    public long BackwardSamples { get; internal set; }

    /// <summary>Calls that ran fused into the previous layer's kernel call (their time is charged to that layer).</summary>
    public long FusedForwardCalls { get; internal set; }
    public long FusedBackwardCalls { get; internal set; }

    /// <summary>Whether every call of the pass ran fused into another layer's call.</summary>
    public bool ForwardFused => ForwardCalls > 0 && FusedForwardCalls == ForwardCalls;
    public bool BackwardFused => BackwardCalls > 0 && FusedBackwardCalls == BackwardCalls;

    public double ForwardSeconds => ForwardTicks / (double)Stopwatch.Frequency;
    public double BackwardSeconds => BackwardTicks / (double)Stopwatch.Frequency;

    /// <summary>Mean milliseconds per call, or 0 before the first call.</summary>
    public double ForwardMsPerCall => PerCall(ForwardSeconds, ForwardCalls);
    public double BackwardMsPerCall => PerCall(BackwardSeconds, BackwardCalls);

    /// <summary>GFLOP/s achieved, or NaN where nothing was counted (no arithmetic, or not called).</summary>
    public double ForwardGflops => Rate(ForwardFlopsPerSample * ForwardSamples, ForwardSeconds);
    public double BackwardGflops => Rate(BackwardFlopsPerSample * BackwardSamples, BackwardSeconds);

    internal void Clear()
    {
        ForwardTicks = ForwardCalls = ForwardSamples = FusedForwardCalls = 0;
        BackwardTicks = BackwardCalls = BackwardSamples = FusedBackwardCalls = 0;
    }

    internal static double PerCall(double seconds, long calls) => calls == 0 ? 0 : 1e3 * seconds / calls;

    internal static double Rate(double flops, double seconds) => flops <= 0 || seconds <= 0 ? double.NaN : flops / seconds / 1e9;
}

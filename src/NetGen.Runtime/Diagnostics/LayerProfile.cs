// Per-layer timing of a generated network: the network charges the time since the previous lap to the layer it has just
// run, so one timestamp per layer is all a profiled pass adds. Report() turns the counts into a table.
using System.Diagnostics;
using NetGen.Model;

namespace NetGen.Diagnostics;

/// <summary>Times every layer of one network. Attach it with <see cref="IProfiledNetwork.Profile"/>; it allocates nothing
/// while recording, so a profiled training step still allocates nothing.</summary>
public sealed class LayerProfile
{
    /// <summary>Measured FMA peak of the development machine, 2 threads (AMD EPYC Zen 4, AVX-512), in GFLOP/s.</summary>
    public const double DefaultPeakGflops = 233;

    private readonly LayerTiming[] _layers;

    public LayerProfile(NetworkInfo network)
    {
        Network = network;
        _layers = new LayerTiming[network.Layers.Count];
        for (int i = 0; i < _layers.Length; i++) _layers[i] = new LayerTiming(network, network.Layers[i]);
    }

    public NetworkInfo Network { get; }

    /// <summary>One row per layer, in layer order.</summary>
    public IReadOnlyList<LayerTiming> Layers => _layers;

    /// <summary>Whether this profile was made for <paramref name="network"/>'s layer table (same name and layers).</summary>
    public bool Describes(NetworkInfo network)
    {
        if (network.Name != Network.Name || network.Layers.Count != _layers.Length) return false;
        for (int i = 0; i < _layers.Length; i++)
            if (network.Layers[i].Name != _layers[i].Name || network.Layers[i].Kind != _layers[i].Kind) return false;
        return true;
    }

    /// <summary>The timestamp a pass starts its first lap from.</summary>
    public long Start() => Stopwatch.GetTimestamp();

    /// <summary>Charges the time since <paramref name="clock"/> to <paramref name="layer"/>'s forward on
    /// <paramref name="batch"/> samples and moves <paramref name="clock"/> to now. <paramref name="sameCall"/>: a later run of
    /// samples within the same pass (a network's SamplesPerRun), whose time and samples add to that pass's call.</summary>
    public void LapForward(int layer, int batch, ref long clock, bool sameCall = false)
    {
        long now = Stopwatch.GetTimestamp();
        var timing = _layers[layer];
        timing.ForwardTicks += now - clock;
        if (!sameCall) timing.ForwardCalls++;
        timing.ForwardSamples += batch;
        clock = now;
    }

    /// <summary>As <see cref="LapForward"/>, for the layer's backward.</summary>
    public void LapBackward(int layer, int batch, ref long clock)
    {
        long now = Stopwatch.GetTimestamp();
        var timing = _layers[layer];
        timing.BackwardTicks += now - clock;
        timing.BackwardCalls++;
        timing.BackwardSamples += batch;
        clock = now;
    }

    /// <summary>As <see cref="LapForward"/>, for a layer that ran inside the previous layer's call (a fused ReLU): its
    /// time is ~0 and the report says "fused" instead of a rate.</summary>
    public void LapFusedForward(int layer, int batch, ref long clock, bool sameCall = false)
    {
        LapForward(layer, batch, ref clock, sameCall);
        if (!sameCall) _layers[layer].FusedForwardCalls++;
    }

    /// <summary>As <see cref="LapFusedForward"/>, for the layer's backward.</summary>
    public void LapFusedBackward(int layer, int batch, ref long clock)
    {
        LapBackward(layer, batch, ref clock);
        _layers[layer].FusedBackwardCalls++;
    }

    /// <summary>Forgets every count, e.g. after warm-up passes.</summary>
    public void Reset()
    {
        foreach (var timing in _layers) timing.Clear();
    }

    /// <summary>A plain-text table: per layer its output shape, ms per call forward and backward, GFLOP/s and percentage of
    /// <paramref name="peakGflops"/> for each, and its share of the total time; then the same per layer kind.</summary>
    public string Report(double peakGflops = DefaultPeakGflops) => ProfileReport.Write(this, peakGflops);
}

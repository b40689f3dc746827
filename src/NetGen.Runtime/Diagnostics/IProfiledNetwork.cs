// What a generated network reports about its own running: per-layer timing on request, and the memory its buffers take.
namespace NetGen.Diagnostics;

/// <summary>Implemented by every generated network next to <see cref="Model.ISegmentationNetwork"/>.</summary>
public interface IProfiledNetwork
{
    /// <summary>When set, Forward and Backward charge each layer's time to it; when null (the default) profiling costs one
    /// null check per layer. The profile must be made for this network's layer table (<c>new LayerProfile(network.Info)</c>).</summary>
    LayerProfile? Profile { get; set; }

    /// <summary>Bytes of the buffers the network has allocated: activations and pool argmax from construction, and gradients
    /// and batch statistics from the first training-mode Forward on. Parameters and their gradients are not counted.</summary>
    long BufferBytes { get; }
}

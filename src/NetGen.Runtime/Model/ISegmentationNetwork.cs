// The contract every generated network implements; trainers, exporters and tests talk to networks through it.
namespace NetGen.Model;

/// <summary>A generated, shape-specialized segmentation network. Public tensors are NCHW float arrays:
/// input [N, InputChannels, Height, Width], logits [N, Classes, Height, Width]. Buffers are sized for <see cref="MaxBatch"/>
/// samples: activations at construction, gradient buffers on the first training-mode Forward (so inference-only users
/// never pay for them); after that Forward, Backward and Predict allocate nothing.</summary>
public interface ISegmentationNetwork
{
    NetworkInfo Info { get; }
    int MaxBatch { get; }
    ParameterSet Parameters { get; }

    /// <summary>Runs the network on <paramref name="batch"/> samples. In training mode batch norm uses batch statistics
    /// (and updates its running statistics) and the activations needed by <see cref="Backward"/> are kept.
    /// The returned span is the network's own logits buffer, valid until the next call.</summary>
    ReadOnlySpan<float> Forward(ReadOnlySpan<float> input, int batch, bool training = false);

    /// <summary>Back-propagates <paramref name="logitsGrad"/> (∂loss/∂logits, same shape as the logits) through the last
    /// training-mode Forward and ADDS the parameter gradients into <see cref="Parameter.Grad"/>.</summary>
    void Backward(ReadOnlySpan<float> logitsGrad, int batch);

    /// <summary>Whether Backward computes <see cref="InputGrad"/>. False by default (like torch's requires_grad on an input):
    /// training needs only the parameter gradients, and the first layer's input gradient is a pass of its own.</summary>
    bool RequiresInputGrad { get; set; }

    /// <summary>Gradient with respect to the input of the last Backward, [N, C, H, W]. Throws InvalidOperationException
    /// unless that Backward ran with <see cref="RequiresInputGrad"/> set.</summary>
    ReadOnlySpan<float> InputGrad { get; }

    void ZeroGrad();

    /// <summary>Inference-mode forward followed by a per-pixel argmax: <paramref name="classes"/> is [N, H, W].</summary>
    void Predict(ReadOnlySpan<float> input, int batch, Span<int> classes);
}

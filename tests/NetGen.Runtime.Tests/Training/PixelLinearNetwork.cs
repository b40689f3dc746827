// A hand-written ISegmentationNetwork for testing the training code without the generator: a per-pixel linear classifier
// (a 1×1 convolution) y[n, k, p] = b[k] + Σ_c w[k, c]·x[n, c, p].
using NetGen.Model;
using NetGen.Training;

namespace NetGen.Runtime.Tests.Training;

internal sealed class PixelLinearNetwork : ISegmentationNetwork
{
    private readonly float[] _input, _logits, _dx;
    private int _batch;
    // Samples in the last Backward that computed dx; -1 when it skipped it (or none ran).
    private int _inputGradBatch = -1;

    public PixelLinearNetwork(Shape input, int classes, int maxBatch)
    {
        var geometry = new ConvGeometry(input.C, input.H, input.W, classes, input.H, input.W, 1, 1, 0);
        var output = new Shape(classes, input.H, input.W);
        ParameterInfo[] parameters =
        [
            new("classifier.weight", [classes, input.C, 1, 1], 0, true),
            new("classifier.bias", [classes], 0, true),
        ];
        Info = new NetworkInfo("PixelLinear", input, classes,
            [new LayerInfo(0, "classifier", LayerKind.Classifier, input, output, Conv: geometry)],
            parameters, 2L * input.C * classes * input.H * input.W);
        MaxBatch = maxBatch;
        Parameters = new ParameterSet(parameters);
        _input = new float[maxBatch * input.Size];
        _logits = new float[maxBatch * output.Size];
        _dx = new float[maxBatch * input.Size];
    }

    public NetworkInfo Info { get; }
    public int MaxBatch { get; }
    public ParameterSet Parameters { get; }
    public bool RequiresInputGrad { get; set; }

    public ReadOnlySpan<float> InputGrad => _inputGradBatch >= 0
        ? _dx.AsSpan(0, _inputGradBatch * Info.Input.Size)
        : throw new InvalidOperationException("the last Backward skipped the input gradient: set RequiresInputGrad = true before Backward");

    private float[] Weight => Parameters["classifier.weight"].Value;
    private float[] Bias => Parameters["classifier.bias"].Value;

    // x: [N, C, H, W] -> y: [N, K, H, W]
    public ReadOnlySpan<float> Forward(ReadOnlySpan<float> input, int batch, bool training = false)
    {
        int channels = Info.Input.C, classes = Info.Classes, plane = Info.Input.H * Info.Input.W;
        _batch = batch;
        input[..(batch * Info.Input.Size)].CopyTo(_input);
        for (int n = 0; n < batch; n++)
            for (int k = 0; k < classes; k++)
                for (int p = 0; p < plane; p++)
                {
                    float sum = Bias[k];
                    for (int c = 0; c < channels; c++) sum += Weight[k * channels + c] * _input[(n * channels + c) * plane + p];
                    _logits[(n * classes + k) * plane + p] = sum;
                }
        return _logits.AsSpan(0, batch * classes * plane);
    }

    // dy: [N, K, H, W] -> dx: [N, C, H, W] (only with RequiresInputGrad); dw [K, C], db [K] accumulate.
    public void Backward(ReadOnlySpan<float> logitsGrad, int batch)
    {
        int channels = Info.Input.C, classes = Info.Classes, plane = Info.Input.H * Info.Input.W;
        float[] dw = Parameters["classifier.weight"].Grad, db = Parameters["classifier.bias"].Grad;
        bool inputGrad = RequiresInputGrad;
        Array.Clear(_dx);
        for (int n = 0; n < batch; n++)
            for (int k = 0; k < classes; k++)
                for (int p = 0; p < plane; p++)
                {
                    float dy = logitsGrad[(n * classes + k) * plane + p];
                    db[k] += dy;
                    for (int c = 0; c < channels; c++)
                    {
                        dw[k * channels + c] += dy * _input[(n * channels + c) * plane + p];
                        if (inputGrad) _dx[(n * channels + c) * plane + p] += Weight[k * channels + c] * dy;
                    }
                }
        _inputGradBatch = inputGrad ? batch : -1;
    }

    public void ZeroGrad() => Parameters.ZeroGrad();

    public void Predict(ReadOnlySpan<float> input, int batch, Span<int> classes)
    {
        var logits = Forward(input, batch);
        Argmax.Planar(logits, classes, batch, new Shape(Info.Classes, Info.Input.H, Info.Input.W));
    }
}

// Walks the layers in order and computes each one's input and output shape [C, H, W], its geometry and its FLOPs.
// Up-layers restore their partner's input size exactly (45→22→45), which is why they are checked against that partner.
using System.Collections.Generic;
using NetGen.Generator.Model;

namespace NetGen.Generator.Validation;

internal static class ShapeInference
{
    /// <summary>Returns every layer's model, or null when some layer's shape cannot be determined;
    /// the reason is then among <paramref name="diagnostics"/>.</summary>
    public static LayerModel[]? Run(NetworkSpec spec, LayerPlan plan, int[] skipSources, List<DiagnosticInfo> diagnostics)
    {
        var layers = new LayerModel[spec.Layers.Count];
        long input = (long)spec.InputChannels * spec.Height * spec.Width;
        if (input > int.MaxValue)
        {
            diagnostics.Add(DiagnosticInfos.Create(DiagnosticDescriptors.TensorTooLarge, spec.NetworkAttributeLocation, "[Network]", "input", input));
            return null;
        }
        var x = new Shape(spec.InputChannels, spec.Height, spec.Width);
        for (int i = 0; i < layers.Length; i++)
        {
            var step = new Step(spec, plan, layers, skipSources, i, x, diagnostics);
            var layer = step.Infer();
            if (layer is null || !step.FitsInTensors(layer)) return null;
            layers[i] = layer;
            x = layer.Output;
        }
        return layers;
    }

    /// <summary>One layer's inference: its spec, the shape flowing in, and the layers already inferred.</summary>
    private sealed class Step(NetworkSpec spec, LayerPlan plan, LayerModel[] done, int[] skipSources, int index, Shape x, List<DiagnosticInfo> diagnostics)
    {
        private LayerSpec Layer => spec.Layers[index];
        private string Name => plan.Names[index];
        private int Partner => plan.Partners[index];

        public LayerModel? Infer() => Layer.Kind switch
        {
            LayerKind.Conv2d => Conv2d(),
            LayerKind.ConvTranspose2d => ConvTranspose2d(),
            LayerKind.MaxPool2d => MaxPool2d(),
            LayerKind.MaxUnpool2d => MaxUnpool2d(),
            LayerKind.Concat => Concat(),
            LayerKind.Classifier => Classifier(),
            LayerKind.BatchNorm2d => Make(x, 0, 0, 0, x.Size) with { Epsilon = Layer.Epsilon, Momentum = Layer.Momentum },
            // A Skip only remembers its input for the Concat: no arithmetic. Other elementwise layers count one per element.
            LayerKind.Skip => Make(x, 0, 0, 0, 0) with { SkipName = Layer.Name },
            _ => Make(x, 0, 0, 0, x.Size),
        };

        // [Cin, H, W] -> [Cout, (H + 2p − k) / s + 1, (W + 2p − k) / s + 1]
        private LayerModel? Conv2d()
        {
            int k = Layer.Kernel, s = Layer.Stride, p = Layer.Padding;
            if (x.H + 2 * p < k || x.W + 2 * p < k) return TooSmall(FloorOut(x.H + 2 * p - k, s), FloorOut(x.W + 2 * p - k, s));
            var y = new Shape(Layer.OutChannels, (x.H + 2 * p - k) / s + 1, (x.W + 2 * p - k) / s + 1);
            return Make(y, k, s, p, ConvFlops(x.C, y.C, k, y.H, y.W));
        }

        // [Cin, H, W] -> [Cout, H', W'] where H'×W' is the partner conv's input size; the output padding
        // n − ((out − 1)·s − 2p + k) equals (n + 2p − k) mod s, so it always lies in [0, s) once the input matches.
        private LayerModel? ConvTranspose2d()
        {
            int k = Layer.Kernel, s = Layer.Stride, p = Layer.Padding;
            if (Partner < 0)
            {
                int h = (x.H - 1) * s - 2 * p + k, w = (x.W - 1) * s - 2 * p + k;
                if (h < 1 || w < 1) return TooSmall(h, w);
                return Make(new Shape(Layer.OutChannels, h, w), k, s, p, ConvFlops(x.C, Layer.OutChannels, k, x.H, x.W));
            }
            if (Partner > index) return null;

            var conv = done[Partner];
            if (x.H != conv.Output.H || x.W != conv.Output.W)
                diagnostics.Add(DiagnosticInfos.Create(DiagnosticDescriptors.UpInputMismatch, Layer.Location,
                    Name, ShapeText.Spatial(x), conv.Name, ShapeText.Spatial(conv.Output), ShapeText.Spatial(conv.Input)));
            var y = new Shape(Layer.OutChannels, conv.Input.H, conv.Input.W);
            return Make(y, k, s, p, ConvFlops(x.C, y.C, k, x.H, x.W)) with
            {
                OutputPadding = OutputPaddingAlong(conv.Input.H, conv.Output.H, conv),
                OutputPaddingW = OutputPaddingAlong(conv.Input.W, conv.Output.W, conv),
            };
        }

        // [C, H, W] -> [C, (H − k) / s + 1, (W − k) / s + 1], floor mode, no padding; stride 0 means "same as kernel".
        private LayerModel? MaxPool2d()
        {
            int k = Layer.Kernel, s = Layer.Stride == 0 ? k : Layer.Stride;
            if (x.H < k || x.W < k) return TooSmall(FloorOut(x.H - k, s), FloorOut(x.W - k, s));
            var y = new Shape(x.C, (x.H - k) / s + 1, (x.W - k) / s + 1);
            return Make(y, k, s, 0, y.Size);
        }

        // [C, h, w] -> [C, H, W]: the partner pool's output back to its input; argmax indices need the whole shape to match.
        private LayerModel? MaxUnpool2d()
        {
            if (Partner < 0 || Partner > index) return null;
            var pool = done[Partner];
            if (x != pool.Output)
                diagnostics.Add(DiagnosticInfos.Create(DiagnosticDescriptors.UpInputMismatch, Layer.Location,
                    Name, ShapeText.Full(x), pool.Name, ShapeText.Full(pool.Output), ShapeText.Full(pool.Input)));
            var y = new Shape(x.C, pool.Input.H, pool.Input.W);
            return Make(y, pool.Kernel, pool.Stride, 0, y.Size);
        }

        // [C, H, W] ++ [Cs, H, W] -> [C + Cs, H, W]
        private LayerModel? Concat()
        {
            int source = skipSources[index];
            if (source < 0) return null;
            var skip = done[source].Output;
            if (x.H != skip.H || x.W != skip.W)
                diagnostics.Add(DiagnosticInfos.Create(DiagnosticDescriptors.SkipSizeMismatch, Layer.Location,
                    Layer.Name ?? "", ShapeText.Spatial(x), ShapeText.Spatial(skip)));
            var y = new Shape(x.C + skip.C, x.H, x.W);
            return Make(y, 0, 0, 0, y.Size) with { SkipSource = source, SkipName = Layer.Name };
        }

        // [C, H, W] -> [Classes, H, W]: odd kernel, stride 1, padding (k − 1) / 2.
        private LayerModel Classifier()
        {
            int k = Layer.Kernel;
            var y = new Shape(spec.Classes, x.H, x.W);
            return Make(y, k, 1, (k - 1) / 2, ConvFlops(x.C, y.C, k, y.H, y.W));
        }

        /// <summary>Every activation and weight must fit one array; reports the first that does not.</summary>
        public bool FitsInTensors(LayerModel layer)
        {
            long output = (long)layer.Output.C * layer.Output.H * layer.Output.W;
            if (output > int.MaxValue) return TooLarge("output", output);
            if (layer.Kind is LayerKind.Conv2d or LayerKind.ConvTranspose2d or LayerKind.Classifier)
            {
                long weight = (long)layer.Input.C * layer.Output.C * layer.Kernel * layer.Kernel;
                if (weight > int.MaxValue) return TooLarge("weight", weight);
            }
            return true;

            bool TooLarge(string tensor, long elements)
            {
                diagnostics.Add(DiagnosticInfos.Create(DiagnosticDescriptors.TensorTooLarge, Layer.Location, Name, tensor, elements));
                return false;
            }
        }

        private LayerModel? TooSmall(long h, long w)
        {
            diagnostics.Add(DiagnosticInfos.Create(DiagnosticDescriptors.SpatialSizeBelowOne, Layer.Location,
                Name, ShapeText.Spatial(x), ShapeText.Spatial((int)h, (int)w)));
            return null;
        }

        private LayerModel Make(Shape y, int kernel, int stride, int padding, long flops)
            => new(index, Name, Layer.Kind, x, y, kernel, stride, padding, OutputPadding: 0, Partner, SkipSource: -1,
                SkipName: null, Epsilon: 0, Momentum: 0, flops);

        /// <summary>Along one axis: the conv's input size minus what a transposed conv of its geometry gives back.</summary>
        private static int OutputPaddingAlong(int restored, int reduced, LayerModel conv)
            => restored - ((reduced - 1) * conv.Stride - 2 * conv.Padding + conv.Kernel);

        /// <summary>2 FLOPs (multiply and add) per weight per output (or, for a deconv, input) pixel.</summary>
        private static long ConvFlops(int cin, int cout, int k, int h, int w) => 2L * cin * cout * k * k * h * w;

        /// <summary>Floor division, so a negative extent reads as the size it would have been (0 or less).</summary>
        private static long FloorOut(int extent, int stride) => (extent < 0 ? (extent - stride + 1) / stride : extent / stride) + 1;
    }
}

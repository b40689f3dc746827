// Writes the public passes of ISegmentationNetwork: Forward and Backward validate their arguments and call one method per
// layer or fused run in order (reverse order for Backward); Predict adds the per-pixel argmax; ZeroGrad, RequiresInputGrad
// and InputGrad complete the API.
using System.Collections.Generic;
using NetGen.Generator.Model;

namespace NetGen.Generator.Emit;

internal static class PassEmitter
{
    public static void Write(SourceWriter writer, EmitPlan plan)
    {
        WriteForward(writer, plan);
        writer.WriteLine();
        WriteBackward(writer, plan);
        writer.WriteLine();
        writer.WriteLines($$"""
            /// <summary>Whether Backward computes InputGrad; false by default, since training needs only the parameter gradients.</summary>
            public bool RequiresInputGrad { get; set; }

            /// <summary>∂loss/∂input [N, InputChannels, Height, Width] of the last Backward, which must have run with RequiresInputGrad.</summary>
            public ReadOnlySpan<float> InputGrad => _inputGradBatch > 0
                ? {{plan.Input.GradField}}.AsSpan(0, _inputGradBatch * InputSize)
                : throw new InvalidOperationException("the last Backward skipped the input gradient: set RequiresInputGrad = true before Backward.");

            """);
        writer.WriteLine("public void ZeroGrad() => Parameters.ZeroGrad();");
        writer.WriteLine();
        WritePredict(writer, plan);
        writer.WriteLine();
        writer.WriteLines("""
            private void CheckBatch(int batch)
            {
                if (batch < 1 || batch > MaxBatch)
                    throw new ArgumentOutOfRangeException(nameof(batch), $"batch is {batch}; it must be between 1 and MaxBatch = {MaxBatch}.");
            }
            """);
    }

    private static void WriteForward(SourceWriter writer, EmitPlan plan)
    {
        var model = plan.Model;
        string perSample = (plan.BytesPerSample / 1e6).ToString("0.00", System.Globalization.CultureInfo.InvariantCulture);
        writer.WriteLine("// Samples Forward runs through every layer before it starts on the next ones: as many as keep their activations and");
        writer.WriteLine($"// gradients ({perSample} MB a sample) within half of a 32 MB last-level cache, at least 1. Backward runs the whole batch.");
        writer.WriteLine($"private const int SamplesPerRun = {Literals.Int(plan.SamplesPerRun)};");
        writer.WriteLine();
        writer.WriteLines("""
            /// <summary>Runs the network on <paramref name="batch"/> samples of input [N, InputChannels, Height, Width] and returns
            /// the logits [N, Classes, Height, Width] (this network's buffer, valid until the next call). Training mode uses batch
            /// statistics in batch norm, updates the running ones, and keeps what Backward needs.
            """);
        if (plan.Fusions.Count > 0)
            writer.WriteLines("""
                /// Inference mode runs each convolution with the batch norm (folded into its weights from the current parameters
                /// and running statistics) and ReLU after it as one kernel call.
                """);
        if (plan.TrainingFusions.Count > 0 || plan.HasSharedTrainingFusion)
            writer.WriteLine(plan.HasSharedTrainingFusion
                ? "/// Training mode runs each convolution or batch norm with the ReLU (and a convolution's pool) after it as one kernel call."
                : "/// Training mode runs each convolution or batch norm with the ReLU right after it as one kernel call.");
        writer.WriteLine("/// </summary>");
        using (writer.WriteBlock("public ReadOnlySpan<float> Forward(ReadOnlySpan<float> input, int batch, bool training = false)"))
        {
            writer.WriteLines($$"""
                CheckBatch(batch);
                if (input.Length != batch * InputSize)
                    throw new ArgumentException($"input has {input.Length} floats; expected {batch * InputSize} (batch {batch} × {{Literals.Shape(model.Input)}}).", nameof(input));
                if (training && !_hasTrainingBuffers)
                    AllocateTrainingBuffers();
                _trainingBatch = 0;
                input.CopyTo({{plan.Input.Field}});

                """);
            writer.WriteLine("// A training forward's rounding moves ReLU and pool decisions near zero, which the backward routes: Winograd's 3×3");
            writer.WriteLine("// layers keep their tiles of 2×2 then (4×4 round 5–8× more).");
            writer.WriteLine("using var trainingMode = training ? global::NetGen.Kernels.KernelModes.TrainingForward() : default;");
            if (plan.TrainsWholeBatch)
            {
                writer.WriteLine("// Batch norm's training statistics amplify the forward's rounding: Winograd's rows keep their tiles of 2 then, but for");
                writer.WriteLine("// the last batch norm's input (its rounding reaches that batch norm alone, not a cascade of them).");
                writer.WriteLine("using var kernelMode = training ? global::NetGen.Kernels.KernelModes.BatchStatisticsForward() : default;");
            }
            WriteClockStart(writer);
            writer.WriteLine(plan.TrainsWholeBatch
                ? "int step = training ? batch : SamplesPerRun; // batch norm's training statistics span the whole batch"
                : "int step = SamplesPerRun;");
            using (writer.WriteBlock("for (int start = 0; start < batch; start += step)"))
            {
                writer.WriteLine("int n = Math.Min(step, batch - start);");
                if (plan.Fusions.Count == 0 && plan.TrainingFusions.Count == 0 && !plan.HasSharedTrainingFusion)
                    WriteAligned(writer, ForwardLines(plan, Mode.Either));
                else
                {
                    writer.WriteLine("// Each mode runs its fused layers as one call (the *FusedForward, *TrainingForward and *InferenceForward methods),");
                    writer.WriteLine("// writing the last fused layer's output; the call's profile lap is charged to the first layer, the others' are ~0.");
                    using (writer.WriteBlock("if (training)"))
                        WriteAligned(writer, ForwardLines(plan, Mode.Training));
                    using (writer.WriteBlock("else"))
                        WriteAligned(writer, ForwardLines(plan, Mode.Inference));
                }
            }
            writer.WriteLine();

            writer.WriteLine("_trainingBatch = training ? batch : 0;");
            writer.WriteLine($"return {plan.Logits.Field}.AsSpan(0, batch * LogitsSize);");
        }
    }

    /// <summary>Which Forward a list of layer calls is for: one mode's, with its fused runs, or both (nothing fused).</summary>
    private enum Mode
    {
        Either,
        Training,
        Inference,
    }

    // One line per layer, with a mode's fused runs as one call; the training lines lap each fused layer after the call, so
    // every layer that runs in training is counted (inference charges a fused run to its convolution alone).
    private static List<Line> ForwardLines(EmitPlan plan, Mode mode)
    {
        var model = plan.Model;
        string training = mode switch { Mode.Training => "training: true", Mode.Inference => "training: false", _ => "training" };
        var lines = new List<Line>();
        for (int i = 0; i < model.Layers.Count; i++)
        {
            var layer = model.Layers[i];
            if (mode == Mode.Inference && plan.FusionStartingAt(i) is { } fusion)
            {
                var last = model.Layers[fusion.Last];
                // Charged to the convolution, whose multiply-adds it is, when an unpool before it starts the run.
                lines.Add(new Line($"{plan.FusedMethod(fusion)}(start, n);", Lap("Forward", fusion.Conv),
                    $"{Literals.BatchShape(layer.Input)} -> {Literals.BatchShape(last.Output)}, {plan.FusedNames(fusion)}"));
                i = fusion.Last;
                continue;
            }
            if (mode == Mode.Training && plan.FusionStartingAt(i) is { } shared
                && (plan.SharedFusionContaining(i) is not null || plan.ClassifiedTrainingFusionContaining(i) is not null))
            {
                // The same call as inference's (with the classifier, one that also keeps the classifier's input), charged to
                // the convolution; its other layers are lapped after it, as a pair's ReLU is.
                string conv = model.Layers[shared.Conv].Name;
                string method = plan.SharedFusionContaining(i) is not null ? plan.FusedMethod(shared) : plan.ClassifiedTrainingMethod(shared);
                lines.Add(new Line($"{method}(start, n);", Lap("Forward", shared.Conv),
                    $"{Literals.BatchShape(layer.Input)} -> {Literals.BatchShape(model.Layers[shared.Last].Output)}, {plan.FusedNames(shared)}"));
                for (int j = shared.First; j <= shared.Last; j++)
                {
                    if (j == shared.Conv) continue;
                    string where = j == shared.Pool ? $"pooled from {conv}'s bands"
                        : j == shared.Unpool ? $"unpooled by {conv} as it packs its input"
                        : j == shared.Classifier ? $"classifies {conv}'s bands as they are stored"
                        : $"in {conv}'s output store";
                    lines.Add(new Line("", Lap("FusedForward", j), $"{model.Layers[j].Name}: {where}"));
                }
                i = shared.Last;
                continue;
            }
            if (mode == Mode.Training && plan.IsReadByConvolution(i))
            {
                // The deconvolution after it reads its input and argmax; it has no pass of its own.
                lines.Add(new Line("", Lap("FusedForward", i), $"{layer.Name}: unpooled by {model.Layers[i + 1].Name} as it packs its input"));
                continue;
            }
            if (mode == Mode.Training && plan.TrainingFusionContaining(i) is { } pair && pair.Producer == i)
            {
                var relu = model.Layers[pair.ReLU];
                lines.Add(new Line($"{plan.FusedMethod(pair)}(start, n);", Lap("Forward", i),
                    $"{Literals.BatchShape(layer.Input)} -> {Literals.BatchShape(relu.Output)}, {layer.Name} + {relu.Name}"));
                lines.Add(new Line("", Lap("FusedForward", pair.ReLU), $"{relu.Name}: in {layer.Name}'s output store"));
                i = pair.ReLU;
                continue;
            }
            string shapes = $"{Literals.BatchShape(layer.Input)} -> {Literals.BatchShape(layer.Output)}";
            if (layer.Kind == LayerKind.Skip)
                lines.Add(new Line($"// {layer.Name}: {plan.ConcatNamesReading(i)} will read {plan.OutputOf(i).Contents} (no copy)", "", ""));
            else if (layer.Kind == LayerKind.BatchNorm2d)
                lines.Add(new Line($"{plan.Id(i)}Forward(start, n, {training});", Lap("Forward", i), shapes));
            else
                lines.Add(new Line($"{plan.Id(i)}Forward(start, n);", Lap("Forward", i), shapes));
        }
        return lines;
    }

    /// <summary>The convolution right before the network's last batch norm, or −1: its training forward keeps Winograd's
    /// tiles of 4 (KernelModes.LastBatchNormInput, in its forward method).</summary>
    internal static int LastBatchNormInput(NetworkModel model)
    {
        for (int i = model.Layers.Count - 1; i > 0; i--)
            if (model.Layers[i].Kind == LayerKind.BatchNorm2d)
                return model.Layers[i - 1].Kind is LayerKind.Conv2d or LayerKind.ConvTranspose2d ? i - 1 : -1;
        return -1;
    }

    // Forward's laps say whether they continue the pass's call for an earlier run of samples (start > 0).
    private static string Lap(string pass, int layer) =>
        pass.Contains("Forward")
            ? $"profile?.Lap{pass}({Literals.Int(layer)}, n, ref clock, start > 0);"
            : $"profile?.Lap{pass}({Literals.Int(layer)}, n, ref clock);";

    private static void WriteBackward(SourceWriter writer, EmitPlan plan)
    {
        var model = plan.Model;
        writer.WriteLines("""
            /// <summary>Back-propagates <paramref name="logitsGrad"/> (∂loss/∂logits) through the last training-mode Forward,
            /// ADDING the parameter gradients into Parameters' Grad arrays and, with RequiresInputGrad, leaving ∂loss/∂input in
            /// InputGrad (without it the first layer skips its input gradient).</summary>
            """);
        using (writer.WriteBlock("public void Backward(ReadOnlySpan<float> logitsGrad, int batch)"))
        {
            writer.WriteLines($$"""
                CheckBatch(batch);
                if (_trainingBatch == 0)
                    throw new InvalidOperationException("Backward needs the activations of a training-mode Forward: call Forward(input, batch, training: true) first.");
                if (batch != _trainingBatch)
                    throw new ArgumentException($"batch is {batch} but the last training-mode Forward ran on {_trainingBatch} samples.", nameof(batch));
                if (logitsGrad.Length != batch * LogitsSize)
                    throw new ArgumentException($"logitsGrad has {logitsGrad.Length} floats; expected {batch * LogitsSize} (batch {batch} × {{Literals.Shape(model.Output)}}).", nameof(logitsGrad));
                logitsGrad.CopyTo({{plan.Logits.GradField}});

                """);
            WriteClockStart(writer);
            var lines = new List<Line>();

            for (int i = model.Layers.Count - 1; i >= 0; i--)
            {
                var layer = model.Layers[i];
                if (layer.Kind == LayerKind.Skip && plan.ConcatsReading(i).Count == 0) continue;
                if (plan.IsFoldedReLU(i) || plan.IsGatedReLU(i) || plan.IsReadByConvolution(i) || plan.IsPoolTakenByConvolution(i))
                {
                    lines.Add(new Line("", Lap("FusedBackward", i), $"{layer.Name}: in {model.Layers[plan.BackwardOwner(i)].Name}'s backward"));
                    continue;
                }
                string shapes = layer.Kind == LayerKind.Skip
                    ? $"adds the gradient from {plan.ConcatNamesReading(i)}"
                    : $"{Literals.BatchShape(layer.Output)} -> {Literals.BatchShape(layer.Input)}";
                lines.Add(new Line($"{plan.Id(i)}Backward(start, n);", Lap("Backward", i), shapes));
            }
            // The whole batch at once: its samples' gradients share the two chain buffers, laid out by the size of each
            // gradient in turn, so a run of a few samples would overwrite the others' upstream gradients.
            writer.WriteLine("const int start = 0;");
            writer.WriteLine("int n = batch;");
            WriteAligned(writer, lines);
            writer.WriteLine();
            writer.WriteLine("_inputGradBatch = RequiresInputGrad ? batch : 0;");
        }
    }

    private static void WritePredict(SourceWriter writer, EmitPlan plan)
    {
        var output = plan.Model.Output;
        string plane = $"{Literals.Int(output.H)}×{Literals.Int(output.W)}";
        writer.WriteLines($$"""
            /// <summary>Inference-mode Forward followed by a per-pixel argmax over the classes (the first maximum wins):
            /// <paramref name="classes"/> receives [N, Height, Width].</summary>
            public void Predict(ReadOnlySpan<float> input, int batch, Span<int> classes)
            {
                CheckBatch(batch);
                if (classes.Length != batch * PixelsPerSample)
                    throw new ArgumentException($"classes has {classes.Length} ints; expected {batch * PixelsPerSample} (batch {batch} × {{plane}}).", nameof(classes));
                ReadOnlySpan<float> logits = Forward(input, batch, training: false);
                for (int n = 0; n < batch; n++)
                {
                    ReadOnlySpan<float> sample = logits.Slice(n * LogitsSize, LogitsSize);
                    Span<int> labels = classes.Slice(n * PixelsPerSample, PixelsPerSample);
                    for (int p = 0; p < PixelsPerSample; p++)
                    {
                        int best = 0;
                        float bestLogit = sample[p];
                        for (int c = 1; c < Classes; c++)
                        {
                            float logit = sample[c * PixelsPerSample + p];
                            if (logit > bestLogit)
                            {
                                best = c;
                                bestLogit = logit;
                            }
                        }
                        labels[p] = best;
                    }
                }
            }
            """);
    }

    // One timestamp per layer when a profile is attached; a null check per layer when not.
    private static void WriteClockStart(SourceWriter writer)
    {
        writer.WriteLine("// Each lap charges the time since the previous one to the layer just run, when a profile is attached.");
        writer.WriteLine("var profile = _profile;");
        writer.WriteLine("long clock = profile?.Start() ?? 0;");
    }

    /// <summary>One line of a pass: the layer call, its profile lap and a shape comment (a bare comment leaves both empty).</summary>
    private readonly struct Line
    {
        public Line(string call, string lap, string comment)
        {
            Call = call;
            Lap = lap;
            Comment = comment;
        }

        public string Call { get; }
        public string Lap { get; }
        public string Comment { get; }
    }

    // Calls, laps and shape comments line up so that each reads as a column.
    private static void WriteAligned(SourceWriter writer, List<Line> lines)
    {
        int callWidth = 0, lapWidth = 0;
        foreach (var line in lines)
        {
            if (line.Lap.Length == 0) continue;
            if (line.Call.Length > callWidth) callWidth = line.Call.Length;
            if (line.Lap.Length > lapWidth) lapWidth = line.Lap.Length;
        }
        foreach (var line in lines)
            writer.WriteLine(line.Lap.Length == 0
                ? line.Call
                : $"{line.Call.PadRight(callWidth)} {line.Lap.PadRight(lapWidth)} // {line.Comment}");
    }
}

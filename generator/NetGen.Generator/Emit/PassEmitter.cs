// Writes the public passes of ISegmentationNetwork: Forward and Backward validate their arguments and call one method per
// layer in order (reverse order for Backward); Predict adds the per-pixel argmax; ZeroGrad and InputGrad complete the API.
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
        writer.WriteLine($"public ReadOnlySpan<float> InputGrad => {plan.Input.GradField}.AsSpan(0, _inputGradBatch * InputSize);");
        writer.WriteLine();
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
            WriteClockStart(writer);
            if (plan.Fusions.Count == 0)
                WriteAligned(writer, ForwardLines(plan, fused: false, "training"));
            else
            {
                writer.WriteLine("// Inference runs each convolution with the batch norm and ReLU right after it as one call (the *InferenceForward");
                writer.WriteLine("// methods), writing the last fused layer's output; its profile lap is charged to the convolution.");
                using (writer.WriteBlock("if (training)"))
                    WriteAligned(writer, ForwardLines(plan, fused: false, "training: true"));
                using (writer.WriteBlock("else"))
                    WriteAligned(writer, ForwardLines(plan, fused: true, "training: false"));
            }
            writer.WriteLine();

            writer.WriteLine("_trainingBatch = training ? batch : 0;");
            writer.WriteLine($"return {plan.Logits.Field}.AsSpan(0, batch * LogitsSize);");
        }
    }

    // One line per layer, or with `fused` one per fused run in place of its layers.
    private static List<Line> ForwardLines(EmitPlan plan, bool fused, string training)
    {
        var model = plan.Model;
        var lines = new List<Line>();
        for (int i = 0; i < model.Layers.Count; i++)
        {
            var layer = model.Layers[i];
            string lap = $"profile?.LapForward({Literals.Int(i)}, batch, ref clock);";
            if (fused && plan.FusionStartingAt(i) is { } fusion)
            {
                var last = model.Layers[fusion.Last];
                lines.Add(new Line($"{plan.FusedId(fusion)}InferenceForward(batch);", lap,
                    $"{Literals.BatchShape(layer.Input)} -> {Literals.BatchShape(last.Output)}, {plan.FusedNames(fusion)}"));
                i = fusion.Last;
                continue;
            }
            string shapes = $"{Literals.BatchShape(layer.Input)} -> {Literals.BatchShape(layer.Output)}";
            if (layer.Kind == LayerKind.Skip)
                lines.Add(new Line($"// {layer.Name}: {plan.ConcatNamesReading(i)} will read {plan.OutputOf(i).Contents} (no copy)", "", ""));
            else if (layer.Kind == LayerKind.BatchNorm2d)
                lines.Add(new Line($"{plan.Id(i)}Forward(batch, {training});", lap, shapes));
            else
                lines.Add(new Line($"{plan.Id(i)}Forward(batch);", lap, shapes));
        }
        return lines;
    }

    private static void WriteBackward(SourceWriter writer, EmitPlan plan)
    {
        var model = plan.Model;
        writer.WriteLines("""
            /// <summary>Back-propagates <paramref name="logitsGrad"/> (∂loss/∂logits) through the last training-mode Forward,
            /// ADDING the parameter gradients into Parameters' Grad arrays and leaving ∂loss/∂input in InputGrad.</summary>
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
                string shapes = layer.Kind == LayerKind.Skip
                    ? $"adds the gradient from {plan.ConcatNamesReading(i)}"
                    : $"{Literals.BatchShape(layer.Output)} -> {Literals.BatchShape(layer.Input)}";
                lines.Add(new Line($"{plan.Id(i)}Backward(batch);", $"profile?.LapBackward({Literals.Int(i)}, batch, ref clock);", shapes));
            }
            WriteAligned(writer, lines);
            writer.WriteLine();
            writer.WriteLine("_inputGradBatch = batch;");
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

// Writes what a network instance holds and the code that fills it: parameters cached from the ParameterSet, the activations
// inference writes and pool argmax allocated by the constructor, and the training-only buffers (activations inference
// fuses away, gradients, batch statistics) allocated by the first training-mode Forward, so inference never pays for
// them. After that, Forward and Backward never allocate.
using System.Collections.Generic;
using System.Globalization;
using NetGen.Generator.Model;

namespace NetGen.Generator.Emit;

internal static class StorageEmitter
{
    public static void WriteMembers(SourceWriter writer, EmitPlan plan)
    {
        writer.WriteLines("""
            public global::NetGen.Model.NetworkInfo Info => Description;
            public int MaxBatch { get; }
            public global::NetGen.Model.ParameterSet Parameters { get; }

            /// <summary>Bytes of the buffers allocated so far: the activations inference writes and pool argmax from construction
            /// on, the activations only training writes, gradients and batch statistics from the first training-mode Forward on.
            /// Parameters and their gradients are not counted.</summary>
            public long BufferBytes { get; private set; }

            /// <summary>When set, Forward and Backward charge each layer's time to it; null (the default) costs one check per layer.</summary>
            public global::NetGen.Diagnostics.LayerProfile? Profile
            {
                get => _profile;
                set
                {
                    if (value is not null && !value.Describes(Description))
                        throw new ArgumentException($"the profile was made for {value.Network.Name}, not this network's layers; create it with new LayerProfile(network.Info).", nameof(value));
                    _profile = value;
                }
            }

            """);

        writer.WriteLine("// Parameter values and gradients, cached from Parameters so layers reach them without a lookup.");
        foreach (var p in plan.Parameters)
            writer.WriteLine(p.GradField is null ? $"private readonly float[] {p.Field};" : $"private readonly float[] {p.Field}, {p.GradField};");
        if (HasFolding(plan))
        {
            writer.WriteLine("// Convolution weights and bias with the batch norm after them folded in, rewritten by each inference-mode Forward");
            writer.WriteLine("// (copies of parameters, so not counted in BufferBytes).");
            foreach (var fusion in plan.Fusions)
                if (fusion.BatchNorm >= 0)
                    writer.WriteLine($"private readonly float[] {plan.FoldedWeight(fusion)}, {plan.FoldedBias(fusion)}; // {plan.FusedNames(fusion)}");
        }
        writer.WriteLine();

        writer.WriteLine("// Activations for MaxBatch samples, one per layer output (a Skip's output is its input's): Forward writes them and");
        writer.WriteLine("// Backward reads them.");
        var unwritten = new List<string>();
        for (int i = 0; i < plan.Model.Layers.Count; i++)
            if (plan.IsNeverWritten(i)) unwritten.Add(plan.Layer(i).Name);
        if (unwritten.Count > 0)
        {
            writer.WriteLine("// No array for the outputs of these layers: both modes run each fused with the layers after it, whose call writes only");
            writer.WriteLine("// the last one's output (a ReLU's, or a pool's):");
            writer.WriteLine($"// {string.Join(", ", unwritten)}.");
        }
        writer.WriteLine($"private readonly float[] {plan.Input.Field}; // input: {Literals.BatchShape(plan.Input.Shape)}");
        foreach (var t in plan.Activations)
            if (!plan.IsTrainingOnly(t))
                writer.WriteLine($"private readonly float[] {t.Field}; // {t.Owner}: {Literals.BatchShape(t.Shape)}");
        if (plan.TrainingOnlyActivations.Count > 0)
        {
            writer.WriteLine("// Only training writes these (inference runs their layers fused, each call writing the last one's output), so the");
            writer.WriteLine("// first training-mode Forward allocates them.");
            foreach (var t in plan.TrainingOnlyActivations)
                writer.WriteLine($"private float[] {t.Field} = Array.Empty<float>(); // {t.Owner}: {Literals.BatchShape(t.Shape)}");
        }

        var model = plan.Model;
        if (Has(model, LayerKind.MaxPool2d))
        {
            writer.WriteLine("// Argmax of each pool (offset in the input plane), read by its own backward and by its unpool.");
            foreach (int i in Layers(model, LayerKind.MaxPool2d))
                writer.WriteLine($"private readonly int[] {plan.PoolIndices(i)}; // {Literals.BatchShape(model.Layers[i].Output)}");
        }
        writer.WriteLine();

        WriteGradientPlan(writer, plan);
        foreach (int chain in new[] { 0, 1 })
            writer.WriteLine($"private float[] {EmitPlan.ChainFields[chain]} = Array.Empty<float>(); // {ChainContents(plan, chain)}");
        foreach (int skip in plan.Gradients.ConcatenatedSkips)
            writer.WriteLine($"private float[] {plan.SkipGrad(skip)} = Array.Empty<float>(); // {model.Layers[skip].Name}: {Literals.BatchShape(model.Layers[skip].Output)}");
        if (Has(model, LayerKind.BatchNorm2d))
        {
            writer.WriteLine("// Batch mean and 1/sqrt(var + eps) per channel from each batch norm's last training Forward, for its backward.");
            foreach (int i in Layers(model, LayerKind.BatchNorm2d))
                writer.WriteLine($"private float[] {plan.SaveMean(i)} = Array.Empty<float>(), {plan.SaveInvStd(i)} = Array.Empty<float>();");
        }
        writer.WriteLine("private bool _hasTrainingBuffers;");
        writer.WriteLine();

        writer.WriteLines("""
            private global::NetGen.Diagnostics.LayerProfile? _profile;

            // Samples in the last training-mode Forward (0 after an inference Forward: Backward needs its activations),
            // and in the last Backward if it computed InputGrad (0 if it skipped it).
            private int _trainingBatch;
            private int _inputGradBatch;
            """);
    }

    public static void WriteConstructor(SourceWriter writer, EmitPlan plan)
    {
        var model = plan.Model;
        writer.WriteLine("/// <summary>Creates the network with He-initialized parameters (the same for the same <paramref name=\"seed\"/>)");
        writer.WriteLine("/// and its activation buffers for up to <paramref name=\"maxBatch\"/> samples.</summary>");
        using (writer.WriteBlock($"public {model.ClassName}(int maxBatch = 1, int seed = 0)"))
        {
            writer.WriteLine("if (maxBatch < 1)");
            writer.WriteLine("    throw new ArgumentOutOfRangeException(nameof(maxBatch), $\"maxBatch is {maxBatch}; it must be at least 1.\");");
            writer.WriteLine("MaxBatch = maxBatch;");
            writer.WriteLine("Parameters = new global::NetGen.Model.ParameterSet(Description.Parameters);");
            writer.WriteLine("Parameters.Initialize(Description, seed);");
            writer.WriteLine();

            foreach (var p in plan.Parameters)
            {
                string name = Literals.String(p.Parameter.Name);
                writer.WriteLine($"{p.Field} = Parameters[{name}].Value;");
                if (p.GradField is not null) writer.WriteLine($"{p.GradField} = Parameters[{name}].Grad;");
            }
            foreach (var fusion in plan.Fusions)
            {
                if (fusion.BatchNorm < 0) continue;
                writer.WriteLine($"{plan.FoldedWeight(fusion)} = new float[{plan.Parameter(fusion.Conv, "weight").Field}.Length];");
                writer.WriteLine($"{plan.FoldedBias(fusion)} = new float[{plan.Parameter(fusion.Conv, "bias").Field}.Length];");
            }
            writer.WriteLine();

            writer.WriteLine($"{plan.Input.Field} = AllocateFloats(checked(maxBatch * {Literals.Int(plan.Input.Shape.Size)}));");
            foreach (var t in plan.Activations)
                if (!plan.IsTrainingOnly(t))
                    writer.WriteLine($"{t.Field} = AllocateFloats(checked(maxBatch * {Literals.Int(t.Shape.Size)}));");
            foreach (int i in Layers(model, LayerKind.MaxPool2d))
                writer.WriteLine($"{plan.PoolIndices(i)} = AllocateInts(checked(maxBatch * {Literals.Int(model.Layers[i].Output.Size)}));");
        }
    }

    /// <summary>AllocateTrainingBuffers, which the first training-mode Forward calls, and the allocators that count BufferBytes.</summary>
    public static void WriteAllocation(SourceWriter writer, EmitPlan plan)
    {
        var model = plan.Model;
        var gradients = plan.Gradients;
        writer.WriteLine("// The buffers only training needs, allocated once and kept: after this, no pass allocates.");
        using (writer.WriteBlock("private void AllocateTrainingBuffers()"))
        {
            foreach (var t in plan.TrainingOnlyActivations)
                writer.WriteLine($"{t.Field} = AllocateFloats(checked(MaxBatch * {Literals.Int(t.Shape.Size)}));");
            foreach (int chain in new[] { 0, 1 })
                writer.WriteLine($"{EmitPlan.ChainFields[chain]} = AllocateFloats(checked(MaxBatch * {Literals.Int(gradients.ChainSize(chain))}));");
            foreach (int skip in gradients.ConcatenatedSkips)
                writer.WriteLine($"{plan.SkipGrad(skip)} = AllocateFloats(checked(MaxBatch * {Literals.Int(model.Layers[skip].Output.Size)}));");
            foreach (int i in Layers(model, LayerKind.BatchNorm2d))
            {
                writer.WriteLine($"{plan.SaveMean(i)} = AllocateFloats({Literals.Int(model.Layers[i].Input.C)});");
                writer.WriteLine($"{plan.SaveInvStd(i)} = AllocateFloats({Literals.Int(model.Layers[i].Input.C)});");
            }
            writer.WriteLine("_hasTrainingBuffers = true;");
        }
        writer.WriteLine();
        writer.WriteLines("""
            private float[] AllocateFloats(int count)
            {
                BufferBytes += (long)count * sizeof(float);
                return new float[count];
            }
            """);
        if (Has(model, LayerKind.MaxPool2d))
        {
            writer.WriteLine();
            writer.WriteLines("""
                private int[] AllocateInts(int count)
                {
                    BufferBytes += (long)count * sizeof(int);
                    return new int[count];
                }
                """);
        }
    }

    // The gradient plan as a table: which buffer holds ∂loss/∂ each activation while Backward runs.
    private static void WriteGradientPlan(SourceWriter writer, EmitPlan plan)
    {
        var model = plan.Model;
        writer.WriteLines("""
            // Backward-only buffers, allocated by the first training-mode Forward. Gradients: a layer's backward reads only its dy
            // and writes only its dx, so the chain alternates between two buffers; a Skip's gradient from its Concat waits in a
            // buffer of its own until the Skip's backward adds it. ∂loss/∂ each activation lives in:
            """);
        var rows = new List<string[]> { new[] { "input", Literals.BatchShape(model.Input), plan.Input.GradField } };
        for (int i = 0; i < model.Layers.Count; i++)
        {
            var layer = model.Layers[i];
            var output = plan.OutputOf(i);
            string buffer = output.GradField;
            if (plan.IsReadByConvolution(i)) buffer = $"none: {plan.Layer(i + 1).Name}'s backward gathers through the argmax";
            else if (plan.Gradients.Unheld.Contains(i))
                buffer = $"none: {plan.Layer(plan.FusionContaining(i)!.Conv).Name}'s backward reads {plan.Layer(plan.FusionContaining(i)!.Pool).Name}'s dy through the argmax";
            else if (layer.Kind == LayerKind.Skip)
            {
                buffer += $" (shared with {output.Owner})";
                if (plan.ConcatsReading(i).Count > 0) buffer += $", plus {plan.SkipGrad(i)} from {plan.ConcatNamesReading(i)}";
            }
            rows.Add(new[] { layer.Name, Literals.BatchShape(layer.Output), buffer });
        }
        foreach (string row in TextColumns.Align(rows, rightAligned: new[] { false, false, false }))
            writer.WriteLine(("//   " + row).TrimEnd());
    }

    // "MaxBatch × 1,600 floats: sized for concat_e1's gradient, the largest it holds".
    private static string ChainContents(EmitPlan plan, int chain)
    {
        int size = plan.Gradients.ChainSize(chain);
        string largest = plan.Input.GradField == EmitPlan.ChainFields[chain] && plan.Input.Shape.Size == size ? "the input" : "";
        for (int i = 0; i < plan.Model.Layers.Count && largest.Length == 0; i++)
        {
            var t = plan.OutputOf(i);
            if (t.GradField == EmitPlan.ChainFields[chain] && t.Shape.Size == size && !plan.Gradients.Unheld.Contains(i)) largest = t.Owner;
        }
        return largest.Length == 0
            ? "holds no gradient in this network"
            : $"MaxBatch × {size.ToString("N0", CultureInfo.InvariantCulture)} floats: sized for {largest}'s gradient, the largest it holds";
    }

    private static IEnumerable<int> Layers(NetworkModel model, LayerKind kind)
    {
        for (int i = 0; i < model.Layers.Count; i++)
            if (model.Layers[i].Kind == kind) yield return i;
    }

    private static bool Has(NetworkModel model, LayerKind kind)
    {
        foreach (var layer in model.Layers)
            if (layer.Kind == kind) return true;
        return false;
    }

    private static bool HasFolding(EmitPlan plan)
    {
        foreach (var fusion in plan.Fusions)
            if (fusion.BatchNorm >= 0) return true;
        return false;
    }
}

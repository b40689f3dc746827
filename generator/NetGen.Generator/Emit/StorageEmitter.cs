// Writes what a network instance holds and the constructor that fills it: parameters cached from the ParameterSet and
// every buffer the passes use, all allocated once for MaxBatch samples so that Forward and Backward never allocate.
using NetGen.Generator.Model;

namespace NetGen.Generator.Emit;

internal static class StorageEmitter
{
    public static void WriteMembers(SourceWriter writer, EmitPlan plan)
    {
        writer.WriteLine("public global::NetGen.Model.NetworkInfo Info => Description;");
        writer.WriteLine("public int MaxBatch { get; }");
        writer.WriteLine("public global::NetGen.Model.ParameterSet Parameters { get; }");
        writer.WriteLine();

        writer.WriteLine("// Parameter values and gradients, cached from Parameters so layers reach them without a lookup.");
        foreach (var p in plan.Parameters)
            writer.WriteLine(p.GradField is null ? $"private readonly float[] {p.Field};" : $"private readonly float[] {p.Field}, {p.GradField};");
        writer.WriteLine();

        writer.WriteLine("// Activations and their gradients for MaxBatch samples, one pair per layer output. A Skip's output is its input's pair.");
        WriteTensorField(writer, plan.Input);
        foreach (var t in plan.Activations) WriteTensorField(writer, t);

        var model = plan.Model;
        if (Has(model, LayerKind.MaxPool2d))
        {
            writer.WriteLine("// Argmax of each pool (offset in the input plane), read by its own backward and by its unpool.");
            for (int i = 0; i < model.Layers.Count; i++)
                if (model.Layers[i].Kind == LayerKind.MaxPool2d)
                    writer.WriteLine($"private readonly int[] {plan.PoolIndices(i)}; // {Literals.BatchShape(model.Layers[i].Output)}");
        }
        if (Has(model, LayerKind.BatchNorm2d))
        {
            writer.WriteLine("// Batch mean and 1/sqrt(var + eps) per channel from each batch norm's last training Forward, for its backward.");
            for (int i = 0; i < model.Layers.Count; i++)
                if (model.Layers[i].Kind == LayerKind.BatchNorm2d)
                    writer.WriteLine($"private readonly float[] {plan.SaveMean(i)}, {plan.SaveInvStd(i)};");
        }
        if (Has(model, LayerKind.Concat))
        {
            writer.WriteLine("// Gradient each Concat sends back to the Skip it reads.");
            for (int i = 0; i < model.Layers.Count; i++)
                if (model.Layers[i].Kind == LayerKind.Concat)
                    writer.WriteLine($"private readonly float[] {plan.SkipGrad(i)}; // {Literals.BatchShape(SkipShape(plan, i))}");
        }
        writer.WriteLine();

        writer.WriteLine("// Samples in the last training-mode Forward (0 after an inference Forward: Backward needs its activations),");
        writer.WriteLine("// and in the last Backward (the extent of InputGrad).");
        writer.WriteLine("private int _trainingBatch;");
        writer.WriteLine("private int _inputGradBatch;");
    }

    public static void WriteConstructor(SourceWriter writer, EmitPlan plan)
    {
        var model = plan.Model;
        writer.WriteLine("/// <summary>Creates the network with He-initialized parameters (the same for the same <paramref name=\"seed\"/>)");
        writer.WriteLine("/// and every buffer for up to <paramref name=\"maxBatch\"/> samples.</summary>");
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
            writer.WriteLine();

            WriteTensorAllocation(writer, plan.Input);
            foreach (var t in plan.Activations) WriteTensorAllocation(writer, t);
            for (int i = 0; i < model.Layers.Count; i++)
            {
                var layer = model.Layers[i];
                switch (layer.Kind)
                {
                    case LayerKind.MaxPool2d:
                        writer.WriteLine($"{plan.PoolIndices(i)} = new int[checked(maxBatch * {Literals.Int(layer.Output.Size)})];");
                        break;
                    case LayerKind.BatchNorm2d:
                        writer.WriteLine($"{plan.SaveMean(i)} = new float[{Literals.Int(layer.Input.C)}];");
                        writer.WriteLine($"{plan.SaveInvStd(i)} = new float[{Literals.Int(layer.Input.C)}];");
                        break;
                    case LayerKind.Concat:
                        writer.WriteLine($"{plan.SkipGrad(i)} = new float[checked(maxBatch * {Literals.Int(SkipShape(plan, i).Size)})];");
                        break;
                }
            }
        }
    }

    private static void WriteTensorField(SourceWriter writer, Tensor t) =>
        writer.WriteLine($"private readonly float[] {t.Field}, {t.GradField}; // {t.Owner}: {Literals.BatchShape(t.Shape)}");

    private static void WriteTensorAllocation(SourceWriter writer, Tensor t)
    {
        writer.WriteLine($"{t.Field} = new float[checked(maxBatch * {Literals.Int(t.Shape.Size)})];");
        writer.WriteLine($"{t.GradField} = new float[checked(maxBatch * {Literals.Int(t.Shape.Size)})];");
    }

    private static Shape SkipShape(EmitPlan plan, int concat) => plan.OutputOf(plan.Layer(concat).SkipSource).Shape;

    private static bool Has(NetworkModel model, LayerKind kind)
    {
        foreach (var layer in model.Layers)
            if (layer.Kind == kind) return true;
        return false;
    }
}

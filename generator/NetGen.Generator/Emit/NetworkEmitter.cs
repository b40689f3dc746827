// Turns a validated NetworkModel into the C# source of its partial class: header comment, description, storage,
// the public passes, one method per layer and pass, and one per run of fused layers. Output depends only on the model,
// byte for byte.
using NetGen.Generator.Model;

namespace NetGen.Generator.Emit;

internal static class NetworkEmitter
{
    public static string Emit(NetworkModel model)
    {
        var plan = new EmitPlan(model);
        var writer = new SourceWriter();

        HeaderEmitter.Write(writer, plan);
        writer.WriteLine();
        writer.WriteLine("#nullable enable");
        writer.WriteLine();
        // Only for span extensions (AsSpan) and System's exception types; NetGen types are written global:: so that types
        // in the user's namespace cannot shadow them.
        writer.WriteLine("using System;");
        writer.WriteLine();
        if (model.Namespace.Length > 0)
        {
            writer.WriteLine($"namespace {model.Namespace};");
            writer.WriteLine();
        }

        // No accessibility modifier: the user's declaration decides it.
        using (writer.WriteBlock($"partial class {model.ClassName} : global::NetGen.Model.ISegmentationNetwork, global::NetGen.Diagnostics.IProfiledNetwork"))
        {
            NetworkInfoEmitter.Write(writer, plan);
            writer.WriteLine();
            StorageEmitter.WriteMembers(writer, plan);
            writer.WriteLine();
            StorageEmitter.WriteConstructor(writer, plan);
            writer.WriteLine();
            StorageEmitter.WriteAllocation(writer, plan);
            writer.WriteLine();
            PassEmitter.Write(writer, plan);
            for (int i = 0; i < model.Layers.Count; i++)
            {
                writer.WriteLine();
                LayerEmitter.Write(writer, plan, i);
                if (plan.FusionEndingAt(i) is { } fusion)
                {
                    writer.WriteLine();
                    LayerEmitter.WriteFused(writer, plan, fusion);
                }
                if (plan.IsFoldedReLU(i))
                {
                    writer.WriteLine();
                    LayerEmitter.WriteFusedTraining(writer, plan, plan.TrainingFusionContaining(i)!);
                }
            }
        }
        return writer.ToString();
    }
}

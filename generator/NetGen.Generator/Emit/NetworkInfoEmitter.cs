// Writes the network's description as code: the public shape constants, the geometry each kernel call receives,
// and the static NetworkInfo (layer table and parameter list) that the reference interpreter and exporters walk.
using NetGen.Generator.Model;

namespace NetGen.Generator.Emit;

internal static class NetworkInfoEmitter
{
    private const string Model = "global::NetGen.Model";

    public static void Write(SourceWriter writer, EmitPlan plan)
    {
        WriteConstants(writer, plan.Model);
        writer.WriteLine();
        WriteGeometry(writer, plan);
        writer.WriteLine();
        WriteDescription(writer, plan);
    }

    private static void WriteConstants(SourceWriter writer, NetworkModel model)
    {
        var output = model.Output;
        writer.WriteLine("/// <summary>Channels, height and width of one input sample.</summary>");
        writer.WriteLine($"public const int InputChannels = {Literals.Int(model.Input.C)};");
        writer.WriteLine($"public const int Height = {Literals.Int(model.Input.H)};");
        writer.WriteLine($"public const int Width = {Literals.Int(model.Input.W)};");
        writer.WriteLine("/// <summary>Number of classes: the logits have one channel per class.</summary>");
        writer.WriteLine($"public const int Classes = {Literals.Int(model.Classes)};");
        writer.WriteLine();
        writer.WriteLine("// Floats per sample of the input and of the logits, and pixels per sample of a prediction.");
        writer.WriteLine($"private const int InputSize = {Literals.Int(model.Input.Size)};");
        writer.WriteLine($"private const int LogitsSize = {Literals.Int(output.Size)};");
        writer.WriteLine($"private const int PixelsPerSample = {Literals.Int(output.H * output.W)};");
    }

    // Static readonly structs become constants once the type is initialized, so the kernels see fixed shapes.
    private static void WriteGeometry(SourceWriter writer, EmitPlan plan)
    {
        writer.WriteLine("// Geometry of each convolution and pool as the kernels receive it. Declared before Description, which uses them:");
        writer.WriteLine("// static initializers run in textual order.");
        for (int i = 0; i < plan.Model.Layers.Count; i++)
        {
            var layer = plan.Layer(i);
            switch (layer.Kind)
            {
                case LayerKind.Conv2d:
                case LayerKind.ConvTranspose2d:
                case LayerKind.Classifier:
                    writer.WriteLine($"private static readonly {Model}.ConvGeometry {plan.ConvGeometry(i)} = new({ConvArguments(layer)});");
                    break;
                case LayerKind.MaxPool2d:
                    writer.WriteLine($"private static readonly {Model}.PoolGeometry {plan.PoolGeometry(i)} = new({PoolArguments(layer)});");
                    break;
            }
        }
    }

    private static string ConvArguments(LayerModel layer)
    {
        Shape x = layer.Input, y = layer.Output;
        return $"{Literals.Int(x.C)}, {Literals.Int(x.H)}, {Literals.Int(x.W)}, {Literals.Int(y.C)}, {Literals.Int(y.H)}, {Literals.Int(y.W)}, " +
               $"Kernel: {Literals.Int(layer.Kernel)}, Stride: {Literals.Int(layer.Stride)}, Padding: {Literals.Int(layer.Padding)}";
    }

    private static string PoolArguments(LayerModel pool)
    {
        Shape x = pool.Input, y = pool.Output;
        return $"{Literals.Int(x.C)}, {Literals.Int(x.H)}, {Literals.Int(x.W)}, {Literals.Int(y.H)}, {Literals.Int(y.W)}, " +
               $"Kernel: {Literals.Int(pool.Kernel)}, Stride: {Literals.Int(pool.Stride)}";
    }

    private static void WriteDescription(SourceWriter writer, EmitPlan plan)
    {
        var model = plan.Model;
        writer.WriteLine("/// <summary>This network as data: input, classes, the layer table with shapes and partners, and the parameter list.</summary>");
        writer.WriteLine($"public static {Model}.NetworkInfo Description {{ get; }} = new(");
        writer.Indent();
        writer.WriteLine($"Name: {Literals.String(model.ClassName)},");
        writer.WriteLine($"Input: {ShapeLiteral(model.Input)},");
        writer.WriteLine($"Classes: {Literals.Int(model.Classes)},");
        using (writer.WriteBlock($"Layers: new {Model}.LayerInfo[]", ","))
        {
            for (int i = 0; i < model.Layers.Count; i++) writer.WriteLine(LayerLiteral(plan, i) + ",");
        }
        using (writer.WriteBlock($"Parameters: new {Model}.ParameterInfo[]", ","))
        {
            foreach (var p in model.Parameters)
                writer.WriteLine($"new({Literals.String(p.Name)}, new[] {{ {Literals.Join(p.Shape)} }}, Layer: {Literals.Int(p.Layer)}, Trainable: {Literals.Bool(p.Trainable)}),");
        }
        writer.WriteLine($"ForwardFlopsPerSample: {Literals.Long(model.ForwardFlops)});");
        writer.Unindent();
    }

    private static string LayerLiteral(EmitPlan plan, int index)
    {
        var layer = plan.Layer(index);
        string text = $"new({Literals.Int(index)}, {Literals.String(layer.Name)}, {Model}.LayerKind.{layer.Kind}, " +
                      $"{ShapeLiteral(layer.Input)}, {ShapeLiteral(layer.Output)}";
        switch (layer.Kind)
        {
            case LayerKind.Conv2d:
            case LayerKind.ConvTranspose2d:
            case LayerKind.Classifier:
                text += $", Conv: {plan.ConvGeometry(index)}";
                break;
            case LayerKind.MaxPool2d:
            case LayerKind.MaxUnpool2d:
                text += $", Pool: {plan.PoolGeometry(index)}";
                break;
            case LayerKind.BatchNorm2d:
                text += $", Epsilon: {Literals.Double(layer.Epsilon)}, Momentum: {Literals.Double(layer.Momentum)}";
                break;
        }
        if (layer.Partner >= 0) text += $", Partner: {Literals.Int(layer.Partner)}";
        if (layer.SkipName is not null) text += $", SkipName: {Literals.String(layer.SkipName)}";
        text += ")";
        if (layer.Kind == LayerKind.Concat) text += $" {{ SkipSource = {Literals.Int(layer.SkipSource)} }}";
        return text;
    }

    private static string ShapeLiteral(Shape shape) => $"new({Literals.Int(shape.C)}, {Literals.Int(shape.H)}, {Literals.Int(shape.W)})";
}

// Writes one private method per layer and pass, forward and backward side by side under a comment with the op and its
// shapes. Each method slices the buffers it touches to the batch and calls the op's kernel with the layer's constants.
using NetGen.Generator.Model;

namespace NetGen.Generator.Emit;

internal static class LayerEmitter
{
    private const string Kernels = "global::NetGen.Kernels";

    public static void Write(SourceWriter writer, EmitPlan plan, int index)
    {
        var layer = plan.Layer(index);
        writer.WriteLine($"// {layer.Name}: {Summary(plan, index)}. x: {Literals.BatchShape(layer.Input)} -> y: {Literals.BatchShape(layer.Output)}");
        switch (layer.Kind)
        {
            case LayerKind.Conv2d:
            case LayerKind.Classifier:
                WriteConvolution(writer, plan, index, "Conv2dKernel");
                break;
            case LayerKind.ConvTranspose2d:
                WriteConvolution(writer, plan, index, "ConvTranspose2dKernel");
                break;
            case LayerKind.MaxPool2d:
                WriteMaxPool2d(writer, plan, index);
                break;
            case LayerKind.MaxUnpool2d:
                WriteMaxUnpool2d(writer, plan, index);
                break;
            case LayerKind.ReLU:
                WriteReLU(writer, plan, index);
                break;
            case LayerKind.BatchNorm2d:
                WriteBatchNorm2d(writer, plan, index);
                break;
            case LayerKind.Skip:
                WriteSkip(writer, plan, index);
                break;
            case LayerKind.Concat:
                WriteConcat(writer, plan, index);
                break;
        }
    }

    private static string Summary(EmitPlan plan, int index)
    {
        var layer = plan.Layer(index);
        string k = $"{Literals.Int(layer.Kernel)}×{Literals.Int(layer.Kernel)}";
        string partner = layer.Partner >= 0 ? plan.Layer(layer.Partner).Name : "";
        return layer.Kind switch
        {
            LayerKind.Conv2d => $"Conv2d {k}, stride {Literals.Int(layer.Stride)}, padding {Literals.Int(layer.Padding)}",
            LayerKind.ConvTranspose2d => $"ConvTranspose2d {k}, stride {Literals.Int(layer.Stride)}, padding {Literals.Int(layer.Padding)}, " +
                                         $"output padding {Literals.OutputPadding(layer)}, mirrors {partner}",
            LayerKind.Classifier => $"Classifier, Conv2d {k} to {Literals.Int(layer.Output.C)} classes, padding {Literals.Int(layer.Padding)}",
            LayerKind.MaxPool2d => $"MaxPool2d {k}, stride {Literals.Int(layer.Stride)}, argmax kept for {partner}",
            LayerKind.MaxUnpool2d => $"MaxUnpool2d to the argmax of {partner}",
            LayerKind.ReLU => "ReLU",
            LayerKind.BatchNorm2d => $"BatchNorm2d, epsilon {Literals.Number(layer.Epsilon)}, momentum {Literals.Number(layer.Momentum)}",
            LayerKind.Skip => $"Skip \"{layer.SkipName}\": y is {plan.OutputOf(index).Contents} (no copy), read again by {plan.ConcatNamesReading(index)}",
            LayerKind.Concat => $"Concat \"{layer.SkipName}\" appends {plan.Layer(layer.SkipSource).Name} {Literals.BatchShape(plan.OutputOf(layer.SkipSource).Shape)} after x",
            _ => layer.Kind.ToString(),
        };
    }

    // Conv2d, the classifier and ConvTranspose2d share a signature: (x, w, b → y) and (x, w, dy → dx, dw, db).
    private static void WriteConvolution(SourceWriter writer, EmitPlan plan, int index, string kernel)
    {
        string id = plan.Id(index);
        var weight = plan.Parameter(index, "weight");
        var bias = plan.Parameter(index, "bias");
        string geometry = plan.ConvGeometry(index);
        using (writer.WriteBlock($"private void {id}Forward(int batch)"))
        {
            X(writer, plan, index);
            Y(writer, plan, index);
            writer.WriteLine($"{Kernels}.{kernel}.Forward(x, {weight.Field}, {bias.Field}, y, batch, {geometry});");
        }
        writer.WriteLine();
        using (writer.WriteBlock($"private void {id}Backward(int batch)"))
        {
            X(writer, plan, index);
            DY(writer, plan, index);
            DX(writer, plan, index);
            writer.WriteLine($"{Kernels}.{kernel}.Backward(x, {weight.Field}, dy, dx, {weight.GradField}, {bias.GradField}, batch, {geometry});");
        }
    }

    /// <summary>The one convolution call an inference-mode Forward makes for a fused run (see <see cref="InferenceFusion"/>).</summary>
    public static void WriteFusedInference(SourceWriter writer, EmitPlan plan, InferenceFusion fusion)
    {
        int conv = fusion.Conv;
        string kernel = plan.Layer(conv).Kind == LayerKind.ConvTranspose2d ? "ConvTranspose2dKernel" : "Conv2dKernel";
        var output = plan.OutputOf(fusion.Last);
        string convName = plan.Layer(conv).Name;
        writer.WriteLine($"// {plan.FusedNames(fusion)}, inference only: one call writes {output.Contents} instead of one pass over memory per layer.");
        if (fusion.BatchNorm >= 0)
            writer.WriteLine($"// {plan.Layer(fusion.BatchNorm).Name}'s running statistics are folded into {convName}'s weights and bias, per output channel.");
        if (fusion.ReLU >= 0)
            writer.WriteLine($"// {plan.Layer(fusion.ReLU).Name} is applied (max with zero) in {convName}'s output store.");
        writer.WriteLine(fusion.BatchNorm >= 0
            ? "// Training runs these layers one by one: batch norm then uses batch statistics, and Backward reads every output."
            : "// Training runs these layers one by one: Backward reads every output.");
        var weight = plan.Parameter(conv, "weight");
        var bias = plan.Parameter(conv, "bias");
        string weightField = weight.Field, biasField = bias.Field;
        using (writer.WriteBlock($"private void {plan.FusedId(fusion)}InferenceForward(int batch)"))
        {
            if (fusion.BatchNorm >= 0)
            {
                var batchNorm = plan.Layer(fusion.BatchNorm);
                string statistics = $"{plan.Parameter(fusion.BatchNorm, "weight").Field}, {plan.Parameter(fusion.BatchNorm, "bias").Field}, " +
                                    $"{plan.Parameter(fusion.BatchNorm, "running_mean").Field}, {plan.Parameter(fusion.BatchNorm, "running_var").Field}";
                weightField = plan.FoldedWeight(fusion);
                biasField = plan.FoldedBias(fusion);
                writer.WriteLine("// Refolded on every call (a pass over the weights, far less than one over the activations), so parameters and");
                writer.WriteLine("// running statistics changed since the last call are always honoured.");
                if (plan.Layer(conv).Kind == LayerKind.ConvTranspose2d)
                {
                    writer.WriteLine($"{Kernels}.BatchNorm2dFolding.FoldIntoConvTranspose2d({weight.Field}, {bias.Field}, {statistics},");
                    writer.WriteLine($"    {weightField}, {biasField}, epsilon: {Literals.Double(batchNorm.Epsilon)}, kernelArea: {Literals.Int(plan.Layer(conv).Kernel * plan.Layer(conv).Kernel)});");
                }
                else
                {
                    writer.WriteLine($"{Kernels}.BatchNorm2dFolding.FoldIntoConv2d({weight.Field}, {bias.Field}, {statistics},");
                    writer.WriteLine($"    {weightField}, {biasField}, epsilon: {Literals.Double(batchNorm.Epsilon)});");
                }
            }
            X(writer, plan, conv);
            writer.WriteLine($"var y = {Slice(output.Field, output.Shape)}; // {output.Contents}");
            string relu = fusion.ReLU >= 0 ? ", relu: true" : "";
            writer.WriteLine($"{Kernels}.{kernel}.Forward(x, {weightField}, {biasField}, y, batch, {plan.ConvGeometry(conv)}{relu});");
        }
    }

    private static void WriteMaxPool2d(SourceWriter writer, EmitPlan plan, int index)
    {
        string id = plan.Id(index);
        string geometry = plan.PoolGeometry(index);
        using (writer.WriteBlock($"private void {id}Forward(int batch)"))
        {
            X(writer, plan, index);
            Y(writer, plan, index);
            Indices(writer, plan, index);
            writer.WriteLine($"{Kernels}.MaxPool2dKernel.Forward(x, y, indices, batch, {geometry});");
        }
        writer.WriteLine();
        using (writer.WriteBlock($"private void {id}Backward(int batch)"))
        {
            DY(writer, plan, index);
            Indices(writer, plan, index);
            DX(writer, plan, index);
            writer.WriteLine($"{Kernels}.MaxPool2dKernel.Backward(dy, indices, dx, batch, {geometry});");
        }
    }

    // The unpool's input has its partner pool's output shape, so the pool's argmax array indexes it directly.
    private static void WriteMaxUnpool2d(SourceWriter writer, EmitPlan plan, int index)
    {
        string id = plan.Id(index);
        string geometry = plan.PoolGeometry(index);
        using (writer.WriteBlock($"private void {id}Forward(int batch)"))
        {
            X(writer, plan, index);
            Indices(writer, plan, index);
            Y(writer, plan, index);
            writer.WriteLine($"{Kernels}.MaxUnpool2dKernel.Forward(x, indices, y, batch, {geometry});");
        }
        writer.WriteLine();
        using (writer.WriteBlock($"private void {id}Backward(int batch)"))
        {
            DY(writer, plan, index);
            Indices(writer, plan, index);
            DX(writer, plan, index);
            writer.WriteLine($"{Kernels}.MaxUnpool2dKernel.Backward(dy, indices, dx, batch, {geometry});");
        }
    }

    // The backward reads the output (y > 0), so the input buffer is free to be anything.
    private static void WriteReLU(SourceWriter writer, EmitPlan plan, int index)
    {
        string id = plan.Id(index);
        using (writer.WriteBlock($"private void {id}Forward(int batch)"))
        {
            X(writer, plan, index);
            Y(writer, plan, index);
            writer.WriteLine($"{Kernels}.ReLUKernel.Forward(x, y);");
        }
        writer.WriteLine();
        using (writer.WriteBlock($"private void {id}Backward(int batch)"))
        {
            Y(writer, plan, index);
            DY(writer, plan, index);
            DX(writer, plan, index);
            writer.WriteLine($"{Kernels}.ReLUKernel.Backward(y, dy, dx);");
        }
    }

    private static void WriteBatchNorm2d(SourceWriter writer, EmitPlan plan, int index)
    {
        var layer = plan.Layer(index);
        string id = plan.Id(index);
        var gamma = plan.Parameter(index, "weight");
        var beta = plan.Parameter(index, "bias");
        var runningMean = plan.Parameter(index, "running_mean");
        var runningVar = plan.Parameter(index, "running_var");
        string saved = $"{plan.SaveMean(index)}, {plan.SaveInvStd(index)}";
        string sizes = $"channels: {Literals.Int(layer.Input.C)}, plane: {Literals.Int(layer.Input.H * layer.Input.W)}";
        string epsilon = $"epsilon: {Literals.Double(layer.Epsilon)}";
        using (writer.WriteBlock($"private void {id}Forward(int batch, bool training)"))
        {
            X(writer, plan, index);
            Y(writer, plan, index);
            writer.WriteLine("if (training)");
            writer.WriteLine($"    {Kernels}.BatchNorm2dKernel.ForwardTraining(x, {gamma.Field}, {beta.Field}, {runningMean.Field}, {runningVar.Field}, y, {saved},");
            writer.WriteLine($"        batch, {sizes}, {epsilon}, momentum: {Literals.Double(layer.Momentum)});");
            writer.WriteLine("else");
            writer.WriteLine($"    {Kernels}.BatchNorm2dKernel.ForwardInference(x, {gamma.Field}, {beta.Field}, {runningMean.Field}, {runningVar.Field}, y,");
            writer.WriteLine($"        batch, {sizes}, {epsilon});");
        }
        writer.WriteLine();
        using (writer.WriteBlock($"private void {id}Backward(int batch)"))
        {
            X(writer, plan, index);
            DY(writer, plan, index);
            DX(writer, plan, index);
            writer.WriteLine($"{Kernels}.BatchNorm2dKernel.Backward(x, {gamma.Field}, {saved}, dy, dx, {gamma.GradField}, {beta.GradField},");
            writer.WriteLine($"    batch, {sizes});");
        }
    }

    // A Skip has no forward: its output is its input's buffer. Its input's gradient is also its output's, which already
    // holds the main path's gradient when its backward runs; the Concat that reads it left its own to be added.
    private static void WriteSkip(SourceWriter writer, EmitPlan plan, int index)
    {
        if (plan.ConcatsReading(index).Count == 0) return;
        var output = plan.OutputOf(index);
        using (writer.WriteBlock($"private void {plan.Id(index)}Backward(int batch)"))
        {
            writer.WriteLine($"var dSkip = {Slice(plan.SkipGrad(index), output.Shape)};");
            writer.WriteLine($"var dx = {Slice(output.GradField, output.Shape)}; // also this layer's dy");
            writer.WriteLine($"{Kernels}.AddKernel.Accumulate(dSkip, dx);");
        }
    }

    private static void WriteConcat(SourceWriter writer, EmitPlan plan, int index)
    {
        var layer = plan.Layer(index);
        string id = plan.Id(index);
        var skip = plan.OutputOf(layer.SkipSource);
        string sizes = $"aChannels: {Literals.Int(layer.Input.C)}, bChannels: {Literals.Int(skip.Shape.C)}, plane: {Literals.Int(layer.Input.H * layer.Input.W)}";
        using (writer.WriteBlock($"private void {id}Forward(int batch)"))
        {
            X(writer, plan, index);
            writer.WriteLine($"var skip = {Slice(skip.Field, skip.Shape)};");
            Y(writer, plan, index);
            writer.WriteLine($"{Kernels}.ConcatKernel.Forward(x, skip, y, batch, {sizes});");
        }
        writer.WriteLine();
        using (writer.WriteBlock($"private void {id}Backward(int batch)"))
        {
            DY(writer, plan, index);
            DX(writer, plan, index);
            writer.WriteLine($"var dSkip = {Slice(plan.SkipGrad(layer.SkipSource), skip.Shape)};");
            writer.WriteLine($"{Kernels}.ConcatKernel.Backward(dy, dx, dSkip, batch, {sizes});");
        }
    }

    private static void X(SourceWriter writer, EmitPlan plan, int index)
    {
        var t = plan.InputOf(index);
        writer.WriteLine($"var x = {Slice(t.Field, t.Shape)};");
    }

    private static void Y(SourceWriter writer, EmitPlan plan, int index)
    {
        var t = plan.OutputOf(index);
        writer.WriteLine($"var y = {Slice(t.Field, t.Shape)};");
    }

    private static void DY(SourceWriter writer, EmitPlan plan, int index)
    {
        var t = plan.OutputOf(index);
        writer.WriteLine($"var dy = {Slice(t.GradField, t.Shape)};");
    }

    private static void DX(SourceWriter writer, EmitPlan plan, int index)
    {
        var t = plan.InputOf(index);
        writer.WriteLine($"var dx = {Slice(t.GradField, t.Shape)};");
    }

    private static void Indices(SourceWriter writer, EmitPlan plan, int index)
    {
        int pool = plan.Layer(index).Kind == LayerKind.MaxUnpool2d ? plan.Layer(index).Partner : index;
        writer.WriteLine($"var indices = {Slice(plan.PoolIndices(index), plan.Layer(pool).Output)};");
    }

    private static string Slice(string field, Shape shape) => $"{field}.AsSpan(0, batch * {Literals.Int(shape.Size)})";
}

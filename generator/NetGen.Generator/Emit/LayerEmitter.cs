// Writes one private method per layer and pass, forward and backward side by side under a comment with the op and its
// shapes. Each method slices the buffers it touches to the batch and calls the op's kernel with the layer's constants.
// A pass that runs fused (see InferenceFusion, TrainingFusion) gets no method of its own, and the comment says where it went.
using NetGen.Generator.Model;

namespace NetGen.Generator.Emit;

internal static class LayerEmitter
{
    private const string Kernels = "global::NetGen.Kernels";

    public static void Write(SourceWriter writer, EmitPlan plan, int index)
    {
        var layer = plan.Layer(index);
        writer.WriteLine($"// {layer.Name}: {Summary(plan, index)}. x: {Literals.BatchShape(layer.Input)} -> y: {Literals.BatchShape(layer.Output)}");
        if (!plan.RunsOwnForward(index))
            writer.WriteLine($"// Forward: always fused, {FusedInto(plan, index)}.");
        if (plan.IsFoldedReLU(index))
            writer.WriteLine($"// Backward: applied by {plan.Layer(index - 1).Name}'s backward, which reads its dy where y > 0.");
        if (plan.IsGatedReLU(index))
            writer.WriteLine($"// Backward: applied by {plan.Layer(plan.BackwardOwner(index)).Name}'s backward, which stores this layer's dx, zero where y <= 0.");
        if (plan.IsReadByConvolution(index))
            writer.WriteLine($"// Backward: applied by {plan.Layer(index + 1).Name}'s backward, which gathers its dx at the argmax.");
        if (plan.IsPoolTakenByConvolution(index))
            writer.WriteLine($"// Backward: applied by {plan.Layer(plan.BackwardOwner(index)).Name}'s backward, which reads this layer's dy through the argmax.");
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

    // "in Conv1Relu1FusedForward" or "in Conv1Bn1Relu1InferenceForward and Bn1Relu1TrainingForward".
    private static string FusedInto(EmitPlan plan, int index)
    {
        string inference = plan.FusedMethod(plan.FusionContaining(index)!);
        string training = plan.TrainingFusionContaining(index) is { } pair ? plan.FusedMethod(pair)
            : plan.ClassifiedTrainingFusionContaining(index) is { } classified ? plan.ClassifiedTrainingMethod(classified)
            : plan.IsReadByConvolution(index) ? TrainingForward(plan, index + 1)
            : inference;
        return inference == training ? $"in {inference}" : $"in {inference} and {training}";
    }

    // The method that runs a convolution's forward in training: its pair's, the call it shares with inference, or its own.
    private static string TrainingForward(EmitPlan plan, int conv) =>
        plan.TrainingFusionContaining(conv) is { } pair ? plan.FusedMethod(pair)
        : plan.SharedFusionContaining(conv) is { } shared ? plan.FusedMethod(shared)
        : plan.ClassifiedTrainingFusionContaining(conv) is { } classified ? plan.ClassifiedTrainingMethod(classified)
        : plan.Id(conv) + "Forward";

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
        var weight = plan.Parameter(index, "weight");
        var bias = plan.Parameter(index, "bias");
        string geometry = plan.ConvGeometry(index);
        // The last batch norm's input keeps Winograd's tiles of 4 in a batch-statistics training forward (see Forward).
        string[] mode = plan.TrainsWholeBatch && PassEmitter.LastBatchNormInput(plan.Model) == index
            ? ["using var tiles = global::NetGen.Kernels.KernelModes.LastBatchNormInput(); // the last batch norm's input (see Forward)"]
            : [];
        if (ReadsUnpool(plan, index))
        {
            // The input is the unpool's output, which has no array: read as the unpool's input and its pool's argmax.
            int unpool = index - 1;
            string pool = plan.PoolGeometry(unpool);
            // A ReLU folded into the batch norm before it zeroes dPooled wherever its output (the pooled values) is zero, in
            // the batch norm's backward: gating here as well leaves the same gradient and lets the kernel skip those positions.
            bool folded = !plan.GatesReLUBefore(unpool) && unpool > 0 && plan.Layer(unpool - 1).Kind == LayerKind.ReLU;
            string dPooled = DX(plan, unpool, gated: plan.GatesReLUBefore(unpool), name: "dPooled");
            if (folded) dPooled += $" (zero where {plan.Layer(unpool - 1).Name}'s output is, as its backward leaves it)";
            WritePasses(writer, plan, index,
                forward: [.. mode, $"{X(plan, unpool)} // {plan.Layer(unpool).Name}'s input", Indices(plan, unpool), Y(plan, index),
                    $"{Kernels}.{kernel}.ForwardFromUnpool(x, indices, {pool}, {weight.Field}, {bias.Field}, y, batch, {geometry});"],
                backward: [$"{X(plan, unpool)} // {plan.Layer(unpool).Name}'s input", Indices(plan, unpool), DY(plan, index), dPooled,
                    $"{Kernels}.{kernel}.BackwardThroughUnpool(x, indices, {pool}, {weight.Field}, dy, dPooled, {weight.GradField}, {bias.GradField}, batch,",
                    $"    {geometry}" + (plan.GatesReLUBefore(unpool) || folded ? ", dxThroughReLU: true);" : ");")]);
            return;
        }
        if (plan.SharedFusionContaining(index) is { Pool: >= 0 } pooled)
        {
            // The pool after it (and the ReLU between) goes back in this layer's backward: dy is read from the pool's output
            // gradient through the argmax.
            int pool = pooled.Pool;
            string relu = pooled.ReLU >= 0 ? ", throughReLU: true" : "";
            WritePasses(writer, plan, index, forward: [],
                backward: [X(plan, index), $"var pooledDy = {Slice(plan.OutputOf(pool).GradField, plan.OutputOf(pool).Shape)}; // {plan.Layer(pool).Name}'s dy",
                    $"var pooledY = {Slice(plan.OutputOf(pool).Field, plan.OutputOf(pool).Shape)}; // {plan.OutputOf(pool).Contents}",
                    Indices(plan, pool), DX(plan, index, gated: plan.GatesReLUBefore(index)),
                    $"{Kernels}.{kernel}.BackwardThroughPool(x, {weight.Field}, pooledDy, pooledY, indices, {plan.PoolGeometry(pool)}, dx, {weight.GradField},",
                    $"    {bias.GradField}, batch, {geometry}{relu}" + (plan.GatesReLUBefore(index) ? ", dxThroughReLU: true);" : ");")]);
            return;
        }
        WritePasses(writer, plan, index,
            forward: [.. mode, X(plan, index), Y(plan, index),
                $"{Kernels}.{kernel}.Forward(x, {weight.Field}, {bias.Field}, y, batch, {geometry});"],
            backward: [X(plan, index), DY(plan, index), DX(plan, index, gated: plan.GatesReLUBefore(index)),
                $"{Kernels}.{kernel}.Backward(x, {weight.Field}, dy, dx, {weight.GradField}, {bias.GradField}, batch, {geometry}" +
                (plan.GatesReLUBefore(index) ? ", dxThroughReLU: true);" : ");")]);
    }

    /// <summary>The one call a fused run makes in place of its layers' forward methods: see <see cref="InferenceFusion"/>.
    /// A convolution with only a ReLU (and a pool) after it runs so in both modes; with a batch norm or an unpool before it,
    /// in inference only; with the classifier after it (and no batch norm), training runs a call of its own that keeps the
    /// classifier's input.</summary>
    public static void WriteFused(SourceWriter writer, EmitPlan plan, InferenceFusion fusion)
    {
        bool inferenceOnly = EmitPlan.IsInferenceOnly(fusion);
        if (!inferenceOnly && fusion.Pool < 0 && fusion.Unpool < 0)
        {
            WriteConvolutionReLU(writer, plan, fusion.Conv, fusion.ReLU);
            return;
        }
        WriteFusedCall(writer, plan, fusion, training: false);
        if (plan.ClassifiedTrainingFusionContaining(fusion.Conv) is not null)
        {
            writer.WriteLine();
            WriteFusedCall(writer, plan, fusion, training: true);
        }
    }

    // The convolution + ReLU pair: nothing here is inference-specific.
    private static void WriteConvolutionReLU(SourceWriter writer, EmitPlan plan, int conv, int relu)
    {
        string kernel = plan.Layer(conv).Kind == LayerKind.ConvTranspose2d ? "ConvTranspose2dKernel" : "Conv2dKernel";
        var output = plan.OutputOf(relu);
        string convName = plan.Layer(conv).Name, reluName = plan.Layer(relu).Name;
        writer.WriteLine($"// {convName} + {reluName}, in both modes: {convName} stores max(y, 0) straight into {output.Contents}, one pass over memory");
        writer.WriteLine($"// instead of two. Backward loses nothing: {reluName}'s backward masks with its own output (y > 0), and {convName}'s backward");
        writer.WriteLine($"// reads its input, never its output, which is left unwritten.");
        var weight = plan.Parameter(conv, "weight");
        var bias = plan.Parameter(conv, "bias");
        string signature = $"{plan.FusedMethod(plan.TrainingFusionContaining(conv)!)}(int start, int batch)";
        WriteMethod(writer, signature,
            X(plan, conv),
            $"var y = {Slice(output.Field, output.Shape)}; // {output.Contents}",
            $"{Kernels}.{kernel}.Forward(x, {weight.Field}, {bias.Field}, y, batch, {plan.ConvGeometry(conv)}, relu: true);");
    }

    // A convolution whose input is an unpool's output that the convolution reads from the pooled values and argmax.
    private static bool ReadsUnpool(EmitPlan plan, int conv) => conv > 0 && plan.IsReadByConvolution(conv - 1);

    /// <summary>The batch norm + ReLU call of a training-mode Forward (see <see cref="TrainingFusion"/>); its backward is the
    /// batch norm's, written with the layer.</summary>
    public static void WriteFusedTraining(SourceWriter writer, EmitPlan plan, TrainingFusion fusion)
    {
        int batchNorm = fusion.Producer;
        var output = plan.OutputOf(fusion.ReLU);
        string name = plan.Layer(batchNorm).Name, reluName = plan.Layer(fusion.ReLU).Name;
        writer.WriteLine($"// {name} + {reluName}, training only: {name} stores max(y, 0) straight into {output.Contents}, and {name}'s backward");
        writer.WriteLine($"// applies {reluName}'s (dy where y > 0, read on the fly), so {reluName} makes no pass of its own. Nothing is lost:");
        writer.WriteLine($"// {name}'s backward reads its input and the saved statistics, never its output, which is left unwritten.");
        WriteMethod(writer, $"{plan.FusedMethod(fusion)}(int start, int batch)",
            [X(plan, batchNorm), $"var y = {Slice(output.Field, output.Shape)}; // {output.Contents}", .. BatchNorm2dTraining(plan, batchNorm, relu: true)]);
    }

    // A convolution with the batch norm after it folded into its weights, and the ReLU after that if any; a transposed one
    // may also read the unpool before it as pooled values and argmax, a direct one pool its output. Inference only, but
    // for a convolution (+ ReLU) + pool, which training runs too. With `training`, training's call for a run with the
    // classifier (no batch norm): the same call, which also stores the classifier's input.
    private static void WriteFusedCall(SourceWriter writer, EmitPlan plan, InferenceFusion fusion, bool training)
    {
        int conv = fusion.Conv;
        bool transposed = plan.Layer(conv).Kind == LayerKind.ConvTranspose2d;
        var output = plan.OutputOf(fusion.Last);
        string convName = plan.Layer(conv).Name;
        if (training)
        {
            var kept = plan.OutputOf(fusion.Classifier - 1);
            writer.WriteLine($"// {plan.FusedNames(fusion)}, in training: inference's call, which also stores {kept.Contents} (the classifier's");
            writer.WriteLine($"// backward reads it); each band of it is classified from there while it is in cache.");
        }
        else
        {
            string modes = EmitPlan.IsInferenceOnly(fusion) ? "inference only" : "in both modes";
            writer.WriteLine($"// {plan.FusedNames(fusion)}, {modes}: one call writes {output.Contents} instead of one pass over memory per layer.");
            if (fusion.Unpool >= 0)
            {
                string unpoolName = plan.Layer(fusion.Unpool).Name, poolName = plan.Layer(plan.Layer(fusion.Unpool).Partner).Name;
                writer.WriteLine($"// {convName} unpools each band of its input rows from {unpoolName}'s input and {poolName}'s argmax as it packs them, so");
                writer.WriteLine($"// {unpoolName}'s output is neither written nor read back.");
            }
            if (fusion.BatchNorm >= 0)
                writer.WriteLine($"// {plan.Layer(fusion.BatchNorm).Name}'s running statistics are folded into {convName}'s weights and bias, per output channel.");
            if (fusion.ReLU >= 0)
                writer.WriteLine($"// {plan.Layer(fusion.ReLU).Name} is applied (max with zero) in {convName}'s output store.");
            if (fusion.Pool >= 0)
            {
                string before = plan.Layer(fusion.Pool - 1).Name, poolName = plan.Layer(fusion.Pool).Name;
                writer.WriteLine($"// {poolName} pools each band of output rows from the thread's buffer as {convName} finishes it, so {before}'s output is");
                if (EmitPlan.IsInferenceOnly(fusion))
                    writer.WriteLine($"// neither written nor read back. Training runs {poolName} apart.");
                else
                {
                    writer.WriteLine($"// neither written nor read back (it has no array). Backward loses nothing: {poolName}'s backward routes dy through its argmax");
                    writer.WriteLine($"// (gated by its own positive outputs where a ReLU comes before it), and {convName}'s reads its input.");
                }
            }
            if (fusion.Classifier >= 0)
            {
                string before = plan.Layer(fusion.Classifier - 1).Name, classifierName = plan.Layer(fusion.Classifier).Name;
                writer.WriteLine($"// {classifierName} classifies each band of output rows (all channels) from the thread's buffer as {convName} finishes it,");
                writer.WriteLine($"// so {before}'s output is neither written nor read back.");
            }
            if (fusion.BatchNorm >= 0)
                writer.WriteLine($"// Training runs {convName} alone: {plan.Layer(fusion.BatchNorm).Name} then uses batch statistics, and its backward reads {convName}'s output.");
            bool classifiedInTraining = plan.ClassifiedTrainingFusionContaining(conv) is not null;
            if (fusion.Unpool >= 0 && EmitPlan.IsInferenceOnly(fusion) && !classifiedInTraining)
                writer.WriteLine($"// Training's {convName} reads {plan.Layer(fusion.Unpool).Name}'s input and argmax too, forward and backward.");
            else if (fusion.Unpool >= 0)
                writer.WriteLine($"// Training runs the same call; {convName}'s backward reads {plan.Layer(fusion.Unpool).Name}'s input and argmax too.");
            if (classifiedInTraining)
                writer.WriteLine($"// Training's call also keeps {plan.Layer(fusion.Classifier - 1).Name}'s output, which the classifier's backward reads.");
            else if (fusion.Classifier >= 0)
                writer.WriteLine($"// Training runs {plan.Layer(fusion.Classifier).Name} apart: its backward reads its input.");
        }
        var weight = plan.Parameter(conv, "weight");
        var bias = plan.Parameter(conv, "bias");
        string weightField = weight.Field, biasField = bias.Field;
        using (writer.WriteBlock($"private void {(training ? plan.ClassifiedTrainingMethod(fusion) : plan.FusedMethod(fusion))}(int start, int batch)"))
        {
            if (fusion.BatchNorm >= 0)
            {
                weightField = plan.FoldedWeight(fusion);
                biasField = plan.FoldedBias(fusion);
                string statistics = $"{plan.Parameter(fusion.BatchNorm, "weight").Field}, {plan.Parameter(fusion.BatchNorm, "bias").Field}, " +
                                    $"{plan.Parameter(fusion.BatchNorm, "running_mean").Field}, {plan.Parameter(fusion.BatchNorm, "running_var").Field}";
                string epsilon = $"epsilon: {Literals.Double(plan.Layer(fusion.BatchNorm).Epsilon)}";
                writer.WriteLine("// Refolded on every call (a pass over the weights, far less than one over the activations), so parameters and");
                writer.WriteLine("// running statistics changed since the last call are always honoured.");
                if (transposed)
                {
                    writer.WriteLine($"{Kernels}.BatchNorm2dFolding.FoldIntoConvTranspose2d({weight.Field}, {bias.Field}, {statistics},");
                    writer.WriteLine($"    {weightField}, {biasField}, {epsilon}, kernelArea: {Literals.Int(plan.Layer(conv).Kernel * plan.Layer(conv).Kernel)});");
                }
                else
                {
                    writer.WriteLine($"{Kernels}.BatchNorm2dFolding.FoldIntoConv2d({weight.Field}, {bias.Field}, {statistics},");
                    writer.WriteLine($"    {weightField}, {biasField}, {epsilon});");
                }
            }
            string relu = fusion.ReLU >= 0 ? ", relu: true" : "";
            string kernel = transposed ? "ConvTranspose2dKernel" : "Conv2dKernel";
            if (fusion.Pool >= 0)
            {
                writer.WriteLine(X(plan, conv));
                writer.WriteLine($"var y = {Slice(output.Field, output.Shape)}; // {output.Contents}");
                writer.WriteLine(Indices(plan, fusion.Pool));
                writer.WriteLine($"{Kernels}.{kernel}.ForwardPooled(x, {weightField}, {biasField}, y, indices, batch, {plan.ConvGeometry(conv)},");
                writer.WriteLine($"    {plan.PoolGeometry(fusion.Pool)}{relu});");
            }
            else if (fusion.Classifier >= 0)
            {
                // The classifier's weight and bias, then the logits' class count, follow the deconvolution's.
                var classifierWeight = plan.Parameter(fusion.Classifier, "weight");
                var classifierBias = plan.Parameter(fusion.Classifier, "bias");
                string classes = $"classes: {Literals.Int(plan.Layer(fusion.Classifier).Output.C)}";
                if (fusion.Unpool >= 0)
                {
                    writer.WriteLine($"{X(plan, fusion.Unpool)} // {plan.Layer(fusion.Unpool).Name}'s input");
                    writer.WriteLine(Indices(plan, fusion.Unpool));
                }
                else
                    writer.WriteLine(X(plan, conv));
                writer.WriteLine($"var logits = {Slice(output.Field, output.Shape)}; // {output.Contents}");
                string keep = "";
                if (training)
                {
                    var kept = plan.OutputOf(fusion.Classifier - 1);
                    writer.WriteLine($"var y = {Slice(kept.Field, kept.Shape)}; // {kept.Contents}");
                    keep = ", y: y";
                }
                writer.WriteLine(fusion.Unpool >= 0
                    ? $"{Kernels}.{kernel}.ForwardFromUnpoolClassified(x, indices, {plan.PoolGeometry(fusion.Unpool)}, {weightField}, {biasField},"
                    : $"{Kernels}.{kernel}.ForwardClassified(x, {weightField}, {biasField},");
                writer.WriteLine($"    {classifierWeight.Field}, {classifierBias.Field}, logits, batch, {plan.ConvGeometry(conv)}, {classes}{relu}{keep});");
            }
            else if (fusion.Unpool >= 0)
            {
                writer.WriteLine($"{X(plan, fusion.Unpool)} // {plan.Layer(fusion.Unpool).Name}'s input");
                writer.WriteLine(Indices(plan, fusion.Unpool));
                writer.WriteLine($"var y = {Slice(output.Field, output.Shape)}; // {output.Contents}");
                writer.WriteLine($"{Kernels}.{kernel}.ForwardFromUnpool(x, indices, {plan.PoolGeometry(fusion.Unpool)}, {weightField}, {biasField}, y, batch,");
                writer.WriteLine($"    {plan.ConvGeometry(conv)}{relu});");
            }
            else
            {
                writer.WriteLine(X(plan, conv));
                writer.WriteLine($"var y = {Slice(output.Field, output.Shape)}; // {output.Contents}");
                writer.WriteLine($"{Kernels}.{kernel}.Forward(x, {weightField}, {biasField}, y, batch, {plan.ConvGeometry(conv)}{relu});");
            }
        }
    }

    // After a ReLU the backward applies the ReLU's too: a pooled y > 0 is the ReLU's output at the argmax.
    private static void WriteMaxPool2d(SourceWriter writer, EmitPlan plan, int index)
    {
        string geometry = plan.PoolGeometry(index);
        WritePasses(writer, plan, index,
            forward: [X(plan, index), Y(plan, index), Indices(plan, index),
                $"{Kernels}.MaxPool2dKernel.Forward(x, y, indices, batch, {geometry});"],
            backward: plan.IsPoolTakenByConvolution(index) ? null
            : plan.GatesReLUBefore(index)
                ? [DY(plan, index), Y(plan, index), Indices(plan, index), DX(plan, index, gated: true),
                    $"{Kernels}.MaxPool2dKernel.BackwardThroughReLU(dy, y, indices, dx, batch, {geometry});"]
                : [DY(plan, index), Indices(plan, index), DX(plan, index),
                    $"{Kernels}.MaxPool2dKernel.Backward(dy, indices, dx, batch, {geometry});"]);
    }

    // The unpool's input has its partner pool's output shape, so the pool's argmax array indexes it directly.
    private static void WriteMaxUnpool2d(SourceWriter writer, EmitPlan plan, int index)
    {
        string geometry = plan.PoolGeometry(index);
        WritePasses(writer, plan, index,
            forward: [X(plan, index), Indices(plan, index), Y(plan, index),
                $"{Kernels}.MaxUnpool2dKernel.Forward(x, indices, y, batch, {geometry});"],
            backward: plan.IsReadByConvolution(index) ? null
            : plan.GatesReLUBefore(index)
                ? [DY(plan, index), X(plan, index), Indices(plan, index), DX(plan, index, gated: true),
                    $"{Kernels}.MaxUnpool2dKernel.BackwardThroughReLU(dy, x, indices, dx, batch, {geometry});"]
                : [DY(plan, index), Indices(plan, index), DX(plan, index),
                    $"{Kernels}.MaxUnpool2dKernel.Backward(dy, indices, dx, batch, {geometry});"]);
    }

    // The backward reads the output (y > 0), so the input buffer is free to be anything.
    private static void WriteReLU(SourceWriter writer, EmitPlan plan, int index) =>
        WritePasses(writer, plan, index,
            forward: [X(plan, index), Y(plan, index), $"{Kernels}.ReLUKernel.Forward(x, y);"],
            backward: plan.IsFoldedReLU(index) || plan.IsGatedReLU(index) ? null : [Y(plan, index), DY(plan, index), DX(plan, index), $"{Kernels}.ReLUKernel.Backward(y, dy, dx);"]);

    // Backward reads x and the saved statistics, never y; after a fused ReLU it reads that ReLU's output as dy's mask.
    private static void WriteBatchNorm2d(SourceWriter writer, EmitPlan plan, int index)
    {
        var layer = plan.Layer(index);
        var gamma = plan.Parameter(index, "weight");
        var beta = plan.Parameter(index, "bias");
        string running = $"{plan.Parameter(index, "running_mean").Field}, {plan.Parameter(index, "running_var").Field}";
        string saved = $"{plan.SaveMean(index)}, {plan.SaveInvStd(index)}";
        string sizes = BatchNorm2dSizes(layer);
        string gradients = $"{gamma.GradField}, {beta.GradField},";
        var fusion = plan.TrainingFusionContaining(index);
        string[] training = BatchNorm2dTraining(plan, index, relu: false);
        WritePasses(writer, plan, index,
            forward: [X(plan, index), Y(plan, index),
                "if (training)",
                $"    {training[0]}",
                $"    {training[1]}",
                "else",
                $"    {Kernels}.BatchNorm2dKernel.ForwardInference(x, {gamma.Field}, {beta.Field}, {running}, y,",
                $"        batch, {sizes}, epsilon: {Literals.Double(layer.Epsilon)});"],
            backward: fusion is { FoldsBackward: true }
                ? [X(plan, index), $"var y = {Slice(plan.OutputOf(fusion.ReLU).Field, layer.Output)}; // {plan.OutputOf(fusion.ReLU).Contents}, dy's mask",
                    DY(plan, index), DX(plan, index),
                    $"{Kernels}.BatchNorm2dKernel.BackwardThroughReLU(x, {gamma.Field}, {saved}, y, dy, dx, {gradients}",
                    $"    batch, {sizes});"]
                : [X(plan, index), DY(plan, index), DX(plan, index),
                    $"{Kernels}.BatchNorm2dKernel.Backward(x, {gamma.Field}, {saved}, dy, dx, {gradients}",
                    $"    batch, {sizes});"],
            forwardParameters: "int start, int batch, bool training");
    }

    /// <summary>The two lines of a batch norm's training-mode call from x to y, with <paramref name="relu"/> clamping y.</summary>
    private static string[] BatchNorm2dTraining(EmitPlan plan, int index, bool relu)
    {
        var layer = plan.Layer(index);
        string parameters = $"{plan.Parameter(index, "weight").Field}, {plan.Parameter(index, "bias").Field}, " +
                            $"{plan.Parameter(index, "running_mean").Field}, {plan.Parameter(index, "running_var").Field}";
        string arguments = $"epsilon: {Literals.Double(layer.Epsilon)}, momentum: {Literals.Double(layer.Momentum)}" + (relu ? ", relu: true" : "");
        return
        [
            $"{Kernels}.BatchNorm2dKernel.ForwardTraining(x, {parameters}, y, {plan.SaveMean(index)}, {plan.SaveInvStd(index)},",
            $"    batch, {BatchNorm2dSizes(layer)}, {arguments});",
        ];
    }

    private static string BatchNorm2dSizes(LayerModel layer) =>
        $"channels: {Literals.Int(layer.Input.C)}, plane: {Literals.Int(layer.Input.H * layer.Input.W)}";

    // A Skip has no forward: its output is its input's buffer. Its input's gradient is also its output's, which already
    // holds the main path's gradient when its backward runs; the Concat that reads it left its own to be added.
    private static void WriteSkip(SourceWriter writer, EmitPlan plan, int index)
    {
        if (plan.ConcatsReading(index).Count == 0) return;
        var output = plan.OutputOf(index);
        string[] guard = output == plan.Input ? ["if (!RequiresInputGrad) return; // this layer's dx is the network input's gradient"] : [];
        WriteMethod(writer, $"{plan.Id(index)}Backward(int start, int batch)", [.. guard,
            $"var dSkip = {Slice(plan.SkipGrad(index), output.Shape)};",
            $"var dx = {Slice(output.GradField, output.Shape)}; // also this layer's dy",
            $"{Kernels}.AddKernel.Accumulate(dSkip, dx);"]);
    }

    private static void WriteConcat(SourceWriter writer, EmitPlan plan, int index)
    {
        var layer = plan.Layer(index);
        var skip = plan.OutputOf(layer.SkipSource);
        string sizes = $"aChannels: {Literals.Int(layer.Input.C)}, bChannels: {Literals.Int(skip.Shape.C)}, plane: {Literals.Int(layer.Input.H * layer.Input.W)}";
        WritePasses(writer, plan, index,
            forward: [X(plan, index), $"var skip = {Slice(skip.Field, skip.Shape)};", Y(plan, index),
                $"{Kernels}.ConcatKernel.Forward(x, skip, y, batch, {sizes});"],
            backward: [DY(plan, index), DX(plan, index), $"var dSkip = {Slice(plan.SkipGrad(layer.SkipSource), skip.Shape)};",
                $"{Kernels}.ConcatKernel.Backward(dy, dx, dSkip, batch, {sizes});"]);
    }

    // Every layer with a forward writes it and its backward one blank line apart, so each op reads as a pair; a pass that
    // always runs fused (backward null, or the forward per plan.RunsOwnForward) is left out.
    private static void WritePasses(SourceWriter writer, EmitPlan plan, int index, string[] forward, string[]? backward,
        string forwardParameters = "int start, int batch")
    {
        string id = plan.Id(index);
        bool hasForward = plan.RunsOwnForward(index);
        if (hasForward) WriteMethod(writer, $"{id}Forward({forwardParameters})", forward);
        if (hasForward && backward is not null) writer.WriteLine();
        if (backward is not null) WriteMethod(writer, $"{id}Backward(int start, int batch)", backward);
    }

    private static void WriteMethod(SourceWriter writer, string signature, params string[] lines)
    {
        using (writer.WriteBlock($"private void {signature}"))
        {
            foreach (string line in lines) writer.WriteLine(line);
        }
    }

    private static string X(EmitPlan plan, int index)
    {
        var t = plan.InputOf(index);
        return $"var x = {Slice(t.Field, t.Shape)};";
    }

    private static string Y(EmitPlan plan, int index)
    {
        var t = plan.OutputOf(index);
        return $"var y = {Slice(t.Field, t.Shape)};";
    }

    private static string DY(EmitPlan plan, int index)
    {
        var t = plan.OutputOf(index);
        return $"var dy = {Slice(t.GradField, t.Shape)};";
    }

    // The first layers' dx is the network input's gradient, which training never reads: an empty dx skips it. A gated
    // dx is the ReLU's before the layer: ∂loss/∂(that ReLU's input), in the buffer the ReLU's own dx would have used.
    private static string DX(EmitPlan plan, int index, bool gated = false, string name = "dx")
    {
        var t = plan.InputOf(index);
        if (t == plan.Input)
            return $"var {name} = RequiresInputGrad ? {Slice(t.GradField, t.Shape)} : Span<float>.Empty; // the network input's gradient";
        return gated
            ? $"var {name} = {Slice(t.GradField, t.Shape)}; // {plan.Layer(index - 1).Name}'s dx, through its ReLU"
            : $"var {name} = {Slice(t.GradField, t.Shape)};" + (name == "dx" ? "" : $" // {plan.Layer(index).Name}'s dx");
    }

    private static string Indices(EmitPlan plan, int index)
    {
        int pool = plan.Layer(index).Kind == LayerKind.MaxUnpool2d ? plan.Layer(index).Partner : index;
        return $"var indices = {Slice(plan.PoolIndices(index), plan.Layer(pool).Output)};";
    }

    // The samples [start, start + batch) of a buffer: a pass runs its batch a few samples at a time (EmitPlan.SamplesPerRun).
    private static string Slice(string field, Shape shape) =>
        $"{field}.AsSpan(start * {Literals.Int(shape.Size)}, batch * {Literals.Int(shape.Size)})";
}

// Where each gradient lives during Backward, decided from the model alone. Backward runs the layers one at a time and a
// layer reads only its dy and writes only its dx, so the chain alternates between two buffers (dy in one, dx in the other)
// instead of keeping one gradient per activation. A Skip's gradient from its Concat must survive every layer in between,
// so each concatenated Skip gets a buffer of its own, written by the Concat's backward and added by the Skip's. A ReLU whose
// backward is folded into its batch norm's or applied by the next layer's (see TrainingFusion) runs no backward: its dy is
// the batch norm's dy, or the next layer writes its dx where the ReLU's would go. Likewise an unpool that its stride-1
// deconvolution reads (InferenceFusion): the deconvolution's backward gathers its input gradient at the argmax.
using System.Collections.Generic;
using NetGen.Generator.Model;

namespace NetGen.Generator.Emit;

internal sealed class GradientPlan
{
    /// <summary>The two chain buffers, in the order <see cref="ChainOfInput"/> and <see cref="ChainOf"/> number them.</summary>
    public const int Chains = 2;

    private readonly int[] _chainOfOutput;
    private readonly int[] _chainSize = new int[Chains];

    private GradientPlan(NetworkModel model)
    {
        int count = model.Layers.Count;
        _chainOfOutput = new int[count];
        var folded = new HashSet<int>();
        foreach (var fusion in TrainingFusion.For(model))
            if (fusion.FoldsBackward) folded.Add(fusion.ReLU);
        foreach (int relu in TrainingFusion.GatedByConsumer(model)) folded.Add(relu);
        // An unpool its deconvolution reads has its backward in the deconvolution's, which writes ∂loss/∂(the unpool's input)
        // straight away: the unpool's output gradient is never held. Likewise a pool whose convolution training runs with it
        // (no batch norm between): the convolution's backward reads the pool's output gradient through the argmax, so neither
        // its own output gradient nor the ReLU's between is held.
        foreach (var fusion in InferenceFusion.For(model))
        {
            if (fusion.Unpool >= 0)
            {
                folded.Add(fusion.Unpool);
                Unheld.Add(fusion.Unpool);
            }
            if (fusion.Pool >= 0 && !EmitPlan.IsInferenceOnly(fusion))
            {
                folded.Add(fusion.Pool);
                for (int i = fusion.Conv; i < fusion.Pool; i++) Unheld.Add(i);
            }
        }
        // Walk Backward's order: the logits gradient starts in chain 0; a layer's dx goes to the other chain than its dy,
        // except a Skip's, whose dx is its dy (its backward adds the Concat's gradient in place), and a folded layer's.
        int chain = 0;
        for (int i = count - 1; i >= 0; i--)
        {
            var layer = model.Layers[i];
            _chainOfOutput[i] = chain;
            if (!Unheld.Contains(i)) Grow(chain, layer.Output);
            if (layer.Kind != LayerKind.Skip && !folded.Contains(i)) chain = 1 - chain;
        }
        ChainOfInput = chain;
        Grow(chain, model.Input);

        var skips = new List<int>();
        foreach (var layer in model.Layers)
            if (layer.Kind == LayerKind.Concat) skips.Add(layer.SkipSource);
        skips.Sort();
        ConcatenatedSkips = skips;

        long floats = (long)_chainSize[0] + _chainSize[1];
        foreach (int skip in skips) floats += model.Layers[skip].Output.Size;
        FloatsPerSample = floats;
    }

    public static GradientPlan For(NetworkModel model) => new(model);

    /// <summary>The layers whose output gradient is never held: an unpool its deconvolution reads, and a pooled convolution's
    /// output and the ReLU's after it (their backward reads the pool's output gradient through the argmax).</summary>
    public HashSet<int> Unheld { get; } = new();

    /// <summary>The chain buffer (0 or 1) holding ∂loss/∂input at the end of Backward.</summary>
    public int ChainOfInput { get; }

    /// <summary>The chain buffer (0 or 1) holding ∂loss/∂(output of <paramref name="layer"/>) when its backward runs.</summary>
    public int ChainOf(int layer) => _chainOfOutput[layer];

    /// <summary>Floats per sample of a chain buffer: the largest gradient it ever holds.</summary>
    public int ChainSize(int chain) => _chainSize[chain];

    /// <summary>The Skip layers that a Concat reads, in layer order; each has a gradient buffer of its output's size.</summary>
    public IReadOnlyList<int> ConcatenatedSkips { get; }

    /// <summary>Floats per sample of every gradient buffer together.</summary>
    public long FloatsPerSample { get; }

    private void Grow(int chain, Shape shape)
    {
        if (shape.Size > _chainSize[chain]) _chainSize[chain] = shape.Size;
    }
}

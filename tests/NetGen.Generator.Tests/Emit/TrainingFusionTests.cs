// Training-mode fusion as a pure function of the model: which producer + ReLU pairs fuse, that a Skip between them keeps
// them apart, that the output a fused producer no longer writes is read by nothing (no layer, Skip or Concat), and that
// only outputs fused away in both modes lose their array.
using NetGen.Generator.Emit;
using NetGen.Generator.Model;
using NetGen.Generator.Validation;

namespace NetGen.Generator.Tests.Emit;

public sealed class TrainingFusionTests
{
    /// <summary>conv → ReLU, a Skip between a conv and its ReLU, pool → BN → ReLU, conv → BN → ReLU, deconv → BN → ReLU,
    /// deconv → ReLU, and Concats reading a pre-ReLU and a post-ReLU activation.</summary>
    private static NetworkModel Mixed() => Valid(new SpecBuilder(3, 12, 12, 4)
        .Conv2d(4, 3, padding: 1).ReLU().Skip("a")
        .Conv2d(4, 3, padding: 1).Skip("b").ReLU().MaxPool2d(2).BatchNorm2d().ReLU()
        .Conv2d(8, 3, padding: 1).BatchNorm2d().ReLU()
        .ConvTranspose2d(4, 3, padding: 1).BatchNorm2d().ReLU().MaxUnpool2d()
        .ConvTranspose2d(4, 3, padding: 1).ReLU().Concat("b")
        .ConvTranspose2d(4, 3, padding: 1).Concat("a").Classifier().Build());

    [Fact]
    public void A_convolution_or_batch_norm_directly_before_a_ReLU_fuses_and_only_a_batch_norm_folds_the_backward()
    {
        var model = Mixed();
        var pairs = TrainingFusion.For(model)
            .Select(f => (model.Layers[f.Producer].Name, model.Layers[f.ReLU].Name, f.FoldsBackward)).ToArray();

        var expected = new List<(string, string, bool)>();
        for (int i = 1; i < model.Layers.Count; i++)
        {
            if (model.Layers[i].Kind != LayerKind.ReLU) continue;
            var producer = model.Layers[i - 1];
            if (producer.Kind is LayerKind.Conv2d or LayerKind.ConvTranspose2d or LayerKind.BatchNorm2d)
                expected.Add((producer.Name, model.Layers[i].Name, producer.Kind == LayerKind.BatchNorm2d));
        }
        Assert.Equal(expected, pairs);
        Assert.Equal(5, pairs.Length);
        Assert.Equal(3, pairs.Count(p => p.FoldsBackward));
    }

    [Fact]
    public void A_Skip_between_a_convolution_and_its_ReLU_keeps_them_apart()
    {
        var model = Mixed();
        int skip = model.Layers.Single(l => l.Kind == LayerKind.Skip && l.SkipName == "b").Index;

        Assert.DoesNotContain(TrainingFusion.For(model), f => f.Producer == skip - 1 || f.ReLU == skip + 1);
    }

    [Fact]
    public void Nothing_reads_the_output_a_fused_producer_leaves_unwritten()
    {
        var model = Mixed();
        var plan = new EmitPlan(model);

        foreach (var fusion in plan.TrainingFusions)
        {
            string unwritten = plan.OutputOf(fusion.Producer).Field;
            for (int i = 0; i < model.Layers.Count; i++)
            {
                if (i != fusion.ReLU)
                    Assert.NotEqual(unwritten, plan.InputOf(i).Field);
                if (model.Layers[i].Kind == LayerKind.Concat)
                    Assert.NotEqual(unwritten, plan.OutputOf(model.Layers[i].SkipSource).Field);
            }
        }
    }

    [Fact]
    public void Only_outputs_that_both_modes_fuse_away_get_no_array()
    {
        var model = Mixed();
        var plan = new EmitPlan(model);
        var allocated = plan.Activations.Select(t => t.Owner).ToHashSet();

        // Fused in both modes: conv1 (before relu1), bn3 (conv3 → bn3 → relu), bn (deconv → bn → relu), the deconv before a
        // ReLU, and the unpool read by the deconvolution after it.
        var neverWritten = model.Layers.Where(l => plan.IsNeverWritten(l.Index)).Select(l => l.Name).ToArray();
        Assert.Equal(5, neverWritten.Length);
        Assert.All(neverWritten, name => Assert.DoesNotContain(name, allocated));
        // The batch norm after the pool fuses in training only (inference runs it on its own), so it keeps its array.
        int pool = model.Layers.Single(l => l.Kind == LayerKind.MaxPool2d).Index;
        Assert.Contains(model.Layers[pool + 1].Name, allocated);
        Assert.Equal(model.Layers.Count(l => l.Kind != LayerKind.Skip) - neverWritten.Length, allocated.Count);
    }

    [Fact]
    public void A_ReLU_folded_into_its_batch_norm_shares_the_batch_norms_gradient_buffer()
    {
        var model = Mixed();
        var plan = GradientPlan.For(model);

        foreach (var fusion in TrainingFusion.For(model))
        {
            if (fusion.FoldsBackward) Assert.Equal(plan.ChainOf(fusion.ReLU), plan.ChainOf(fusion.Producer));
            else Assert.NotEqual(plan.ChainOf(fusion.ReLU), plan.ChainOf(fusion.Producer));
        }
    }

    private static NetworkModel Valid(NetworkSpec spec)
    {
        var result = NetworkValidator.Validate(spec);
        Assert.Empty(result.Diagnostics);
        return Assert.IsType<NetworkModel>(result.Model);
    }
}

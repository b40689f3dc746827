// TorchNetwork.ForcedArgmax, which the benchmarks' gradient check uses to route a float64 pass through NetGen's pool argmax:
// routed through its own argmax a pass is unchanged (gradients too), and a moved argmax is reported with its gap and used.
using NetGen.Model;
using static NetGen.Interop.Tests.Support.TorchData;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace NetGen.Interop.Tests.Networks;

public sealed class ForcedArgmaxTests
{
    private const int Batch = 2;

    [Fact]
    public void Routing_through_its_own_argmax_changes_nothing()
    {
        var info = TestNetworks.AllKinds();
        var (logits, gradients, argmax, _) = Pass(info, null);
        var (forcedLogits, forcedGradients, _, report) = Pass(info, argmax);
        Assert.Equal(logits, forcedLogits);
        foreach (var (name, g) in gradients) Assert.Equal(g, forcedGradients[name]);
        var entry = Assert.Single(report);
        Assert.Equal((0L, 0.0), (entry.Differing, entry.WorstGap));
    }

    [Fact]
    public void A_moved_argmax_is_reported_with_its_gap_and_used_downstream()
    {
        var info = TestNetworks.AllKinds();
        var (logits, _, argmax, _) = Pass(info, null);
        int pool = argmax.Keys.Single();
        // Window 0 of sample 0, channel 0 covers input positions 0, 1, W, W + 1: move its argmax to another of them.
        int width = info.Layers[pool].Input.W, own = argmax[pool][0];
        int[] moved = (int[])argmax[pool].Clone();
        moved[0] = own == 0 ? width + 1 : 0;
        var (movedLogits, _, used, report) = Pass(info, new() { [pool] = moved });
        var entry = Assert.Single(report);
        Assert.Equal(1L, entry.Differing);
        Assert.True(entry.WorstGap > 1e-5, $"gap {entry.WorstGap}: random data has no near-tie there");
        Assert.Equal(moved, used[pool]);
        Assert.NotEqual(logits, movedLogits);
    }

    private static (float[] Logits, Dictionary<string, float[]> Gradients, Dictionary<int, int[]> Argmax, List<(int Layer, long Differing, double WorstGap)> Report)
        Pass(NetworkInfo info, Dictionary<int, int[]>? forced)
    {
        using var scope = NewDisposeScope();
        using var net = new TorchNetwork(info, StandardNetworks.Parameters(info, seed: 71), ScalarType.Float64) { ForcedArgmax = forced, RecordArgmax = true };
        var rng = new Random(72);
        var x = ToTorch(Enumerable.Range(0, Batch * info.Input.Size).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray(),
            [Batch, info.Input.C, info.Input.H, info.Input.W]).to_type(ScalarType.Float64);
        var logits = net.Forward(x, training: true);
        var output = info.Layers[^1].Output;
        var labels = tensor(Enumerable.Range(0, Batch * output.H * output.W).Select(i => (long)(i % info.Classes)).ToArray(), [Batch, output.H, output.W]);
        F.cross_entropy(logits, labels).backward();
        var gradients = info.Parameters.Where(p => p.Trainable)
            .ToDictionary(p => p.Name, p => net[p.Name].grad!.to_type(ScalarType.Float32).data<float>().ToArray());
        return (logits.detach().to_type(ScalarType.Float32).data<float>().ToArray(), gradients, new(net.LastArgmax), [.. net.ArgmaxReport]);
    }
}

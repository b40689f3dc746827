// SGD (plain momentum and Nesterov) and Adam against values from torch.optim's update formulas, three steps each.
// Setup: conv weight [1, 2, 1, 1] = (1, −2) with weight decay 0.01, bias [1] = 0.5 without (torch: two parameter groups),
// and fixed gradients per step. Expected values: the torch formulas in float64, checked against torch 2.11 (float32, within 2e-7).
using NetGen.Model;
using NetGen.Optimizers;

namespace NetGen.Runtime.Tests.Training;

public class OptimizerTests
{
    private static readonly float[][] WeightGrads = [[0.1f, -0.3f], [-0.2f, 0.4f], [0.05f, 0.1f]];
    private static readonly float[][] BiasGrads = [[0.2f], [0.1f], [-0.3f]];

    [Fact]
    public void Sgd_momentum_matches_torch()
    {
        // torch.optim.SGD([{'params': [w], 'weight_decay': 0.01}, {'params': [b]}], lr=0.1, momentum=0.9)
        AssertSteps(new Sgd(0.1, momentum: 0.9, weightDecay: 0.01),
        [
            [0.989000000, -1.968000000, 0.480000000],
            [0.998111000, -1.977232000, 0.452000000],
            [1.000312789, -1.993563568, 0.456800000],
        ]);
    }

    [Fact]
    public void Sgd_nesterov_matches_torch()
    {
        AssertSteps(new Sgd(0.1, momentum: 0.9, weightDecay: 0.01, nesterov: true),
        [
            [0.979100000, -1.939200000, 0.462000000],
            [1.006329710, -1.985595520, 0.426800000],
            [1.002305613, -2.008324137, 0.461120000],
        ]);
    }

    [Fact]
    public void Adam_matches_torch()
    {
        // torch.optim.Adam([{'params': [w], 'weight_decay': 0.01}, {'params': [b]}], lr=0.01, betas=(0.9, 0.999), eps=1e-8)
        AssertSteps(new Adam(0.01, weightDecay: 0.01),
        [
            [0.990000001, -1.990000000, 0.490000000],
            [0.993086960, -1.991379632, 0.480678205],
            [0.993706296, -1.993449721, 0.481497973],
        ]);
    }

    [Fact]
    public void Plain_sgd_is_gradient_descent_and_skips_untrained_buffers()
    {
        var parameters = new ParameterSet([new("bn1.weight", [2], 0, true), new("bn1.running_mean", [2], 0, false)]);
        parameters["bn1.weight"].Value[0] = 1f;
        parameters["bn1.weight"].Grad[0] = 0.5f;
        parameters["bn1.running_mean"].Value[0] = 3f;
        new Sgd(0.2, weightDecay: 0.1).Step(parameters);
        Assert.Equal(0.9f, parameters["bn1.weight"].Value[0], 6);
        Assert.Equal(3f, parameters["bn1.running_mean"].Value[0]);
    }

    [Fact]
    public void Decay_scope_all_decays_biases_as_torch_does_by_default()
    {
        var parameters = new ParameterSet([new("conv1.bias", [1], 0, true)]);
        parameters[0].Value[0] = 2f;
        new Sgd(0.5, weightDecay: 0.1, decayScope: WeightDecayScope.All).Step(parameters);
        Assert.Equal(2f - 0.5f * 0.2f, parameters[0].Value[0], 6);
    }

    [Theory]
    [InlineData(0f, false)]
    [InlineData(0.9f, false)]
    [InlineData(0.9f, true)]
    public void Sgd_vector_paths_give_the_scalar_formula_bit_for_bit(float momentum, bool nesterov)
    {
        // 37 elements: two 16-lane vectors (four 8-lane ones) and a scalar tail; three steps (the first sets the buffer).
        const int n = 37;
        var parameters = new ParameterSet([new("conv1.weight", [n, 1, 1, 1], 0, true)]);
        var p = parameters[0];
        var random = new Random(5);
        for (int j = 0; j < n; j++) p.Value[j] = (float)(random.NextDouble() * 4 - 2);
        var expected = p.Value.ToArray();
        var buffer = new float[n];
        var sgd = new Sgd(0.3, momentum: momentum, weightDecay: 0.07, nesterov: nesterov, dampening: nesterov ? 0 : 0.25);
        float lr = 0.3f, decay = 0.07f, keep = nesterov ? 1f : 0.75f;
        for (int step = 1; step <= 3; step++)
        {
            for (int j = 0; j < n; j++) p.Grad[j] = (float)(random.NextDouble() - 0.5);
            for (int j = 0; j < n; j++)
            {
                float g = p.Grad[j] + decay * expected[j];
                if (momentum != 0)
                {
                    buffer[j] = step == 1 ? g : momentum * buffer[j] + keep * g;
                    g = nesterov ? g + momentum * buffer[j] : buffer[j];
                }
                expected[j] -= lr * g;
            }
            sgd.Step(parameters);
            for (int j = 0; j < n; j++)
                Assert.True(BitConverter.SingleToInt32Bits(expected[j]) == BitConverter.SingleToInt32Bits(p.Value[j]),
                    $"step {step}, element {j}: {p.Value[j]:R}, expected {expected[j]:R}");
        }
    }

    [Fact]
    public void Optimizer_is_bound_to_one_parameter_set()
    {
        var adam = new Adam();
        adam.Step(CreateParameters());
        Assert.Throws<InvalidOperationException>(() => adam.Step(CreateParameters()));
    }

    private static void AssertSteps(IOptimizer optimizer, double[][] expected)
    {
        var parameters = CreateParameters();
        for (int t = 0; t < expected.Length; t++)
        {
            WeightGrads[t].CopyTo(parameters["conv1.weight"].Grad, 0);
            BiasGrads[t].CopyTo(parameters["conv1.bias"].Grad, 0);
            optimizer.Step(parameters);
            float[] actual = [.. parameters["conv1.weight"].Value, .. parameters["conv1.bias"].Value];
            for (int j = 0; j < actual.Length; j++)
                Assert.True(Math.Abs(expected[t][j] - actual[j]) < 1e-6, $"step {t + 1}, value {j}: {actual[j]} vs {expected[t][j]}");
        }
    }

    private static ParameterSet CreateParameters()
    {
        var parameters = new ParameterSet([new("conv1.weight", [1, 2, 1, 1], 0, true), new("conv1.bias", [1], 0, true)]);
        parameters["conv1.weight"].Value[0] = 1f;
        parameters["conv1.weight"].Value[1] = -2f;
        parameters["conv1.bias"].Value[0] = 0.5f;
        return parameters;
    }
}

// Proves a generated network is the network the reference engines run: the same layers in the same order, with the same
// shapes, geometry, pairing and parameter names, so copying weights by name is meaningful. (FLOP totals differ by design:
// the generator also counts the elementwise layers, StandardNetworks only the convolutions.)
using NetGen.Model;

namespace NetGen.Benchmarks;

public static class TableCheck
{
    public static void RequireSameLayers(NetworkInfo reference, NetworkInfo generated)
    {
        if (reference.Input != generated.Input || reference.Classes != generated.Classes || reference.Layers.Count != generated.Layers.Count)
            Fail($"{generated.Name}: input {generated.Input}, {generated.Classes} classes, {generated.Layers.Count} layers; " +
                 $"{reference.Name} has {reference.Input}, {reference.Classes}, {reference.Layers.Count}");
        for (int i = 0; i < reference.Layers.Count; i++)
            if (reference.Layers[i] != generated.Layers[i])
                Fail($"{generated.Name} layer {i} is {generated.Layers[i]}; {reference.Name} has {reference.Layers[i]}");
        if (reference.Parameters.Count != generated.Parameters.Count)
            Fail($"{generated.Name} has {generated.Parameters.Count} parameter tensors; {reference.Name} has {reference.Parameters.Count}");
        for (int i = 0; i < reference.Parameters.Count; i++)
        {
            ParameterInfo a = reference.Parameters[i], b = generated.Parameters[i];
            if (a.Name != b.Name || !a.Shape.SequenceEqual(b.Shape) || a.Layer != b.Layer || a.Trainable != b.Trainable)
                Fail($"{generated.Name} parameter {i} is {b.Name} [{string.Join(',', b.Shape)}]; {reference.Name} has {a.Name} [{string.Join(',', a.Shape)}]");
        }
    }

    private static void Fail(string message) => throw new InvalidOperationException("NetGen spec differs from StandardNetworks: " + message);
}

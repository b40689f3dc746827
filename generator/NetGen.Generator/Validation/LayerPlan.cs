// Pairs every up-sampling layer with the down-sampling layer it mirrors and gives each layer its stable name.
// Pairing is by count from both ends: the k-th ConvTranspose2d from the end mirrors the k-th Conv2d, likewise unpool/pool.
using System.Collections.Generic;
using System.Globalization;
using NetGen.Generator.Model;

namespace NetGen.Generator.Validation;

internal sealed class LayerPlan
{
    private LayerPlan(int[] partners, string[] names)
    {
        Partners = partners;
        Names = names;
    }

    /// <summary>Index of the mirrored layer for convs, deconvs, pools and unpools; −1 when unpaired or not a paired kind.</summary>
    public IReadOnlyList<int> Partners { get; }

    /// <summary>conv1, bn2, deconv1 (named after its conv), unpool3 (after its pool), skip_e1, concat_e1, classifier.
    /// An unpaired up-layer has no number to borrow, so it is described by position: "layer 7 (ConvTranspose2d)".</summary>
    public IReadOnlyList<string> Names { get; }

    public static LayerPlan Create(EquatableArray<LayerSpec> layers)
    {
        var partners = new int[layers.Count];
        for (int i = 0; i < partners.Length; i++) partners[i] = -1;
        Pair(layers, LayerKind.Conv2d, LayerKind.ConvTranspose2d, partners);
        Pair(layers, LayerKind.MaxPool2d, LayerKind.MaxUnpool2d, partners);
        return new LayerPlan(partners, Name(layers, partners));
    }

    private static void Pair(EquatableArray<LayerSpec> layers, LayerKind down, LayerKind up, int[] partners)
    {
        var downs = new List<int>();
        var ups = new List<int>();
        for (int i = 0; i < layers.Count; i++)
        {
            if (layers[i].Kind == down) downs.Add(i);
            else if (layers[i].Kind == up) ups.Add(i);
        }
        for (int k = 0; k < downs.Count && k < ups.Count; k++)
        {
            int d = downs[k], u = ups[ups.Count - 1 - k];
            partners[d] = u;
            partners[u] = d;
        }
    }

    private static string[] Name(EquatableArray<LayerSpec> layers, int[] partners)
    {
        // Each layer's 1-based number among the layers of its kind; an up-layer uses its partner's number instead.
        var numbers = new int[layers.Count];
        var counters = new Dictionary<LayerKind, int>();
        for (int i = 0; i < numbers.Length; i++)
        {
            counters.TryGetValue(layers[i].Kind, out int n);
            counters[layers[i].Kind] = numbers[i] = n + 1;
        }

        var names = new string[layers.Count];
        for (int i = 0; i < names.Length; i++)
        {
            var layer = layers[i];
            names[i] = layer.Kind switch
            {
                LayerKind.Conv2d => "conv" + Text(numbers[i]),
                LayerKind.MaxPool2d => "pool" + Text(numbers[i]),
                LayerKind.ReLU => "relu" + Text(numbers[i]),
                LayerKind.BatchNorm2d => "bn" + Text(numbers[i]),
                LayerKind.ConvTranspose2d when partners[i] >= 0 => "deconv" + Text(numbers[partners[i]]),
                LayerKind.MaxUnpool2d when partners[i] >= 0 => "unpool" + Text(numbers[partners[i]]),
                LayerKind.Skip => "skip_" + layer.Name,
                LayerKind.Concat => "concat_" + layer.Name,
                LayerKind.Classifier => "classifier",
                _ => string.Format(CultureInfo.InvariantCulture, "layer {0} ({1})", i + 1, layer.Kind),
            };
        }
        return names;
    }

    private static string Text(int n) => n.ToString(CultureInfo.InvariantCulture);
}

// The parameter (and buffer) tensors of a validated network, in layer order, with torch's names and layouts.
using System.Collections.Generic;
using System.Collections.Immutable;
using NetGen.Generator.Model;

namespace NetGen.Generator.Validation;

internal static class ParameterTable
{
    public static EquatableArray<ParameterModel> Build(IReadOnlyList<LayerModel> layers)
    {
        var parameters = ImmutableArray.CreateBuilder<ParameterModel>();
        foreach (var layer in layers)
        {
            int cin = layer.Input.C, cout = layer.Output.C, k = layer.Kernel;
            switch (layer.Kind)
            {
                case LayerKind.Conv2d or LayerKind.Classifier:
                    Add(layer, "weight", true, cout, cin, k, k);
                    Add(layer, "bias", true, cout);
                    break;
                case LayerKind.ConvTranspose2d:
                    Add(layer, "weight", true, cin, cout, k, k);
                    Add(layer, "bias", true, cout);
                    break;
                case LayerKind.BatchNorm2d:
                    Add(layer, "weight", true, cout);
                    Add(layer, "bias", true, cout);
                    Add(layer, "running_mean", false, cout);
                    Add(layer, "running_var", false, cout);
                    break;
            }
        }
        return new EquatableArray<ParameterModel>(parameters.ToImmutable());

        void Add(LayerModel layer, string suffix, bool trainable, params int[] shape)
            => parameters.Add(new ParameterModel(layer.Name + "." + suffix, shape.ToEquatableArray(), layer.Index, trainable));
    }
}

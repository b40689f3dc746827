// Checks the encoder/decoder mirror: every down-layer has an up-layer partner after it, and a ConvTranspose2d
// uses the same kernel, stride and padding as the Conv2d it mirrors.
using System.Collections.Generic;
using NetGen.Generator.Model;

namespace NetGen.Generator.Validation;

internal static class PairRules
{
    public static void CheckPartners(EquatableArray<LayerSpec> layers, LayerPlan plan, List<DiagnosticInfo> diagnostics)
    {
        int convs = CountOf(layers, LayerKind.Conv2d), deconvs = CountOf(layers, LayerKind.ConvTranspose2d);
        int pools = CountOf(layers, LayerKind.MaxPool2d), unpools = CountOf(layers, LayerKind.MaxUnpool2d);
        for (int i = 0; i < layers.Count; i++)
        {
            var layer = layers[i];
            string name = plan.Names[i];
            int partner = plan.Partners[i];
            switch (layer.Kind)
            {
                case LayerKind.Conv2d or LayerKind.ConvTranspose2d when partner < 0:
                    string missingConv = layer.Kind == LayerKind.Conv2d ? "ConvTranspose2d" : "Conv2d";
                    diagnostics.Add(DiagnosticInfos.Create(DiagnosticDescriptors.UnpairedConvolution, layer.Location,
                        name, convs, deconvs, missingConv));
                    break;
                case LayerKind.MaxPool2d or LayerKind.MaxUnpool2d when partner < 0:
                    string missingPool = layer.Kind == LayerKind.MaxPool2d ? "MaxUnpool2d" : "MaxPool2d";
                    diagnostics.Add(DiagnosticInfos.Create(DiagnosticDescriptors.UnpairedPool, layer.Location,
                        name, pools, unpools, missingPool));
                    break;
                case LayerKind.ConvTranspose2d or LayerKind.MaxUnpool2d when partner > i:
                    diagnostics.Add(DiagnosticInfos.Create(DiagnosticDescriptors.UpLayerBeforePartner, layer.Location,
                        name, plan.Names[partner]));
                    break;
            }
        }
    }

    /// <summary>Only meaningful once every argument is in range; otherwise the range error already says what to fix.</summary>
    public static void CheckGeometry(EquatableArray<LayerSpec> layers, LayerPlan plan, List<DiagnosticInfo> diagnostics)
    {
        for (int i = 0; i < layers.Count; i++)
        {
            if (layers[i].Kind != LayerKind.ConvTranspose2d || plan.Partners[i] < 0) continue;
            var deconv = layers[i];
            var conv = layers[plan.Partners[i]];
            Compare("Kernel", deconv.Kernel, conv.Kernel);
            Compare("Stride", deconv.Stride, conv.Stride);
            Compare("Padding", deconv.Padding, conv.Padding);

            void Compare(string argument, int deconvValue, int convValue)
            {
                if (deconvValue == convValue) return;
                diagnostics.Add(DiagnosticInfos.Create(DiagnosticDescriptors.PairGeometryMismatch, deconv.LocationOf(argument),
                    argument, deconvValue, plan.Names[i], convValue, plan.Names[plan.Partners[i]]));
            }
        }
    }

    private static int CountOf(EquatableArray<LayerSpec> layers, LayerKind kind)
    {
        int n = 0;
        foreach (var layer in layers) if (layer.Kind == kind) n++;
        return n;
    }
}

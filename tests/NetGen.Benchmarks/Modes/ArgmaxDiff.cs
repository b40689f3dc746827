// Compares two training passes of one network on the benchmark's input: 7×7 Conv2d forwards on their direct sums (as
// KernelModes.BatchStatisticsForward makes them) and with Winograd along rows (NETGEN_ROWS_IN_BATCH_STATISTICS=1). Prints
// how many pool argmax entries differ and how far each parameter gradient moved (whole-tensor relative L2): the measurement
// behind keeping the encoder's training forward on direct sums (docs/benchmarks.md).
using System.Reflection;

namespace NetGen.Benchmarks.Modes;

public static class ArgmaxDiff
{
    private const string Switch = "NETGEN_ROWS_IN_BATCH_STATISTICS";

    public static void Run(string network, int batch)
    {
        var runner = new NetGenRunner(new Workload(network, batch));
        var indexFields = runner.Network.GetType().GetFields(BindingFlags.NonPublic | BindingFlags.Instance)
            .Where(f => f.FieldType == typeof(int[]) && f.Name.EndsWith("Indices", StringComparison.Ordinal)).ToArray();
        string previous = Environment.GetEnvironmentVariable(Switch) ?? "";
        try
        {
            var direct = Pass(runner, indexFields, rows: false);
            var again = Pass(runner, indexFields, rows: false);
            var rows = Pass(runner, indexFields, rows: true);
            Console.WriteLine($"{network} ×{batch}, training forward and backward: direct sums twice, then Winograd along rows in the 7×7 Conv2d forwards");
            for (int i = 0; i < indexFields.Length; i++)
                Console.WriteLine($"  {indexFields[i].Name.TrimStart('_'),-14} argmax entries differing: direct vs direct {Differ(direct.Indices[i], again.Indices[i])}, " +
                    $"direct vs rows {Differ(direct.Indices[i], rows.Indices[i])} of {direct.Indices[i].Length:N0}");
            foreach (var (name, g) in direct.Gradients)
                Console.WriteLine($"  {name,-18} gradient, relative L2 distance: direct vs direct {Distance(g, again.Gradients[name]):E2}, direct vs rows {Distance(g, rows.Gradients[name]):E2}");
        }
        finally
        {
            Environment.SetEnvironmentVariable(Switch, previous);
        }
    }

    private static (int[][] Indices, Dictionary<string, float[]> Gradients) Pass(NetGenRunner runner, FieldInfo[] indexFields, bool rows)
    {
        Environment.SetEnvironmentVariable(Switch, rows ? "1" : "0");
        runner.ComputeGradients();
        var indices = indexFields.Select(f => (int[])((int[])f.GetValue(runner.Network)!).Clone()).ToArray();
        var gradients = runner.Network.Parameters.All.Where(p => p.Grad.Length > 0).ToDictionary(p => p.Name, p => (float[])p.Grad.Clone());
        return (indices, gradients);
    }

    private static int Differ(int[] a, int[] b) => a.Zip(b).Count(z => z.First != z.Second);

    private static double Distance(float[] reference, float[] other)
    {
        double d = 0, n = 0;
        for (int i = 0; i < reference.Length; i++)
        {
            double e = other[i] - (double)reference[i];
            d += e * e;
            n += reference[i] * (double)reference[i];
        }
        return n > 0 ? Math.Sqrt(d / n) : Math.Sqrt(d);
    }
}

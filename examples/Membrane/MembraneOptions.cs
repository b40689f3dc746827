// Command-line options of the membrane example, parsed strictly: anything unknown or malformed is a one-line error.
using static NetGen.Examples.OptionValues;

namespace Membrane;

internal sealed record MembraneOptions
{
    public string? Data { get; init; }
    public int Epochs { get; init; } = 20;
    public int CropsPerEpoch { get; init; } = 480;
    public int Batch { get; init; } = 8;
    public double LearningRate { get; init; } = 0.01;
    public int Seed { get; init; } = 1;
    public string Out { get; init; } = Path.Combine("out", "membrane");
    public double TimeBudgetSeconds { get; init; } = 120;

    public const string Usage =
        "usage: Membrane [--data DIR] [--epochs N] [--crops-per-epoch N] [--batch N] [--lr X] [--seed N] [--out DIR] [--time-budget SECONDS]";

    public static bool IsHelp(IReadOnlyList<string> args) => args is ["-h"] or ["--help"];

    /// <summary>Parses <paramref name="args"/>; throws <see cref="FormatException"/> with a one-line message on bad input.</summary>
    public static MembraneOptions Parse(IReadOnlyList<string> args)
    {
        var options = new MembraneOptions();
        for (int i = 0; i < args.Count; i++)
        {
            string name = args[i];
            if (i + 1 >= args.Count) throw new FormatException($"{name} needs a value ({Usage})");
            string value = args[++i];
            options = name switch
            {
                "--data" => options with { Data = NonEmpty(name, value) },
                "--epochs" => options with { Epochs = Positive(name, value) },
                "--crops-per-epoch" => options with { CropsPerEpoch = Positive(name, value) },
                "--batch" => options with { Batch = Positive(name, value) },
                "--lr" => options with { LearningRate = PositiveReal(name, value) },
                "--seed" => options with { Seed = Integer(name, value) },
                "--out" => options with { Out = NonEmpty(name, value) },
                "--time-budget" => options with { TimeBudgetSeconds = PositiveReal(name, value) },
                _ => throw new FormatException($"unknown option '{name}' ({Usage})"),
            };
        }
        return options;
    }
}

// Command-line options of the shapes example, parsed strictly: anything unknown or malformed is a one-line error.
using static NetGen.Examples.OptionValues;

namespace Shapes;

internal sealed record ShapesOptions
{
    public int Epochs { get; init; } = 12;
    public int Batch { get; init; } = 16;
    public double LearningRate { get; init; } = 0.01;
    public int Seed { get; init; } = 1;
    public string Out { get; init; } = Path.Combine("out", "shapes");
    public int TrainSize { get; init; } = 1024;
    public int ValidationSize { get; init; } = 256;
    public double TimeBudgetSeconds { get; init; } = 110;

    public const string Usage =
        "usage: Shapes [--epochs N] [--batch N] [--lr X] [--seed N] [--out DIR] [--train-size N] [--val-size N] [--time-budget SECONDS]";

    public static bool IsHelp(IReadOnlyList<string> args) => args is ["-h"] or ["--help"];

    /// <summary>Parses <paramref name="args"/>; throws <see cref="FormatException"/> with a one-line message on bad input.</summary>
    public static ShapesOptions Parse(IReadOnlyList<string> args)
    {
        var options = new ShapesOptions();
        for (int i = 0; i < args.Count; i++)
        {
            string name = args[i];
            if (i + 1 >= args.Count) throw new FormatException($"{name} needs a value ({Usage})");
            string value = args[++i];
            options = name switch
            {
                "--epochs" => options with { Epochs = Positive(name, value) },
                "--batch" => options with { Batch = Positive(name, value) },
                "--lr" => options with { LearningRate = PositiveReal(name, value) },
                "--seed" => options with { Seed = Integer(name, value) },
                "--out" => options with { Out = NonEmpty(name, value) },
                "--train-size" => options with { TrainSize = Positive(name, value) },
                "--val-size" => options with { ValidationSize = Positive(name, value) },
                "--time-budget" => options with { TimeBudgetSeconds = PositiveReal(name, value) },
                _ => throw new FormatException($"unknown option '{name}' ({Usage})"),
            };
        }
        return options;
    }
}

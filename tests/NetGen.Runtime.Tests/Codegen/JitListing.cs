// Reads the JIT's disassembly (DOTNET_JitDisasm + DOTNET_JitStdOutFile) into methods and their innermost loops, and finds
// the instructions in a loop that touch the stack frame: a value the register allocator could not keep in a register.
using System.Text.RegularExpressions;

namespace NetGen.Runtime.Tests.Codegen;

internal sealed record JitLoop(string Method, int MultiplyAdds, IReadOnlyList<string> Body)
{
    /// <summary>Instructions that read or write the frame ([rsp…] or [rbp…]).</summary>
    public IEnumerable<string> StackAccesses => Body.Where(line => FrameOperand.IsMatch(line));

    /// <summary>Frame accesses that move a vector register: a spilled accumulator, input or broadcast weight.</summary>
    public IEnumerable<string> VectorSpills => StackAccesses.Where(line => VectorRegister.IsMatch(line));

    /// <summary>Frame accesses that reload an integer (an offset, stride or pointer the loop needs every iteration).</summary>
    public IEnumerable<string> IntegerReloads => StackAccesses.Where(line => !VectorRegister.IsMatch(line));

    private static readonly Regex FrameOperand = new(@"\[(rsp|rbp)\b", RegexOptions.Compiled);
    private static readonly Regex VectorRegister = new(@"\b[xyz]mm\d+\b", RegexOptions.Compiled);
}

internal static partial class JitListing
{
    /// <summary>Every innermost loop (the lines from a backward jump's target to the jump, overlapping no shorter such span)
    /// of every method in the listing,
    /// with the count of its multiply-adds (fused, or a multiply and an add on the paths without FMA).</summary>
    public static List<JitLoop> InnermostLoops(string listing, out List<string> methods)
    {
        methods = [];
        var loops = new List<JitLoop>();
        foreach (string chunk in listing.Split("; Assembly listing for method ").Skip(1))
        {
            string[] lines = chunk.Split('\n');
            string method = lines[0].Trim();
            methods.Add(method);
            var labels = new Dictionary<string, int>();
            for (int i = 0; i < lines.Length; i++)
                if (Label().Match(lines[i]) is { Success: true } label) labels[label.Groups[1].Value] = i;
            var spans = new List<(int From, int To)>();
            for (int i = 0; i < lines.Length; i++)
                if (Jump().Match(lines[i]) is { Success: true } jump && labels.TryGetValue(jump.Groups[1].Value, out int target) && target < i)
                    spans.Add((target, i));
            foreach (var (from, to) in spans)
            {
                // The JIT lays a loop's blocks out freely, so an outer loop's span may overlap an inner one's without
                // containing it: a span any shorter span overlaps is not innermost.
                if (spans.Any(other => other.To - other.From < to - from && other.From <= to && from <= other.To)) continue;
                var body = lines[from..(to + 1)].Select(line => line.Trim()).ToList();
                int fused = body.Count(line => Fused().IsMatch(line));
                int multiplies = body.Count(line => Multiply().IsMatch(line)), adds = body.Count(line => Add().IsMatch(line));
                loops.Add(new JitLoop(method, fused + Math.Min(multiplies, adds), body));
            }
        }
        return loops;
    }

    [GeneratedRegex(@"^(G_M\d+_IG\d+):")]
    private static partial Regex Label();

    [GeneratedRegex(@"^\s+j\w+\s+(?:SHORT\s+)?(G_M\d+_IG\d+)\s*$")]
    private static partial Regex Jump();

    [GeneratedRegex(@"^v?fn?m(add|sub)\d*[ps][sd]\b")]
    private static partial Regex Fused();

    [GeneratedRegex(@"^v?mul[ps][sd]\b")]
    private static partial Regex Multiply();

    [GeneratedRegex(@"^v?add[ps][sd]\b")]
    private static partial Regex Add();
}

// The kernels' hot loops, as the JIT compiles them on this machine, keep their values in registers. A child process runs
// every engine (HotLoopDriver) with DOTNET_JitDisasm listing the NetGen.Kernels methods; every innermost loop with 4 or
// more multiply-adds must not touch the stack with a vector register (a spilled accumulator, input or weight costs a store
// and a reload per iteration: 24 accumulators + 4 weights + 1 input is what fits in 32 zmm registers, 32 accumulators
// spill) and may reload integers from the frame only where listed below, with the reason. The code checked is FullOpts
// (DOTNET_TieredCompilation=0), compiled without profile data; the tiered JIT's final code for the same loops was checked
// by hand (docs/benchmarks.md): in a test, its background compiles would interleave their listings with the others'.
using System.Diagnostics;
using System.Runtime.Intrinsics.X86;
using Xunit.Abstractions;

namespace NetGen.Runtime.Tests.Codegen;

public class HotLoopTests(ITestOutputHelper output)
{
    private const int HotMultiplyAdds = 4;

    /// <summary>Loops allowed to reload integers from the frame: method (as listed) → most reloads per iteration.
    /// Both reload loop-invariant tap offsets that do not fit the 14 usable integer registers; a reload is an L1 load like
    /// the table lookup it replaces, and these loops stay under the load ports' limit (Narrow512: 1 vector load, 12 broadcast
    /// loads and 4 reloads per 12 multiply-adds; Tile512: 10 vector loads and 2 reloads per 24).</summary>
    private static readonly Dictionary<string, int> IntegerReloadAllowance = new()
    {
        // 12 tap offsets, A, its stride, B and B's row end.
        ["WeightGradientByChannelTiles:Narrow512("] = 4,
        // 6 tap offsets, 4 rows of A, B, the position and the row's length.
        ["WeightGradientTiles:Tile512("] = 2,
    };

    [Fact]
    public void Hot_loops_keep_their_values_in_registers()
    {
        string listing = Disassemble();
        var loops = JitListing.InnermostLoops(listing, out var methods);
        var hot = loops.Where(loop => loop.MultiplyAdds >= HotMultiplyAdds).ToList();
        foreach (var loop in hot)
            output.WriteLine($"{loop.MultiplyAdds,3} multiply-adds, {loop.IntegerReloads.Count(),2} integer reloads, " +
                $"{loop.VectorSpills.Count(),2} vector spills: {loop.Method}");

        var expected = ExpectedMethods().ToList();
        var missing = expected.Where(name => !methods.Any(m => m.Contains(name, StringComparison.Ordinal))).ToList();
        Assert.True(missing.Count == 0, $"not compiled by the driver (renamed, or no longer reached?): {string.Join(", ", missing)}");
        var cold = expected.Where(name => !hot.Any(loop => loop.Method.Contains(name, StringComparison.Ordinal))).ToList();
        Assert.True(cold.Count == 0, $"no hot loop found in {string.Join(", ", cold)}: is the listing parsed right?");

        var faults = new List<string>();
        foreach (var loop in hot)
        {
            foreach (string spill in loop.VectorSpills) faults.Add($"{loop.Method}: vector spill `{spill}`");
            int allowed = IntegerReloadAllowance.FirstOrDefault(a => loop.Method.Contains(a.Key, StringComparison.Ordinal)).Value;
            var reloads = loop.IntegerReloads.ToList();
            if (reloads.Count > allowed)
                faults.Add($"{loop.Method}: {reloads.Count} integer reloads per iteration (allowed {allowed}): {string.Join("; ", reloads)}");
        }
        Assert.True(faults.Count == 0, string.Join("\n", faults));
    }

    // The tiles each instruction-set path must have compiled (the driver forces every path the machine has).
    private static IEnumerable<string> ExpectedMethods()
    {
        yield return "CorrelationTiles:TileScalar";
        yield return "WeightGradientTiles:TileScalar";
        if (Avx2.IsSupported && Fma.IsSupported)
        {
            yield return "CorrelationTiles:Tile256";
            yield return "WeightGradientTiles:Tile256";
            yield return "WeightGradientByChannelTiles:Tile256";
        }
        if (Avx512F.IsSupported)
        {
            yield return "CorrelationTiles:Tile512";
            yield return "CorrelationTiles:Grid512";
            yield return "CorrelationTiles:Single512";
            yield return "CorrelationTiles:Pair512";
            yield return "CorrelationBandJob:RunNineTaps";
            yield return "CorrelationBandJob:RunNineTapsPooled";
            yield return "CorrelationBandJob:RunTapsPooled";
            yield return "WeightGradientTiles:Tile512";
            yield return "WeightGradientByChannelTiles:Wide512";
            yield return "WeightGradientByChannelTiles:Narrow512";
            yield return "NineTapsJob:Execute";
            yield return "WinogradWeightGradient:PairOfProducts";
            yield return "Winograd4:TransformInput";
            yield return "Winograd4:StoreOutput";
        }
    }

    private string Disassemble()
    {
        string file = Path.Combine(Path.GetTempPath(), $"netgen-jit-{Environment.ProcessId}-{Guid.NewGuid():N}.txt");
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.ArgumentList.Add(typeof(HotLoopDriver).Assembly.Location);
        start.ArgumentList.Add(HotLoopDriver.Argument);
        start.ArgumentList.Add("1");
        start.Environment["DOTNET_TieredCompilation"] = "0";
        start.Environment["DOTNET_JitDisasm"] = "NetGen.Kernels.*:*";
        start.Environment["DOTNET_JitStdOutFile"] = file;
        // One thread: methods compiled on two threads at once would interleave their listings in the file.
        start.Environment["NETGEN_THREADS"] = "1";
        try
        {
            using var process = Process.Start(start)!;
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            Assert.True(process.WaitForExit(TimeSpan.FromMinutes(3)), "the driver did not finish in 3 minutes");
            Assert.True(process.ExitCode == 0, $"the driver failed ({process.ExitCode}): {stdout.Result}\n{stderr.Result}");
            Assert.True(File.Exists(file), $"no listing written to {file}: {stderr.Result}");
            return File.ReadAllText(file);
        }
        finally
        {
            File.Delete(file);
        }
    }
}

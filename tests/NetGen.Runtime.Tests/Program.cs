// The test assembly's entry point. `dotnet test` never calls it (the test host loads the assembly); it exists so a test can
// start this assembly as a child process with JIT settings of its own: see Codegen/HotLoopTests.
using NetGen.Runtime.Tests.Codegen;

namespace NetGen.Runtime.Tests;

public static class Program
{
    public static int Main(string[] args)
    {
        if (args is [HotLoopDriver.Argument, var rounds] && int.TryParse(rounds, out int count) && count > 0)
        {
            HotLoopDriver.Run(count);
            return 0;
        }
        Console.Error.WriteLine($"NetGen.Runtime.Tests is a test assembly: run it with `dotnet test` (`{HotLoopDriver.Argument} ROUNDS` is the only thing it runs).");
        return 2;
    }
}

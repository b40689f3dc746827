// The NetGen incremental generator: find [Network] classes → parse to a spec → validate to a model → emit C#.
using Microsoft.CodeAnalysis;

namespace NetGen.Generator;

[Generator(LanguageNames.CSharp)]
public sealed partial class NetworkGenerator : IIncrementalGenerator
{
    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
    }
}

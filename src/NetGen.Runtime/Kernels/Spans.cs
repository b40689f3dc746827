// Argument checks shared by the kernel entry points: the fast paths run on raw pointers, so sizes are checked up front.
namespace NetGen.Kernels;

internal static class Spans
{
    public static void Require<T>(ReadOnlySpan<T> span, long length, string name)
    {
        if (span.Length < length)
            throw new ArgumentException($"{name} holds {span.Length} values; this call needs at least {length}.", name);
    }

    /// <summary>An optional span (bias, a gradient that is skipped) is either empty or long enough.</summary>
    public static void RequireOptional<T>(ReadOnlySpan<T> span, long length, string name)
    {
        if (span.Length != 0) Require(span, length, name);
    }
}

// Scratch memory of kernel calls (packed inputs, tap tables, per-worker tiles and partial sums), kept per calling thread
// and grown on demand, so steady-state training allocates nothing and concurrent callers never share a buffer.
using System.Runtime.InteropServices;

namespace NetGen.Kernels;

// Thread* slots are a parallel task's own buffers, taken from the workspace of the thread that runs it (see
// CorrelationBandJob.Execute); the others are the calling thread's, for a whole call.
internal enum ScratchSlot { Input, Grid, Taps, PerWorker, Unpooled, BandOutput, Weights, Counts, ThreadInput, ThreadOutput, ThreadTile, ThreadTransformedInput, ThreadTransformedWeights, ThreadProducts, Partials, PooledGradient, Count }

internal sealed unsafe class Workspace
{
    [ThreadStatic] private static Workspace? current;

    private readonly void*[] pointers = new void*[(int)ScratchSlot.Count];
    private readonly nuint[] capacities = new nuint[(int)ScratchSlot.Count];

    public static Workspace Current => current ??= new Workspace();

    /// <summary>At least `count` elements of 64-byte aligned memory for one role. Its contents are undefined: a buffer that
    /// grows is replaced, and every caller fills what it reads.</summary>
    public T* Get<T>(ScratchSlot slot, long count) where T : unmanaged
    {
        nuint bytes = (nuint)Math.Max(count, 1) * (nuint)sizeof(T);
        int i = (int)slot;
        if (capacities[i] < bytes)
        {
            // Growing by half again keeps a slowly growing batch from reallocating on every call.
            nuint size = Math.Max(bytes, capacities[i] + capacities[i] / 2);
            NativeMemory.AlignedFree(pointers[i]);
            pointers[i] = null;
            capacities[i] = 0;
            pointers[i] = NativeMemory.AlignedAlloc(size, 64);
            capacities[i] = size;
        }
        return (T*)pointers[i];
    }

    ~Workspace()
    {
        foreach (void* pointer in pointers) NativeMemory.AlignedFree(pointer);
    }
}

// db[o] += Σ dy[n, o, ·] over samples and positions, shared by Conv2d and ConvTranspose2d; one task per channel, summed in double.
namespace NetGen.Kernels;

internal unsafe struct BiasGradientJob : IParallelJob
{
    public VectorPath Path;
    public float* Dy, Db;
    public int Channels, Batch;
    public long Plane;

    /// <summary>dy [N, channels, plane] → db [channels] (added to).</summary>
    public static void Accumulate(float* dy, float* db, int batch, int channels, long plane)
    {
        var job = new BiasGradientJob { Path = KernelOptions.Path, Dy = dy, Db = db, Channels = channels, Batch = batch, Plane = plane };
        WorkerPool.Run(ref job, channels, KernelOptions.Threads);
    }

    public void Execute(int task, int worker)
    {
        double sum = 0;
        for (int n = 0; n < Batch; n++)
            sum += Simd.Sum(Dy + ((long)n * Channels + task) * Plane, Plane, Path);
        Db[task] += (float)sum;
    }
}

// The worker pool and the kernel options: every task runs exactly once whatever the thread count, concurrent callers
// all get their work done, the size follows NETGEN_THREADS, and the forced vector widths pick the expected paths.
using NetGen.Kernels;

namespace NetGen.Runtime.Tests.Kernels;

public class WorkerPoolTests
{
    private unsafe struct CountJob : IParallelJob
    {
        public int* Counts;
        public int* MaxWorker;

        public void Execute(int task, int worker)
        {
            Interlocked.Increment(ref Counts[task]);
            int seen;
            while (worker > (seen = Volatile.Read(ref *MaxWorker)) && Interlocked.CompareExchange(ref *MaxWorker, worker, seen) != seen) { }
        }
    }

    private static unsafe (int[] Counts, int MaxWorker) Count(int tasks, int threads)
    {
        var counts = new int[tasks];
        int maxWorker = -1;
        fixed (int* pc = counts)
        {
            var job = new CountJob { Counts = pc, MaxWorker = &maxWorker };
            WorkerPool.Run(ref job, tasks, threads);
        }
        return (counts, maxWorker);
    }

    [Theory]
    [InlineData(0, 2)]
    [InlineData(1, 2)]
    [InlineData(1000, 1)]
    [InlineData(1000, 2)]
    [InlineData(37, 64)]
    public void Every_task_runs_exactly_once(int tasks, int threads)
    {
        for (int repeat = 0; repeat < 20; repeat++)
        {
            var (counts, maxWorker) = Count(tasks, threads);
            Assert.All(counts, c => Assert.Equal(1, c));
            Assert.True(maxWorker < Math.Min(threads, WorkerPool.Size), $"worker index {maxWorker} with {threads} thread(s)");
        }
    }

    // A worker woken late for a wide job must not join a narrower one: its per-worker scratch would not exist.
    [Fact]
    public void Worker_indices_stay_below_each_jobs_thread_count_when_counts_alternate()
    {
        for (int repeat = 0; repeat < 2000; repeat++)
        {
            int threads = repeat % WorkerPool.Size + 1;
            var (counts, maxWorker) = Count(3 + repeat % 5, threads);
            Assert.All(counts, c => Assert.Equal(1, c));
            Assert.True(maxWorker < threads, $"worker index {maxWorker} in a job of {threads} thread(s)");
        }
    }

    [Fact]
    public async Task Concurrent_callers_all_get_their_work_done()
    {
        var callers = Enumerable.Range(0, 4).Select(_ => Task.Run(() =>
        {
            for (int repeat = 0; repeat < 200; repeat++)
                Assert.All(Count(257, 2).Counts, c => Assert.Equal(1, c));
        })).ToArray();
        await Task.WhenAll(callers);
    }

    [Fact]
    public void Size_follows_NETGEN_THREADS_or_the_processor_count()
    {
        string? value = Environment.GetEnvironmentVariable("NETGEN_THREADS");
        int expected = int.TryParse(value, out int threads) && threads >= 1 ? threads : Environment.ProcessorCount;
        Assert.Equal(expected, WorkerPool.Size);
    }

    [Theory]
    [InlineData(512)]
    [InlineData(256)]
    [InlineData(128)]
    [InlineData(0)]
    public void Forced_widths_pick_the_expected_path_and_scopes_restore_them(int width)
    {
        int widthBefore = KernelOptions.MaxVectorWidth, threadsBefore = KernelOptions.MaxThreads;
        using (KernelOptions.Override(width, 1))
        {
            Assert.Equal(KernelCheck.Expected(width == 0 ? int.MaxValue : width), KernelOptions.Path);
            Assert.Equal(1, KernelOptions.Threads);
        }
        Assert.Equal(widthBefore, KernelOptions.MaxVectorWidth);
        Assert.Equal(threadsBefore, KernelOptions.MaxThreads);
    }
}

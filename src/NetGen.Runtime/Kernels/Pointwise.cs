// The 1×1, stride-1, unpadded convolution (the classifier, and its input gradient): a per-pixel matrix product, so the
// correlation tiles read the NCHW input in place, one tap per input channel, with no padded copy. On the Vector512 path
// the tiles store from registers and a plane's last tile overlaps the one before; one or two output channels take the
// narrow tiles, which compute no dropped channels. Elsewhere a plane's last, partial tile goes through a small
// zero-padded copy, so no tile reads past the end of the input.
using System.Runtime.Intrinsics.X86;

namespace NetGen.Kernels;

internal static unsafe class Pointwise
{
    // Positions per task: enough multiply-adds to amortize a task even with few channels, still many tasks per plane.
    private const int TaskPositions = 1536;

    /// <summary>out[n, o, q] = bias[o] + Σ_i W(o, i, 0, 0)·in[n, i, q]. in [N, inC, plane] → out [N, outC, plane]; bias may be null;
    /// <paramref name="relu"/> stores max(out, 0); a <paramref name="gate"/> laid out like out stores 0 wherever it is not
    /// positive (a ReLU's backward).</summary>
    public static void Run(float* input, int inC, WeightView w, float* bias, float* output, int outC, int plane, int batch, bool relu = false,
        float* gate = null)
    {
        var path = KernelOptions.Path;
        int threads = KernelOptions.Threads;
        // One or two output channels take a one- or two-channel tile of 192 positions, stored from registers.
        bool narrow = path == VectorPath.Vector512 && outC <= 2 && plane >= CorrelationTiles.SingleWidth(path);
        int tileWidth = narrow ? CorrelationTiles.SingleWidth(path) : CorrelationTiles.Width(path);
        var ws = Workspace.Current;
        // Taps into the plane itself, then into a tail copy whose channels lie one tile apart, then the weight indices.
        int* taps = ws.Get<int>(ScratchSlot.Taps, 3L * inC);
        for (int i = 0; i < inC; i++)
        {
            taps[i] = checked(i * plane);
            taps[inC + i] = i * tileWidth;
            taps[2 * inC + i] = i * w.InStride;
        }
        int tiles = (plane + tileWidth - 1) / tileWidth;
        // Equal chunks, as many as the threads (or a multiple) when the batch alone does not split evenly between them.
        int chunks = Math.Max(1, tiles * tileWidth / TaskPositions);
        if (batch % threads != 0) chunks = Math.Min(tiles, (chunks + threads - 1) / threads * threads);
        int tilesPerTask = (tiles + chunks - 1) / chunks;
        chunks = (tiles + tilesPerTask - 1) / tilesPerTask;
        long perWorker = (long)(CorrelationTiles.Channels + inC) * tileWidth;
        var job = new PointwiseJob
        {
            Path = path, Input = input, InC = inC, Weights = w, Bias = bias, Output = output, Gate = gate, OutC = outC, Plane = plane,
            InPlane = plane, OutPlane = plane, Relu = relu,
            Taps = taps, TailTaps = taps + inC, WeightIndex = taps + 2 * inC, TileWidth = tileWidth, Narrow = narrow, Tiles = tiles,
            TilesPerTask = tilesPerTask, Chunks = chunks,
            PerWorker = perWorker,
        };
        WorkerPool.Run(ref job, batch * chunks, threads);
    }

    /// <summary>Floats of scratch <see cref="RunBand"/> needs.</summary>
    public static long BandScratch(VectorPath path, int inC) =>
        (long)(CorrelationTiles.Channels + inC) * Math.Max(CorrelationTiles.Width(path), CorrelationTiles.SingleWidth(path));

    /// <summary>Run's sums for one band of positions on the calling thread, with their own strides: out[o][q] = bias[o] +
    /// Σ_i W(o, i, 0, 0)·in[i][q] for q &lt; positions, input channels inStride apart, output channels outStride apart.
    /// taps: [4·inC], filled by <see cref="BandTaps"/>; scratch: <see cref="BandScratch"/> floats. Each position's sum is
    /// Run's on a plane of the same positions.</summary>
    public static void RunBand(VectorPath path, float* input, int inC, long inStride, WeightView w, float* bias, float* output, int outC,
        long outStride, int positions, int* taps, float* scratch)
    {
        bool narrow = path == VectorPath.Vector512 && outC <= 2 && positions >= CorrelationTiles.SingleWidth(path);
        int tileWidth = narrow ? CorrelationTiles.SingleWidth(path) : CorrelationTiles.Width(path);
        int tiles = (positions + tileWidth - 1) / tileWidth;
        var job = new PointwiseJob
        {
            Path = path, Input = input, InC = inC, Weights = w, Bias = bias, Output = output, OutC = outC, Plane = positions,
            InPlane = inStride, OutPlane = outStride, Taps = taps, TailTaps = taps + (narrow ? 3 : 1) * inC, WeightIndex = taps + 2 * inC,
            TileWidth = tileWidth, Narrow = narrow, Tiles = tiles,
            TilesPerTask = tiles, Chunks = 1, Scratch = scratch, PerWorker = 0,
        };
        job.Execute(0, 0);
    }

    /// <summary>Fills taps [4·inC] for RunBand: input channels inStride apart, a tail copy's channels one tile apart for each
    /// tile width, the weight indices.</summary>
    public static void BandTaps(VectorPath path, int* taps, int inC, long inStride, WeightView w)
    {
        for (int i = 0; i < inC; i++)
        {
            taps[i] = checked((int)(i * inStride));
            taps[inC + i] = i * CorrelationTiles.Width(path);
            taps[2 * inC + i] = i * w.InStride;
            taps[3 * inC + i] = i * CorrelationTiles.SingleWidth(path);
        }
    }
}

/// <summary>One run of tiles of one sample's plane (Plane positions; input channels InPlane apart, output channels OutPlane
/// apart, samples InC·InPlane and OutC·OutPlane apart), for every output channel.</summary>
internal unsafe struct PointwiseJob : IParallelJob
{
    public VectorPath Path;
    public float* Input, Output, Bias, Gate;
    public int InC, OutC, Plane;
    public long InPlane, OutPlane;
    public bool Relu;
    public WeightView Weights;
    public int* Taps, TailTaps, WeightIndex;
    public int TileWidth, Tiles, TilesPerTask, Chunks;
    public bool Narrow;
    public float* Scratch;
    public long PerWorker;

    public void Execute(int task, int worker)
    {
        int n = task / Chunks, chunk = task % Chunks;
        // A band's scratch is given (RunBand); a job's is each thread's own.
        float* tile = PerWorker == 0 ? Scratch : Workspace.Current.Get<float>(ScratchSlot.ThreadTile, PerWorker);
        float* tail = tile + CorrelationTiles.Channels * TileWidth;
        float* input = Input + n * InC * InPlane;
        int tileEnd = Math.Min(Tiles, (chunk + 1) * TilesPerTask);
        // Stored from registers: the plane is one row of the grid, and a last, partial tile overlaps the one before.
        bool placed = Path == VectorPath.Vector512 && Plane >= TileWidth;
        VectorPlacement* placements = stackalloc VectorPlacement[CorrelationStore.MaxVectors];
        for (int ti = chunk * TilesPerTask; ti < tileEnd; ti++)
        {
            int q0 = ti * TileWidth, valid = Math.Min(TileWidth, Plane - q0);
            if (placed)
            {
                int start = Math.Min(q0, Plane - TileWidth);
                CorrelationStore.Place(placements, TileWidth / 16, start, q0, q0 + valid, Plane, Plane);
                if (Sse.IsSupported && ti + 1 < tileEnd && q0 + 2 * TileWidth <= Plane) Prefetch(input + q0 + TileWidth);
                for (int o0 = 0; o0 < OutC; o0 += CorrelationTiles.Channels) RunPlaced(input + start, placements, n, o0);
                continue;
            }
            float* source = input + q0;
            int* taps = Taps;
            if (valid < TileWidth)
            {
                for (int i = 0; i < InC; i++)
                {
                    float* row = tail + (long)i * TileWidth;
                    new ReadOnlySpan<float>(input + i * InPlane + q0, valid).CopyTo(new Span<float>(row, valid));
                    Packing.Clear(row + valid, TileWidth - valid);
                }
                source = tail;
                taps = TailTaps;
            }
            if (Path != VectorPath.Scalar && Sse.IsSupported && ti + 1 < tileEnd && q0 + 2 * TileWidth <= Plane)
                Prefetch(source + TileWidth);
            for (int o0 = 0; o0 < OutC; o0 += CorrelationTiles.Channels)
            {
                CorrelationTiles.Run(Path, source, taps, WeightIndex, InC, Row(o0), Row(o0 + 1), Row(o0 + 2), Row(o0 + 3), tile);
                int channels = Math.Min(CorrelationTiles.Channels, OutC - o0);
                for (int j = 0; j < channels; j++)
                {
                    int o = o0 + j;
                    long at = ((long)n * OutC + o) * OutPlane + q0;
                    Simd.AddTo(tile + j * TileWidth, Bias != null ? Bias[o] : 0f, Output + at, valid, Path, Relu);
                    if (Gate != null) ReLUJob.Select(Gate + at, Output + at, Output + at, valid, Path);
                }
            }
        }
    }

    // A tile reads one short run from each of many planes far apart, more streams than the hardware prefetcher follows:
    // asking for the next tile's runs while this one computes took the 64→11 classifier at 360×480 from 10.3 to 7.3 ms.
    private readonly void Prefetch(float* next)
    {
        for (int i = 0; i < InC; i++)
            for (int c = 0; c < TileWidth; c += 16) Sse.Prefetch0(next + i * InPlane + c);
    }

    private readonly void RunPlaced(float* input, VectorPlacement* placements, int n, int o0)
    {
        var sink = new PlacedSink
        {
            Output0 = Plane0(n, o0), Output1 = Plane0(n, o0 + 1), Output2 = Plane0(n, o0 + 2), Output3 = Plane0(n, o0 + 3),
            Bias0 = BiasOf(o0), Bias1 = BiasOf(o0 + 1), Bias2 = BiasOf(o0 + 2), Bias3 = BiasOf(o0 + 3),
            Placements = placements, Channels = Math.Min(CorrelationTiles.Channels, OutC - o0), Relu = Relu,
            Gated = Gate != null, GateShift = Gate - Output,
        };
        int* weights = WeightIndex;
        if (!Narrow)
            CorrelationTiles.Tile512(input, Taps, weights, InC, Row(o0), Row(o0 + 1), Row(o0 + 2), Row(o0 + 3), ref sink);
        else if (OutC == 1)
            CorrelationTiles.Single512(input, Taps, weights, InC, Row(o0), ref sink);
        else
            CorrelationTiles.Pair512(input, Taps, weights, InC, Row(o0), Row(o0 + 1), ref sink);
    }

    // Output plane of channel o of sample n; channels past the last one are never stored to.
    private readonly float* Plane0(int n, int o) => Output + ((long)n * OutC + Math.Min(o, OutC - 1)) * OutPlane;

    private readonly float BiasOf(int o) => Bias != null && o < OutC ? Bias[o] : 0f;

    // Channels past the last one reuse its row; their results are not stored.
    private readonly float* Row(int o) => Weights.Data + (long)Math.Min(o, OutC - 1) * Weights.OutStride;
}

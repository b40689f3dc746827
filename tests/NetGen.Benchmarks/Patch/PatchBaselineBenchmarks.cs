// The lecture's naive segmentation (one patch classification per pixel) against one pass of the tiny hourglass over the
// whole image, both producing a class per pixel with NetGen's kernels on 2 threads. The ratio column is the point.
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Running;
using NetGen.Model;

namespace NetGen.Benchmarks.Patch;

[Config(typeof(BenchmarkConfig))]
public class PatchBaselineBenchmarks : IFlopCount
{
    private ISegmentationNetwork _hourglass = null!;
    private PatchClassifier _patches = null!;
    private float[] _image = [];
    private int[] _classes = [];

    [Params(64, 256)]
    public int Size { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        string name = Size == 64 ? "Tiny64" : "Tiny256";
        _hourglass = BenchmarkNetworks.CreateNetGen(name, maxBatch: 1);
        _image = BenchmarkNetworks.Input(_hourglass.Info);
        _classes = new int[Size * Size];
        _patches = new PatchClassifier();
    }

    [Benchmark(Baseline = true)]
    public void WholeImageHourglass() => _hourglass.Predict(_image, 1, _classes);

    [Benchmark]
    public void PatchPerPixel() => _patches.Segment(_image, Size, Size, _classes);

    public double Flops(BenchmarkCase benchmarkCase)
    {
        int size = (int)benchmarkCase.Parameters[nameof(Size)]!;
        var info = BenchmarkNetworks.Get(size == 64 ? "Tiny64" : "Tiny256");
        return benchmarkCase.Descriptor.WorkloadMethod.Name == nameof(PatchPerPixel)
            ? (double)PatchClassifier.FlopsPerPatch * size * size
            : info.ForwardFlopsPerSample;
    }
}

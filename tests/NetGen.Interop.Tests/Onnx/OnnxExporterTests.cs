// The exporter's file handling: a model written to disk loads in ONNX Runtime, and a failed export leaves an existing
// file as it was (the model is written beside the target and moved over it only when complete).
using NetGen.Interop.Tests.Networks;
using NetGen.Model;
using NetGen.Onnx;

namespace NetGen.Interop.Tests.Onnx;

public sealed class OnnxExporterTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("netgen-onnx-").FullName;

    [Fact]
    public void Export_ToFile_WritesTheSameModelAndNoTemporaryFile()
    {
        var info = TestNetworks.AllKinds();
        var parameters = StandardNetworks.Parameters(info, seed: 81);
        string path = Path.Combine(_folder, "all-kinds.onnx");
        File.WriteAllText(path, "an older model");

        OnnxExporter.Export(info, parameters, path);

        Assert.Equal(OnnxExporter.Export(info, parameters), File.ReadAllBytes(path));
        Assert.Equal([path], Directory.GetFiles(_folder));
        using var ort = new OnnxRuntimeNetwork(File.ReadAllBytes(path), info, batch: 1);
        ort.Run();
        Assert.All(ort.Output, v => Assert.True(float.IsFinite(v)));
    }

    [Fact]
    public void Export_WithMismatchedParameters_ThrowsAndKeepsTheExistingFile()
    {
        var info = TestNetworks.AllKinds();
        var other = StandardNetworks.Parameters(TestNetworks.OddSizes(), seed: 82);
        string path = Path.Combine(_folder, "kept.onnx");
        File.WriteAllText(path, "an older model");

        Assert.Throws<ArgumentException>(() => OnnxExporter.Export(info, other, path));

        Assert.Equal("an older model", File.ReadAllText(path));
        Assert.Equal([path], Directory.GetFiles(_folder));
    }

    [Fact]
    public void Export_IntoMissingFolder_ThrowsAndLeavesNothing()
    {
        var info = TestNetworks.AllKinds();
        var parameters = StandardNetworks.Parameters(info, seed: 83);
        string path = Path.Combine(_folder, "missing", "model.onnx");

        Assert.Throws<DirectoryNotFoundException>(() => OnnxExporter.Export(info, parameters, path));

        Assert.Empty(Directory.GetFileSystemEntries(_folder));
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);
}

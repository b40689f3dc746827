// Shape inference, pairing, naming, parameters and FLOPs on hand-built specs: the pure half of the generator.
using NetGen.Generator.Model;
using NetGen.Generator.Validation;

namespace NetGen.Generator.Tests;

public sealed class ValidatorTests
{
    /// <summary>SegNet-Basic on CamVid: 4 × (conv7×7 p3 64 + BN + ReLU + pool2), mirrored by unpool + deconv + BN + ReLU.</summary>
    private static NetworkSpec SegNetBasic()
    {
        var b = new SpecBuilder(3, 360, 480, 11);
        for (int i = 0; i < 4; i++) b.Conv2d(64, 7, padding: 3).BatchNorm2d().ReLU().MaxPool2d(2);
        for (int i = 0; i < 4; i++) b.MaxUnpool2d().ConvTranspose2d(64, 7, padding: 3).BatchNorm2d().ReLU();
        return b.Classifier().Build();
    }

    [Fact]
    public void SegNet_basic_shapes_follow_the_mirror_including_the_odd_45_to_22_to_45_level()
    {
        var model = Valid(SegNetBasic());
        var byName = model.Layers.ToDictionary(l => l.Name);

        Assert.Equal(new Shape(64, 360, 480), byName["conv1"].Output);
        Assert.Equal(new Shape(64, 180, 240), byName["pool1"].Output);
        Assert.Equal(new Shape(64, 90, 120), byName["pool2"].Output);
        Assert.Equal(new Shape(64, 45, 60), byName["pool3"].Output);
        Assert.Equal(new Shape(64, 22, 30), byName["pool4"].Output);
        Assert.Equal(new Shape(64, 22, 30), byName["unpool4"].Input);
        Assert.Equal(new Shape(64, 45, 60), byName["unpool4"].Output);
        Assert.Equal(new Shape(64, 45, 60), byName["deconv4"].Output);
        Assert.Equal(new Shape(64, 90, 120), byName["unpool3"].Output);
        Assert.Equal(new Shape(64, 360, 480), byName["deconv1"].Output);
        Assert.Equal(new Shape(11, 360, 480), model.Output);
    }

    [Fact]
    public void SegNet_basic_layers_are_named_and_paired_by_mirror_position()
    {
        var model = Valid(SegNetBasic());
        string[] expected =
        [
            "conv1", "bn1", "relu1", "pool1", "conv2", "bn2", "relu2", "pool2",
            "conv3", "bn3", "relu3", "pool3", "conv4", "bn4", "relu4", "pool4",
            "unpool4", "deconv4", "bn5", "relu5", "unpool3", "deconv3", "bn6", "relu6",
            "unpool2", "deconv2", "bn7", "relu7", "unpool1", "deconv1", "bn8", "relu8", "classifier",
        ];
        Assert.Equal(expected, model.Layers.Select(l => l.Name));

        var byName = model.Layers.ToDictionary(l => l.Name);
        Assert.Equal(byName["deconv4"].Index, byName["conv4"].Partner);
        Assert.Equal(byName["conv4"].Index, byName["deconv4"].Partner);
        Assert.Equal(byName["pool1"].Index, byName["unpool1"].Partner);
        Assert.Equal((2, 2), (byName["unpool4"].Kernel, byName["unpool4"].Stride));
        Assert.Equal((7, 1, 3, 0), (byName["deconv2"].Kernel, byName["deconv2"].Stride, byName["deconv2"].Padding, byName["deconv2"].OutputPadding));
        Assert.Equal(-1, byName["relu3"].Partner);
    }

    [Fact]
    public void SegNet_basic_parameters_use_torch_names_and_layouts()
    {
        var model = Valid(SegNetBasic());
        var byName = model.Parameters.ToDictionary(p => p.Name);

        Assert.Equal([64, 3, 7, 7], byName["conv1.weight"].Shape);
        Assert.Equal([64], byName["conv1.bias"].Shape);
        Assert.Equal([64, 64, 7, 7], byName["deconv1.weight"].Shape);
        Assert.Equal([11, 64, 1, 1], byName["classifier.weight"].Shape);
        Assert.False(byName["bn8.running_var"].Trainable);
        Assert.True(byName["bn8.weight"].Trainable);
        Assert.Equal(["conv1.weight", "conv1.bias", "bn1.weight", "bn1.bias", "bn1.running_mean", "bn1.running_var"],
            model.Parameters.Take(6).Select(p => p.Name));

        // 4 convs + 4 deconvs of 64·Cin·49 weights and 64 biases, 8 BNs of 2·64, a 1×1 classifier 11·64 + 11.
        long expected = (64 * 3 * 49 + 64) + 3 * (64 * 64 * 49 + 64) + 4 * (64 * 64 * 49 + 64) + 8 * 2 * 64 + (11 * 64 + 11);
        Assert.Equal(expected, model.ParameterCount);
    }

    [Fact]
    public void Flops_count_two_per_multiply_accumulate_for_convolutions_and_one_per_element_elsewhere()
    {
        var model = Valid(SegNetBasic());
        var byName = model.Layers.ToDictionary(l => l.Name);

        Assert.Equal(2L * 3 * 64 * 49 * 360 * 480, byName["conv1"].Flops);
        Assert.Equal(2L * 64 * 64 * 49 * 45 * 60, byName["deconv4"].Flops); // input pixels of the deconv: 45×60
        Assert.Equal(2L * 64 * 11 * 360 * 480, byName["classifier"].Flops);
        Assert.Equal(64L * 360 * 480, byName["relu1"].Flops);
        Assert.Equal(model.Layers.Sum(l => l.Flops), model.ForwardFlops);
    }

    [Fact]
    public void Stride_two_deconv_restores_an_even_size_with_output_padding_one()
    {
        var model = Valid(new SpecBuilder(3, 64, 64, 2)
            .Conv2d(16, 3, stride: 2, padding: 1)
            .ConvTranspose2d(16, 3, stride: 2, padding: 1)
            .Classifier()
            .Build());

        Assert.Equal(new Shape(16, 32, 32), model.Layers[0].Output);
        Assert.Equal(new Shape(16, 64, 64), model.Layers[1].Output);
        Assert.Equal((1, 1), (model.Layers[1].OutputPadding, model.Layers[1].OutputPaddingW));
    }

    [Fact]
    public void Output_padding_is_per_axis_when_height_and_width_have_different_remainders()
    {
        // 45 → 23 → 45 needs no padding; 60 → 30 → 59 + 1 needs one column.
        var model = Valid(new SpecBuilder(3, 45, 60, 2)
            .Conv2d(8, 3, stride: 2, padding: 1)
            .ConvTranspose2d(8, 3, stride: 2, padding: 1)
            .Classifier()
            .Build());

        Assert.Equal(new Shape(8, 23, 30), model.Layers[0].Output);
        Assert.Equal(new Shape(8, 45, 60), model.Layers[1].Output);
        Assert.Equal((0, 1), (model.Layers[1].OutputPadding, model.Layers[1].OutputPaddingW));
    }

    [Fact]
    public void Pool_stride_defaults_to_the_kernel_and_an_explicit_stride_is_kept()
    {
        var model = Valid(new SpecBuilder(1, 10, 10, 2)
            .MaxPool2d(3)
            .MaxPool2d(2, stride: 1)
            .MaxUnpool2d()
            .MaxUnpool2d()
            .Classifier()
            .Build());

        Assert.Equal((3, 3, new Shape(1, 3, 3)), (model.Layers[0].Kernel, model.Layers[0].Stride, model.Layers[0].Output));
        Assert.Equal((2, 1, new Shape(1, 2, 2)), (model.Layers[1].Kernel, model.Layers[1].Stride, model.Layers[1].Output));
        Assert.Equal(new Shape(1, 3, 3), model.Layers[2].Output);
        Assert.Equal(new Shape(1, 10, 10), model.Layers[3].Output);
    }

    [Fact]
    public void Unet_concat_appends_the_skip_channels()
    {
        var model = Valid(new SpecBuilder(3, 64, 64, 5)
            .Conv2d(16, 3, padding: 1).ReLU().Skip("e1").MaxPool2d(2)
            .Conv2d(32, 3, padding: 1).ReLU().Skip("e2").MaxPool2d(2)
            .Conv2d(64, 3, padding: 1).ReLU()
            .ConvTranspose2d(32, 3, padding: 1).MaxUnpool2d().Concat("e2")
            .ConvTranspose2d(16, 3, padding: 1).MaxUnpool2d().Concat("e1")
            .ConvTranspose2d(16, 3, padding: 1)
            .Classifier()
            .Build());
        var byName = model.Layers.ToDictionary(l => l.Name);

        Assert.Equal(new Shape(64, 32, 32), byName["concat_e2"].Output); // 32 decoder + 32 skip
        Assert.Equal(new Shape(32, 64, 64), byName["concat_e1"].Output); // 16 decoder + 16 skip
        Assert.Equal(byName["skip_e1"].Index, byName["concat_e1"].SkipSource);
        Assert.Equal("e2", byName["concat_e2"].SkipName);
        Assert.Equal([64, 16, 3, 3], model.Parameters.Single(p => p.Name == "deconv2.weight").Shape);
        Assert.Equal([32, 16, 3, 3], model.Parameters.Single(p => p.Name == "deconv1.weight").Shape);
        Assert.Equal(new Shape(5, 64, 64), model.Output);
    }

    [Fact]
    public void Classifier_padding_keeps_the_size_and_batch_norm_keeps_its_arguments()
    {
        var model = Valid(new SpecBuilder(3, 8, 8, 2).BatchNorm2d(1e-3, 0.2).Classifier(5).Build());

        Assert.Equal((1e-3, 0.2), (model.Layers[0].Epsilon, model.Layers[0].Momentum));
        Assert.Equal((5, 1, 2), (model.Layers[1].Kernel, model.Layers[1].Stride, model.Layers[1].Padding));
        Assert.Equal(new Shape(2, 8, 8), model.Output);
    }

    [Fact]
    public void Valid_spec_has_no_diagnostics_and_keeps_the_declaration()
    {
        var result = NetworkValidator.Validate(SegNetBasic());
        Assert.Empty(result.Diagnostics);
        Assert.Equal(("Demo", "Net", "public"), (result.Model!.Namespace, result.Model.ClassName, result.Model.Accessibility));
        Assert.Equal(new Shape(3, 360, 480), result.Model.Input);
        Assert.Equal(11, result.Model.Classes);
    }

    [Theory]
    [InlineData("Classes", "NG0005")]
    [InlineData("Width", "NG0004")]
    public void Missing_network_argument_is_reported_once(string argument, string id)
        => Assert.Equal([id], Ids(new SpecBuilder(3, 8, 8, 2).Classifier().Without(argument).Build()));

    [Fact]
    public void Not_partial_and_nested_are_both_reported_and_block_the_model()
    {
        var spec = new SpecBuilder(3, 8, 8, 2).Classifier().Build() with { IsPartial = false, IsNested = true };
        Assert.Equal(["NG0001", "NG0002"], Ids(spec));
    }

    [Fact]
    public void More_deconvs_than_convs_leaves_the_first_deconvs_unpaired()
    {
        var result = NetworkValidator.Validate(new SpecBuilder(3, 8, 8, 2)
            .Conv2d(4, 3, padding: 1).ConvTranspose2d(4, 3, padding: 1).ConvTranspose2d(4, 3, padding: 1).Classifier().Build());
        var diagnostic = Assert.Single(result.Diagnostics);
        Assert.Equal(("NG0008", "layer 2 (ConvTranspose2d)"), (diagnostic.Id, diagnostic.Arguments[0]));
    }

    [Fact]
    public void Shrinking_below_one_pixel_stops_inference_at_that_layer()
    {
        var spec = new SpecBuilder(1, 3, 3, 2).MaxPool2d(2).MaxPool2d(2).MaxUnpool2d().MaxUnpool2d().Classifier().Build();
        var diagnostic = Assert.Single(NetworkValidator.Validate(spec).Diagnostics);
        Assert.Equal(("NG0012", "pool2", "1×1", "0×0"), (diagnostic.Id, diagnostic.Arguments[0], diagnostic.Arguments[1], diagnostic.Arguments[2]));
    }

    [Fact]
    public void Invalid_arguments_skip_shape_inference_so_only_the_cause_is_reported()
    {
        var spec = new SpecBuilder(3, 8, 8, 2).Conv2d(4, 0).ConvTranspose2d(4, 5).Classifier().Build();
        Assert.Equal(["NG0006"], Ids(spec));
    }

    private static NetworkModel Valid(NetworkSpec spec)
    {
        var result = NetworkValidator.Validate(spec);
        Assert.Empty(result.Diagnostics);
        return Assert.IsType<NetworkModel>(result.Model);
    }

    private static IEnumerable<string> Ids(NetworkSpec spec) => NetworkValidator.Validate(spec).Diagnostics.Select(d => d.Id);
}

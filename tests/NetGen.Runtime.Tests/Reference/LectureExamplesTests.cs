// The lecture's worked examples, recomputed with the reference ops: a deconvolution by hand, a 2×2 max pool and its
// unpooling, and gradient descent through a max.
using NetGen.Model;
using NetGen.Reference;

namespace NetGen.Runtime.Tests.Reference;

public class LectureExamplesTests
{
    // The slide's final grid has a slip in row 3; this is the true result (libtorch's conv_transpose2d agrees).
    [Fact]
    public void Deconvolution_of_the_4x4_image_with_the_cross_filter()
    {
        double[] image =
        [
            1, 1, 1, 1,
            1, 0, 0, 1,
            0, 1, 1, 0,
            0, 0, 0, 0,
        ];
        double[] cross =
        [
            0, 1, 0,
            1, 1, 1,
            0, 1, 0,
        ];
        var g = new ConvGeometry(1, 4, 4, 1, 6, 6, Kernel: 3, Stride: 1, Padding: 0);
        var result = new double[36];

        ConvTranspose2dRef.Forward<double>(image, cross, [0.0], result, 1, g);

        double[] expected =
        [
            0, 1, 1, 1, 1, 0,
            1, 3, 3, 3, 3, 1,
            1, 2, 3, 3, 2, 1,
            0, 2, 2, 2, 2, 0,
            0, 0, 1, 1, 0, 0,
            0, 0, 0, 0, 0, 0,
        ];
        Assert.Equal(expected, result);
    }

    [Fact]
    public void Max_pool_2x2_keeps_each_window_maximum_and_where_it_was()
    {
        double[] image =
        [
            4, 3, 1, 5,
            1, 3, 4, 8,
            4, 5, 4, 3,
            6, 5, 9, 4,
        ];
        var g = new PoolGeometry(1, 4, 4, 2, 2, Kernel: 2, Stride: 2);
        var pooled = new double[4];
        var indices = new int[4];

        MaxPool2dRef.Forward<double>(image, pooled, indices, 1, g);

        Assert.Equal([4, 8, 6, 9], pooled);
        Assert.Equal([0, 1 * 4 + 3, 3 * 4 + 0, 3 * 4 + 2], indices);
    }

    [Fact]
    public void Unpooling_puts_each_value_where_the_symmetric_pool_found_its_maximum()
    {
        var g = new PoolGeometry(1, 4, 4, 2, 2, Kernel: 2, Stride: 2);
        int[] indices = [0, 1 * 4 + 3, 3 * 4 + 0, 3 * 4 + 2];
        var unpooled = new double[16];

        MaxUnpool2dRef.Forward<double>([10, 20, 30, 40], indices, unpooled, 1, g);

        double[] expected =
        [
            10, 0, 0, 0,
            0, 0, 0, 20,
            0, 0, 0, 0,
            30, 0, 40, 0,
        ];
        Assert.Equal(expected, unpooled);
    }

    // f(w1, w2, w3) = w1 if w1 = max(w1, w2, w3), else 0. The max is a 2×2 MaxPool over [w1, w2, w3, −∞]; its backward
    // routes ∂f/∂max = 1 to the argmax, so ∂f/∂w1 is 1 exactly when w1 is the (first) maximum, and ∂f/∂w2 = ∂f/∂w3 = 0.
    private static (double F, double[] Gradient) MaxOfW1(double[] w)
    {
        var g = new PoolGeometry(1, 2, 2, 1, 1, Kernel: 2, Stride: 2);
        var max = new double[1];
        var argmax = new int[1];
        MaxPool2dRef.Forward<double>([w[0], w[1], w[2], double.NegativeInfinity], max, argmax, 1, g);
        var routed = new double[4];
        MaxPool2dRef.Backward<double>([1.0], argmax, routed, 1, g);
        return (argmax[0] == 0 ? max[0] : 0, [routed[0], 0, 0]);
    }

    private static double[] DescentStep(double[] w, double step)
    {
        var (_, gradient) = MaxOfW1(w);
        return [w[0] - step * gradient[0], w[1] - step * gradient[1], w[2] - step * gradient[2]];
    }

    // The slide continues from (1, 1.05, 1) to (0.9, 1.05, 1), but at (1, 1.05, 1) w2 is already the maximum:
    // f and its gradient are 0 there, so descent stops one step earlier than the slide says.
    [Fact]
    public void Gradient_descent_through_a_max_from_the_lecture_start_stops_once_w1_is_not_the_max()
    {
        double[] w = [1.1, 1.05, 1];
        Assert.Equal(1.1, MaxOfW1(w).F);

        w = DescentStep(w, 0.1);
        Assert.Equal(1.0, w[0], 12);
        Assert.Equal([1.05, 1], w[1..]);

        var (f, gradient) = MaxOfW1(w);
        Assert.Equal(0.0, f);
        Assert.Equal([0.0, 0, 0], gradient);
        Assert.Equal(w, DescentStep(w, 0.1));
    }

    // The slide's three-point story, on exact binary values: the middle point is a tie between w1 and w3, where the
    // first maximum wins, so w1 still gets the gradient; the third point is where f and its gradient vanish.
    [Fact]
    public void Gradient_descent_through_a_max_takes_two_steps_then_stops()
    {
        double[] w = [1.5, 0.75, 1.25];

        w = DescentStep(w, 0.25);
        Assert.Equal([1.25, 0.75, 1.25], w);
        Assert.Equal(1.25, MaxOfW1(w).F);

        w = DescentStep(w, 0.25);
        Assert.Equal([1.0, 0.75, 1.25], w);
        Assert.Equal(0.0, MaxOfW1(w).F);

        Assert.Equal(w, DescentStep(w, 0.25));
    }
}

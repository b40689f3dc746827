// Proves libtorch loads on this machine (tests/setup.sh patches it for Debian 12's libstdc++) before the op comparisons run,
// and says what to do when it does not.
using static TorchSharp.torch;

namespace NetGen.Interop.Tests.Torch;

public sealed class TorchSmokeTests
{
    [Fact]
    public void OnesSum_IsTwo()
    {
        float sum;
        try
        {
            using var total = ones(2).sum();
            sum = total.item<float>();
        }
        catch (Exception e) when (e is DllNotFoundException or TypeInitializationException or NotSupportedException)
        {
            Assert.Fail($"libtorch did not load ({e.GetBaseException().Message}). Run `bash tests/setup.sh`, then rebuild.");
            return;
        }
        Assert.Equal(2f, sum);
    }
}

// JitListing on a hand-written listing: loops found (nested, and overlapping the way the JIT lays blocks out), their
// multiply-adds counted, and frame accesses told apart (a vector spill from an integer reload).
namespace NetGen.Runtime.Tests.Codegen;

public class JitListingTests
{
    private const string Listing = """
        ; Assembly listing for method NetGen.Kernels.Sample:Hot(ptr) (FullOpts)
        G_M000_IG01:
               push     rbp
        G_M000_IG02:
               mov      r10, qword ptr [rbp-0x30]
        G_M000_IG03:
               vfmadd231ps zmm0, zmm1, zmm2
               vfmadd231ps zmm3, zmm1, zmmword ptr [rdi]
               vmovups  zmmword ptr [rbp-0x80], zmm4
               vfmadd231ps zmm4, zmm1, zmm2
               movsxd   r11, dword ptr [rbp-0x6C]
               vfmadd231ps zmm5, zmm1, dword ptr [r8+4*r11] {1to16}
               cmp      ebx, ecx
               jl       SHORT G_M000_IG03
        G_M000_IG04:
               dec      r9d
               jne      G_M000_IG02
        G_M000_IG05:
               ret
        ; Assembly listing for method NetGen.Kernels.Sample:Scalar(ptr) (FullOpts)
        G_M001_IG01:
               vmulss   xmm0, xmm1, xmm2
               vaddss   xmm3, xmm3, xmm0
               vmulss   xmm0, xmm1, xmm4
               vaddss   xmm5, xmm5, xmm0
               jmp      G_M001_IG01
        """;

    [Fact]
    public void Finds_innermost_loops_and_tells_spills_from_reloads()
    {
        var loops = JitListing.InnermostLoops(Listing.Replace("\r\n", "\n"), out var methods);
        Assert.Equal(["NetGen.Kernels.Sample:Hot(ptr) (FullOpts)", "NetGen.Kernels.Sample:Scalar(ptr) (FullOpts)"], methods);
        Assert.Equal(2, loops.Count);

        var hot = loops[0];
        Assert.Equal(4, hot.MultiplyAdds);
        Assert.Equal(["vmovups  zmmword ptr [rbp-0x80], zmm4"], hot.VectorSpills);
        Assert.Equal(["movsxd   r11, dword ptr [rbp-0x6C]"], hot.IntegerReloads);

        var scalar = loops[1];
        Assert.Equal(2, scalar.MultiplyAdds);
        Assert.Empty(scalar.StackAccesses);
    }
}

// Stores a tile's results from a row-major grid of padded rows (Cols wide, of which the first OutW columns are outputs)
// into an output plane, adding the bias (and clamping at zero when a ReLU is fused). On the Vector512 path the tiles store
// straight from their registers (PlacedSink, with the bias as the accumulators' start): placements, worked out once per
// tile and shared by its channels, say where each vector of 16 grid positions goes (one plain store, or a masked store
// per output row it touches). The other paths go through a tile in memory and a copy per row segment.
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace NetGen.Kernels;

/// <summary>Where one vector of 16 consecutive grid positions lands in an output plane: lane l goes to Offset + l when
/// Mask selects it, to NextOffset + l when NextMask does (the next output row); Full: all 16 to Offset + l.</summary>
internal struct VectorPlacement
{
    public Vector512<float> Mask, NextMask;
    public int Offset, NextOffset;
    public bool Full, Any, AnyNext;
}

internal static unsafe class CorrelationStore
{
    /// <summary>Vectors in the widest Vector512 tile (the one-channel tile's 192 positions).</summary>
    public const int MaxVectors = 12;

    /// <summary>Fills placements[0..vectors) for the tile whose vector m covers grid positions start + 16m ..: only positions
    /// in [from, to) with column &lt; outW are stored, at r·outW + c. Needs cols ≥ 16, so a vector touches at most two rows.</summary>
    public static void Place(VectorPlacement* placements, int vectors, int start, int from, int to, int cols, int outW)
    {
        var lane = Vector512<int>.Indices;
        int r = start / cols, c = start - r * cols;
        for (int m = 0; m < vectors; m++)
        {
            int q = start + 16 * m;
            int lo = Math.Max(0, from - q), hi = Math.Clamp(to - q, 0, 16);
            ref VectorPlacement p = ref placements[m];
            p.Offset = r * outW + c;
            p.NextOffset = (r + 1) * outW - (cols - c);
            p.Full = lo == 0 && hi == 16 && c + 16 <= outW;
            // Row r takes lanes below cols − c and columns below outW; row r + 1 the lanes from cols − c on.
            int end = Math.Min(hi, Math.Min(cols - c, outW - c));
            int nextLo = Math.Max(lo, cols - c), nextHi = Math.Min(hi, cols - c + outW);
            p.Any = end > lo;
            p.AnyNext = nextHi > nextLo;
            p.Mask = Between(lane, lo, end);
            p.NextMask = Between(lane, nextLo, nextHi);
            c += 16;
            if (c >= cols)
            {
                c -= cols;
                r++;
            }
        }
    }

    private static Vector512<float> Between(Vector512<int> lane, int lo, int hi) =>
        (Vector512.GreaterThanOrEqual(lane, Vector512.Create(lo)) & Vector512.LessThan(lane, Vector512.Create(hi))).AsSingle();

    /// <summary>Stores v where p says.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Put(Vector512<float> v, float* dst, VectorPlacement* p)
    {
        if (p->Full)
        {
            v.Store(dst + p->Offset);
            return;
        }
        if (p->Any) Avx512F.MaskStore(dst + p->Offset, p->Mask, v);
        if (p->AnyNext) Avx512F.MaskStore(dst + p->NextOffset, p->NextMask, v);
    }

    /// <summary>Stores v where p says, zero in the lanes whose gate (dst + gateShift, laid out like dst) is not positive:
    /// a ReLU's backward applied on the way out, by the kernel that computes the ReLU's dy.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void PutGated(Vector512<float> v, float* dst, long gateShift, VectorPlacement* p)
    {
        var zero = Vector512<float>.Zero;
        float* gate = dst + gateShift;
        if (p->Full)
        {
            (v & Vector512.GreaterThan(Vector512.Load(gate + p->Offset), zero)).Store(dst + p->Offset);
            return;
        }
        // The gate is read under the store's own mask, so no lane outside the plane is touched.
        if (p->Any)
            Avx512F.MaskStore(dst + p->Offset, p->Mask, v & Vector512.GreaterThan(Avx512F.MaskLoad(gate + p->Offset, p->Mask, zero), zero));
        if (p->AnyNext)
            Avx512F.MaskStore(dst + p->NextOffset, p->NextMask,
                v & Vector512.GreaterThan(Avx512F.MaskLoad(gate + p->NextOffset, p->NextMask, zero), zero));
    }

    /// <summary>dst[r·outW + c] = src[q] + bias (or max(·, 0)) for every grid position q = r·cols + c in [from, to) with c &lt; outW,
    /// then zero wherever gate (laid out like dst, if not null) is not positive. src is indexed by grid position and
    /// readable over [from, to).</summary>
    public static void Rows(float* src, int from, int to, int cols, int outW, float bias, float* dst, VectorPath path, bool relu,
        float* gate = null)
    {
        int r = from / cols, c = from - r * cols;
        for (int q = from; q < to; r++, c = 0)
        {
            int length = Math.Min(cols - c, to - q);
            int valid = Math.Min(length, outW - c);
            if (valid > 0)
            {
                long at = (long)r * outW + c;
                Simd.AddTo(src + q, bias, dst + at, valid, path, relu);
                if (gate != null) ReLUJob.Select(gate + at, dst + at, dst + at, valid, path);
            }
            q += length;
        }
    }
}

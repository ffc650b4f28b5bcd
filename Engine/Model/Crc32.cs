using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace FastEngine.Model;

/// <summary>
/// CRC-32/IEEE (polynomial 0xEDB88320 reflected, init and xor-out 0xFFFFFFFF) — the checksum Kraken, OKX, Bitget
/// and Bitfinex use for books, and the per-record check of capture files. Slicing-by-8, table built once, no allocation.
/// Check value: CRC32("123456789") = 0xCBF43926.
/// </summary>
/// <remarks>
/// <see cref="Combine"/> gives CRC(A‖B) from CRC(A), CRC(B) and the length of B without reading either text:
/// CRC(A‖B) = CRC(A)·x^(8·|B|) mod P ⊕ CRC(B) (init and xor-out cancel). Books use it to checksum 25–50 cached
/// per-level pieces without rebuilding the text. The multiplication mod P is one carry-less multiply (PCLMULQDQ) plus a
/// 4-byte table reduction where the CPU has it, else a scalar shift. Not SSE4.2 <c>crc32</c>: that is CRC-32C, another polynomial.
/// </remarks>
public static class Crc32
{
    private const uint Polynomial = 0xEDB88320u;
    /// <summary>x^0 in the reflected representation (bit 31 = coefficient of x^0).</summary>
    private const uint One = 0x80000000u;
    private const int ShiftTableSize = 256;

    private static readonly uint[] _table = BuildTable();
    // x^(8n) mod P for n < ShiftTableSize, and x^(8·2^k) mod P for k < 32 (reflected).
    private static readonly uint[] _byteShifts = BuildByteShifts();
    private static readonly uint[] _powerShifts = BuildPowerShifts();

    private static uint[] BuildTable()
    {
        var t = new uint[8 * 256];
        for (uint i = 0; i < 256; i++)
        {
            uint c = i;
            for (int k = 0; k < 8; k++) c = (c & 1) != 0 ? Polynomial ^ (c >> 1) : c >> 1;
            t[i] = c;
        }
        for (int i = 0; i < 256; i++)
            for (int s = 1; s < 8; s++)
                t[s * 256 + i] = (t[(s - 1) * 256 + i] >> 8) ^ t[t[(s - 1) * 256 + i] & 0xff];
        return t;
    }

    private static uint[] BuildByteShifts()
    {
        var s = new uint[ShiftTableSize];
        uint x = One;
        for (int n = 0; n < s.Length; n++)
        {
            s[n] = x;
            x = MultiplyScalar(x, 0x00800000u); // x^8 (reflected: bit 31-8)
        }
        return s;
    }

    private static uint[] BuildPowerShifts()
    {
        var s = new uint[32];
        uint x = 0x00800000u; // x^8
        for (int k = 0; k < s.Length; k++)
        {
            s[k] = x;
            x = MultiplyScalar(x, x);
        }
        return s;
    }

    /// <summary>CRC-32 of <paramref name="data"/>.</summary>
    public static uint Compute(ReadOnlySpan<byte> data) => Append(0, data);

    /// <summary>Continues a CRC-32 (<paramref name="crc"/> = result of a previous call, 0 to start).</summary>
    public static uint Append(uint crc, ReadOnlySpan<byte> data)
    {
        uint c = ~crc;
        var t = _table;
        ref byte p = ref MemoryMarshal.GetReference(data);
        int i = 0, n = data.Length;
        for (; i + 8 <= n; i += 8)
        {
            uint lo = Unsafe.ReadUnaligned<uint>(ref Unsafe.Add(ref p, i)) ^ c;
            uint hi = Unsafe.ReadUnaligned<uint>(ref Unsafe.Add(ref p, i + 4));
            c = t[7 * 256 + (lo & 0xff)] ^ t[6 * 256 + ((lo >> 8) & 0xff)] ^ t[5 * 256 + ((lo >> 16) & 0xff)] ^ t[4 * 256 + (lo >> 24)]
              ^ t[3 * 256 + (hi & 0xff)] ^ t[2 * 256 + ((hi >> 8) & 0xff)] ^ t[1 * 256 + ((hi >> 16) & 0xff)] ^ t[hi >> 24];
        }
        for (; i < n; i++) c = t[(c ^ Unsafe.Add(ref p, i)) & 0xff] ^ (c >> 8);
        return ~c;
    }

    /// <summary>Continues a CRC-32 with one byte.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static uint Append(uint crc, byte value)
    {
        uint c = ~crc;
        c = _table[(c ^ value) & 0xff] ^ (c >> 8);
        return ~c;
    }

    /// <summary>
    /// CRC-32 of A followed by B, from <paramref name="crcA"/> = CRC(A), <paramref name="crcB"/> = CRC(B) and
    /// <paramref name="lengthB"/> = |B| in bytes. Allocation-free, constant time for lengths below 256 on PCLMULQDQ CPUs.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static uint Combine(uint crcA, uint crcB, int lengthB) => ShiftBytes(crcA, lengthB) ^ crcB;

    /// <summary><paramref name="crc"/>·x^(8·<paramref name="bytes"/>) mod P: the effect of <paramref name="bytes"/> more bytes on a CRC.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static uint ShiftBytes(uint crc, int bytes)
    {
        if (Pclmulqdq.IsSupported && (uint)bytes < ShiftTableSize) return MultiplyCarryless(crc, _byteShifts[bytes]);
        return Pclmulqdq.IsSupported && bytes > 0 ? ShiftBytesLong(crc, bytes) : ShiftBytesSlow(crc, bytes);
    }

    /// <summary>Lengths of 256 bytes and more: the low 8 bits from the table, each higher bit one more multiplication.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static uint ShiftBytesLong(uint crc, int bytes)
    {
        crc = MultiplyCarryless(crc, _byteShifts[bytes & (ShiftTableSize - 1)]);
        for (int k = 8; (bytes >> k) != 0; k++)
            if (((bytes >> k) & 1) != 0) crc = MultiplyCarryless(crc, _powerShifts[k]);
        return crc;
    }

    /// <summary>The table/bit-serial form of <see cref="ShiftBytes"/> (no PCLMULQDQ); internal so tests check it on any CPU.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    internal static uint ShiftBytesSlow(uint crc, int bytes)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(bytes);
        if (bytes < 64)
        {
            // n zero bytes through the byte table: each step is a multiplication by x^8 mod P.
            var t = _table;
            for (int i = 0; i < bytes; i++) crc = t[crc & 0xff] ^ (crc >> 8);
            return crc;
        }
        for (int k = 0; bytes != 0; k++, bytes >>= 1)
            if ((bytes & 1) != 0) crc = MultiplyScalar(crc, _powerShifts[k]);
        return crc;
    }

    /// <summary>a·b mod P, both reflected (bit 31 is the coefficient of x^0).</summary>
    public static uint Multiply(uint a, uint b) => Pclmulqdq.IsSupported ? MultiplyCarryless(a, b) : MultiplyScalar(a, b);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static uint MultiplyCarryless(uint a, uint b)
    {
        // The 63-bit carry-less product of two reflected 32-bit values, shifted left once, is the reflected 64-bit product:
        // its low half holds the coefficients of x^63..x^32, its high half those of x^31..x^0. Multiplying the low half by
        // x^32 mod P is what four zero bytes do to a CRC register: the slicing tables 3..0 do it in four lookups.
        ulong product = Pclmulqdq.CarrylessMultiply(Vector128.CreateScalarUnsafe((ulong)a), Vector128.CreateScalarUnsafe((ulong)b), 0x00).ToScalar() << 1;
        uint low = (uint)product;
        ref uint t = ref MemoryMarshal.GetArrayDataReference(_table);
        return (uint)(product >> 32)
            ^ Unsafe.Add(ref t, 3 * 256 + (int)(low & 0xff)) ^ Unsafe.Add(ref t, 2 * 256 + (int)((low >> 8) & 0xff))
            ^ Unsafe.Add(ref t, 256 + (int)((low >> 16) & 0xff)) ^ Unsafe.Add(ref t, (int)(low >> 24));
    }

    /// <summary>Bit-serial a·b mod P: the definition, used to build the tables and where PCLMULQDQ is absent.</summary>
    internal static uint MultiplyScalar(uint a, uint b)
    {
        uint product = 0;
        for (int i = 0; i < 32; i++)
        {
            if ((a & (One >> i)) != 0) product ^= b; // coefficient of x^i in a
            b = (b & 1) != 0 ? (b >> 1) ^ Polynomial : b >> 1; // b·x mod P
        }
        return product;
    }
}

using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace FastEngine.Adapters.Transport;

/// <summary>RFC 6455 §5.3 masking: <c>out[i] = in[i] XOR key[i mod 4]</c>, vectorized with Vector256 or Vector128
/// (no AVX-512 assumed). Stateless and thread-safe; allocates nothing.</summary>
public static class WebSocketMask
{
    /// <summary>Copies <paramref name="source"/> into <paramref name="destination"/> XOR-ed with the mask.</summary>
    /// <param name="maskKey">The 4 key bytes in wire order, read as a little-endian uint
    /// (<c>BinaryPrimitives.ReadUInt32LittleEndian(keyBytes)</c>).</param>
    /// <param name="maskOffset">Index of <paramref name="source"/>[0] within the frame payload (mod 4 matters),
    /// for payloads masked in chunks.</param>
    public static void MaskCopy(ReadOnlySpan<byte> source, Span<byte> destination, uint maskKey, int maskOffset = 0)
    {
        if (destination.Length < source.Length)
            ThrowDestinationTooShort();
        // Rotate the key so that byte 0 of the source lines up with key[maskOffset % 4].
        int shift = (maskOffset & 3) * 8;
        uint key = shift == 0 ? maskKey : (maskKey >> shift) | (maskKey << (32 - shift));

        ref byte src = ref MemoryMarshal.GetReference(source);
        ref byte dst = ref MemoryMarshal.GetReference(destination);
        nuint length = (nuint)source.Length;
        nuint i = 0;

        if (Vector256.IsHardwareAccelerated && length >= (nuint)Vector256<byte>.Count)
        {
            Vector256<byte> mask = Vector256.Create(key).AsByte();
            nuint last = length - (nuint)Vector256<byte>.Count;
            for (; i <= last; i += (nuint)Vector256<byte>.Count)
                (Vector256.LoadUnsafe(ref src, i) ^ mask).StoreUnsafe(ref dst, i);
        }
        if (Vector128.IsHardwareAccelerated && length - i >= (nuint)Vector128<byte>.Count)
        {
            Vector128<byte> mask = Vector128.Create(key).AsByte();
            nuint last = length - (nuint)Vector128<byte>.Count;
            for (; i <= last; i += (nuint)Vector128<byte>.Count)
                (Vector128.LoadUnsafe(ref src, i) ^ mask).StoreUnsafe(ref dst, i);
        }
        // i is a multiple of 16 here, so the key is still aligned with i.
        for (; i + 4 <= length; i += 4)
            Unsafe.WriteUnaligned(ref Unsafe.Add(ref dst, i), Unsafe.ReadUnaligned<uint>(ref Unsafe.Add(ref src, i)) ^ key);
        for (int k = 0; i < length; i++, k += 8)
            Unsafe.Add(ref dst, i) = (byte)(Unsafe.Add(ref src, i) ^ (byte)(key >> k));
    }

    /// <summary>Masks <paramref name="buffer"/> in place.</summary>
    public static void MaskInPlace(Span<byte> buffer, uint maskKey, int maskOffset = 0) =>
        MaskCopy(buffer, buffer, maskKey, maskOffset);

    /// <summary>Reads the 4 key bytes in wire order as the uint <see cref="MaskCopy"/> expects.</summary>
    public static uint ReadKey(ReadOnlySpan<byte> keyBytes) => BinaryPrimitives.ReadUInt32LittleEndian(keyBytes);

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void ThrowDestinationTooShort() =>
        throw new ArgumentException("Destination is shorter than source.", "destination");
}

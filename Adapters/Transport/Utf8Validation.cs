using System.Buffers;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Unicode;

namespace FastEngine.Adapters.Transport;

/// <summary>UTF-8 validation of text messages (RFC 6455 §8.1) over single- or multi-segment payloads.
/// The single-span case uses the runtime's vectorized <see cref="Utf8.IsValid(ReadOnlySpan{byte})"/>; the
/// multi-segment case carries an incomplete code point (at most 3 bytes) across segment boundaries so no byte
/// is scanned twice. Allocates nothing.</summary>
public static class Utf8Validation
{
    public static bool IsValid(in ReadOnlySequence<byte> payload) =>
        payload.IsSingleSegment ? Utf8.IsValid(payload.FirstSpan) : IsValidSlow(payload);

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static bool IsValidSlow(in ReadOnlySequence<byte> payload)
    {
        Span<byte> carry = stackalloc byte[4];
        int carryLength = 0;
        foreach (ReadOnlyMemory<byte> memory in payload)
        {
            ReadOnlySpan<byte> span = memory.Span;
            // Complete the code point left open by the previous segment, one byte at a time (it may need
            // bytes from several following one-byte segments).
            while (carryLength > 0 && !span.IsEmpty)
            {
                carry[carryLength++] = span[0];
                span = span[1..];
                OperationStatus status = Rune.DecodeFromUtf8(carry[..carryLength], out _, out int consumed);
                if (status == OperationStatus.Done && consumed == carryLength)
                    carryLength = 0;
                else if (status != OperationStatus.NeedMoreData || carryLength == 4)
                    return false;
            }
            if (span.IsEmpty)
                continue;

            int cut = IncompleteTailStart(span);
            if (!Utf8.IsValid(span[..cut]))
                return false;
            span[cut..].CopyTo(carry);
            carryLength = span.Length - cut;
        }
        return carryLength == 0;
    }

    /// <summary>Index where a trailing code point that needs more bytes starts, or the span length.</summary>
    private static int IncompleteTailStart(ReadOnlySpan<byte> span)
    {
        for (int back = 1; back <= 3 && back <= span.Length; back++)
        {
            byte b = span[^back];
            if ((b & 0xC0) == 0x80)
                continue; // continuation byte: keep looking for the lead byte
            int needed = b < 0x80 ? 1 : (b & 0xE0) == 0xC0 ? 2 : (b & 0xF0) == 0xE0 ? 3 : (b & 0xF8) == 0xF0 ? 4 : 1;
            return needed > back ? span.Length - back : span.Length;
        }
        return span.Length;
    }
}

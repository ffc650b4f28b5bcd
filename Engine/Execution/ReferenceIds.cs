using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Text;
using FastEngine.Model;

namespace FastEngine.Execution;

/// <summary>
/// Idempotency keys: <see cref="ReferenceId"/> = SHA-256 of the UTF-8 text <c>venue:key</c>, where <c>venue</c> is the
/// venue's registered name (<see cref="VenueNames"/>, e.g. <c>binance</c>) and <c>key</c> is the client order id
/// (orders) or the decimal position id (settlements). The text is built in a stack buffer and hashed with our managed
/// <see cref="Execution.Sha256"/> (FIPS 180-4; the same digest as <see cref="SHA256.HashData(ReadOnlySpan{byte}, Span{byte})"/>,
/// which costs 20–30 µs cold through OpenSSL on the intent path): no allocation. Thread-safe (pure functions).
/// </summary>
public static class ReferenceIds
{
    /// <summary>Longest <c>venue:key</c> text accepted (venue names are short; keys are at most 32 bytes).</summary>
    public const int MaxTextLength = 128;

    /// <summary>
    /// Cold: computes one order reference id for every registered venue and discards them, so whatever the first call
    /// initialises once per process (the UTF-8 encoder of the venue prefix, type initialisers) is done before the hot
    /// path needs it. A replay without intents would otherwise take that one-off allocation on its first keep-warm dry
    /// run, after warm-up. Called by the journal when it opens.
    /// </summary>
    public static void WarmUp()
    {
        foreach (var (venue, _) in VenueNames.All())
            TryForOrder(venue, ClientOrderId.FromInt64(1), out _);
        _ = Sha256("warm-up"u8);
    }

    /// <summary>SHA-256 of <paramref name="utf8"/> (FIPS 180-4).</summary>
    public static ReferenceId Sha256(ReadOnlySpan<byte> utf8)
    {
        var id = default(ReferenceId);
        Execution.Sha256.HashData(utf8, id.AsWritableSpan());
        return id;
    }

    /// <summary>Reference id of an order: SHA-256 of <c>venueName:clientOrderId</c>. False when the venue is none or
    /// the id is empty.</summary>
    // Runs once per intent: too rarely for tiered compilation to promote it during a session, so compile it optimized at once.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static bool TryForOrder(VenueId venue, in ClientOrderId clientOrderId, out ReferenceId id)
    {
        id = default;
        if (venue.IsNone || clientOrderId.IsEmpty) return false;
        Span<byte> text = stackalloc byte[MaxTextLength];
        int n = WriteVenuePrefix(venue, text);
        if (n < 0) return false;
        var key = clientOrderId.AsSpan();
        if (n + key.Length > text.Length) return false;
        key.CopyTo(text[n..]);
        id = Sha256(text[..(n + key.Length)]);
        return true;
    }

    /// <summary>Reference id of an order; throws when the venue is none or the id is empty (cold callers).</summary>
    public static ReferenceId ForOrder(VenueId venue, in ClientOrderId clientOrderId) =>
        TryForOrder(venue, clientOrderId, out var id) ? id : throw new ArgumentException("an order reference id needs a venue and a non-empty client order id");

    /// <summary>Reference id of a closed position: SHA-256 of <c>venueName:positionId</c> (decimal, invariant).</summary>
    public static bool TryForPosition(VenueId venue, long positionId, out ReferenceId id)
    {
        id = default;
        if (venue.IsNone) return false;
        Span<byte> text = stackalloc byte[MaxTextLength];
        int n = WriteVenuePrefix(venue, text);
        if (n < 0) return false;
        if (!positionId.TryFormat(text[n..], out int written, default, System.Globalization.CultureInfo.InvariantCulture)) return false;
        id = Sha256(text[..(n + written)]);
        return true;
    }

    /// <summary>Writes <c>name:</c>; -1 when it does not fit.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int WriteVenuePrefix(VenueId venue, Span<byte> text)
    {
        // NameOf returns the registered string instance: no allocation for a registered venue.
        string name = VenueNames.NameOf(venue);
        if (name.Length >= text.Length / 2) return -1; // UTF-8 of a name this long might not fit with a key
        if (!Encoding.UTF8.TryGetBytes(name, text, out int n)) return -1;
        text[n] = (byte)':';
        return n + 1;
    }
}

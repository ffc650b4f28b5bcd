using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using FastEngine.Model;

namespace FastEngine.Execution;

/// <summary>Direction of an order. Buy = 1 and Sell = 2 have the values of <see cref="Side.Bid"/> and <see cref="Side.Ask"/>
/// (a buy order is a bid; it takes from the asks).</summary>
public enum OrderSide : byte
{
    None = 0,
    Buy = 1,
    Sell = 2,
}

/// <summary>Order type of an <see cref="OrderIntent"/>.</summary>
public enum OrderType : byte
{
    None = 0,
    /// <summary>Limit order: takes liquidity up to the limit price; the paper broker does not rest the remainder (see <see cref="PaperBroker"/>).</summary>
    Limit = 1,
    /// <summary>Market order: takes liquidity at any price until filled or the book runs out.</summary>
    Market = 2,
    /// <summary>Immediate-or-cancel limit order: takes up to the limit price, the remainder is cancelled.</summary>
    Ioc = 3,
    /// <summary>Post-only limit order (Binance <c>LIMIT_MAKER</c>, OKX <c>post_only</c>, Coinbase <c>post_only</c>): rests at its
    /// limit price as a maker, and is rejected when it would take liquidity. The router's maker style sends it.</summary>
    PostOnly = 4,
}

/// <summary>What produced an intent (for attribution and latency reports).</summary>
public enum IntentOrigin : byte
{
    None = 0,
    CrossVenueArbitrage = 1,
    TriangularArbitrage = 2,
    Carry = 3,
    Manual = 4,
}

[InlineArray(32)]
internal struct Bytes32
{
    private byte _element0;
}

/// <summary>
/// A client order id as at most 32 printable ASCII bytes (0x21..0x7E) stored inline, NUL-padded: OKX allows 32
/// characters, Binance 36 (use 32 or fewer), Bybit 36, Coinbase a UUID (36 with dashes: send it without dashes).
/// Blittable, 32 bytes, equality by bytes; no allocation to create from a span or a long.
/// </summary>
[StructLayout(LayoutKind.Sequential, Size = 32)]
public struct ClientOrderId : IEquatable<ClientOrderId>
{
    public const int MaxLength = 32;
    private Bytes32 _bytes;

    /// <summary>Creates an id from ASCII bytes; false when empty, longer than 32 or not printable ASCII.</summary>
    public static bool TryCreate(ReadOnlySpan<byte> ascii, out ClientOrderId id)
    {
        id = default;
        if (ascii.IsEmpty || ascii.Length > MaxLength) return false;
        foreach (byte b in ascii)
            if (b < 0x21 || b > 0x7E) return false;
        ascii.CopyTo(id._bytes);
        return true;
    }

    /// <summary>Creates an id from text (ASCII only); false when empty, too long or not printable ASCII.</summary>
    public static bool TryCreate(ReadOnlySpan<char> text, out ClientOrderId id)
    {
        id = default;
        if (text.IsEmpty || text.Length > MaxLength) return false;
        Span<byte> bytes = id._bytes;
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            if (c < '\x21' || c > '\x7E') { id = default; return false; }
            bytes[i] = (byte)c;
        }
        return true;
    }

    /// <summary>The decimal text of a non-negative sequence number (the engine's own ids).</summary>
    public static ClientOrderId FromInt64(long value)
    {
        if (value < 0) ThrowNegative(value);
        var id = default(ClientOrderId);
        value.TryFormat(id._bytes, out _, default, System.Globalization.CultureInfo.InvariantCulture);
        return id;
    }

    /// <summary>Creates an id from text; throws on invalid text (tests, config: cold path).</summary>
    public static ClientOrderId Parse(string text) =>
        TryCreate(text.AsSpan(), out var id) ? id : throw new ArgumentException($"client order id '{text}' must be 1..32 printable ASCII characters", nameof(text));

    /// <summary>Number of bytes before the NUL padding (0 for the default value).</summary>
    public readonly int Length
    {
        get
        {
            int n = ((ReadOnlySpan<byte>)_bytes).IndexOf((byte)0);
            return n < 0 ? MaxLength : n;
        }
    }

    public readonly bool IsEmpty => _bytes[0] == 0;

    /// <summary>The id's bytes (without padding). The span aliases this value: keep the value alive and unmoved.</summary>
    [UnscopedRef]
    public readonly ReadOnlySpan<byte> AsSpan() => ((ReadOnlySpan<byte>)_bytes)[..Length];

    public readonly bool Equals(ClientOrderId other) => ((ReadOnlySpan<byte>)_bytes).SequenceEqual(other._bytes);
    public override readonly bool Equals(object? obj) => obj is ClientOrderId o && Equals(o);
    public override readonly int GetHashCode()
    {
        var h = new HashCode();
        h.AddBytes(_bytes);
        return h.ToHashCode();
    }

    public static bool operator ==(ClientOrderId a, ClientOrderId b) => a.Equals(b);
    public static bool operator !=(ClientOrderId a, ClientOrderId b) => !a.Equals(b);

    /// <summary>The id as text (cold path: allocates).</summary>
    public override readonly string ToString() => System.Text.Encoding.ASCII.GetString(AsSpan());

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void ThrowNegative(long value) => throw new ArgumentOutOfRangeException(nameof(value), value, "allowed 0..long.MaxValue");
}

/// <summary>
/// A 32-byte SHA-256 digest used as an idempotency key (see <see cref="ReferenceIds"/>). Blittable, inline, equality by
/// bytes; the hash code is the first 4 bytes (a SHA-256 output is uniform, so that is as good as hashing all 32).
/// </summary>
[StructLayout(LayoutKind.Sequential, Size = 32)]
public struct ReferenceId : IEquatable<ReferenceId>
{
    public const int Size = 32;
    private Bytes32 _bytes;

    public static ReferenceId FromBytes(ReadOnlySpan<byte> digest)
    {
        if (digest.Length != Size) ThrowLength(digest.Length);
        var id = default(ReferenceId);
        digest.CopyTo(id._bytes);
        return id;
    }

    /// <summary>All 32 bytes zero: "not computed yet".</summary>
    public readonly bool IsEmpty => ((ReadOnlySpan<byte>)_bytes).IndexOfAnyExcept((byte)0) < 0;

    [UnscopedRef]
    public readonly ReadOnlySpan<byte> AsSpan() => _bytes;

    [UnscopedRef]
    internal Span<byte> AsWritableSpan() => _bytes;

    public readonly bool Equals(ReferenceId other) => ((ReadOnlySpan<byte>)_bytes).SequenceEqual(other._bytes);
    public override readonly bool Equals(object? obj) => obj is ReferenceId o && Equals(o);
    public override readonly int GetHashCode() => MemoryMarshal.Read<int>(_bytes);

    public static bool operator ==(ReferenceId a, ReferenceId b) => a.Equals(b);
    public static bool operator !=(ReferenceId a, ReferenceId b) => !a.Equals(b);

    /// <summary>Lower-case hex (cold path: allocates).</summary>
    public override readonly string ToString() => Convert.ToHexStringLower(_bytes);

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void ThrowLength(int length) => throw new ArgumentException($"a reference id is {Size} bytes, got {length}");
}

/// <summary>
/// An order the engine decided to send: the output of the risk stage, the input of the execution gateway and the record
/// of the <see cref="OrderIntentJournal"/>. Fixed 128-byte blittable layout with no references, so it can live in a
/// pre-allocated ring and be copied between threads as plain bytes. Prices and quantities are mantissas at the
/// instrument's <see cref="Instrument.PriceScale"/>/<see cref="Instrument.QuantityScale"/>.
/// </summary>
/// <remarks>
/// Layout (offsets are tested; the journal encodes fields explicitly little-endian, not this memory image):
/// <code>
///   0 IntentId        8 LimitPrice     16 Quantity      24 CreatedTimeNs   32 TickReceiveTimeNs
///  40 Venue(u16)     42 StrategyId(u16) 44 Instrument(i32) 48 Side 49 OrderType 50 Origin 51..55 reserved
///  56 ClientOrderId (32 bytes)         88 ReferenceId (32 bytes)           120..127 reserved
/// </code>
/// </remarks>
[StructLayout(LayoutKind.Explicit, Size = SizeInBytes)]
public struct OrderIntent
{
    public const int SizeInBytes = 128;

    /// <summary>Engine-unique id of this intent (monotonic per engine run is enough; the journal keys on <see cref="ReferenceId"/>).</summary>
    [FieldOffset(0)] public long IntentId;
    /// <summary>Limit price mantissa (ignored for <see cref="OrderType.Market"/>).</summary>
    [FieldOffset(8)] public long LimitPrice;
    /// <summary>Quantity mantissa, &gt; 0.</summary>
    [FieldOffset(16)] public long Quantity;
    /// <summary>When the intent was created (Unix ns, <see cref="EngineClock"/>).</summary>
    [FieldOffset(24)] public long CreatedTimeNs;
    /// <summary>Receive time (Unix ns) of the market event that triggered the intent: tick-to-intent latency = Created − this.</summary>
    [FieldOffset(32)] public long TickReceiveTimeNs;
    [FieldOffset(40)] public VenueId Venue;
    [FieldOffset(42)] public ushort StrategyId;
    [FieldOffset(44)] public InstrumentId Instrument;
    [FieldOffset(48)] public OrderSide Side;
    [FieldOffset(49)] public OrderType OrderType;
    [FieldOffset(50)] public IntentOrigin Origin;
    [FieldOffset(56)] public ClientOrderId ClientOrderId;
    /// <summary>SHA-256 of <c>venue:clientOrderId</c> (<see cref="ReferenceIds.ForOrder"/>); the journal fills it in when empty.</summary>
    [FieldOffset(88)] public ReferenceId ReferenceId;

    /// <summary>Tick-to-intent latency in ns (0 when the tick time is unknown).</summary>
    public readonly long TickToIntentNs => TickReceiveTimeNs == 0 ? 0 : CreatedTimeNs - TickReceiveTimeNs;
}

using System.Runtime.CompilerServices;

namespace FastEngine.Model;

/// <summary>
/// A price as a fixed-point decimal: <see cref="Mantissa"/> × 10^-<see cref="Scale"/>. The scale is the
/// instrument's (see <see cref="Instrument.PriceScale"/>); hot-path structs such as <see cref="MarketEvent"/> store
/// only the mantissa and take the scale from the instrument. Comparisons require equal scales.
/// </summary>
public readonly struct Price : IEquatable<Price>, IComparable<Price>
{
    public long Mantissa { get; }
    public byte Scale { get; }

    public Price(long mantissa, int scale)
    {
        if ((uint)scale > FixedPoint.MaxScale) throw new ArgumentOutOfRangeException(nameof(scale), scale, $"allowed 0..{FixedPoint.MaxScale}");
        Mantissa = mantissa;
        Scale = (byte)scale;
    }

    /// <summary>Parses UTF-8 digits at <paramref name="scale"/>; see <see cref="FixedPoint.TryParse(ReadOnlySpan{byte}, int, out long, out byte)"/>.</summary>
    public static NumberParseStatus TryParse(ReadOnlySpan<byte> utf8, int scale, out Price price)
    {
        var status = FixedPoint.TryParse(utf8, scale, out long m);
        price = status == NumberParseStatus.Ok ? new Price(m, scale) : default;
        return status;
    }

    public bool TryFormat(Span<byte> utf8, out int written, int decimals = -1) => FixedPoint.TryFormat(Mantissa, Scale, decimals, utf8, out written);

    public override string ToString() => FixedPoint.Format(Mantissa, Scale);

    public bool Equals(Price other) => Mantissa == other.Mantissa && Scale == other.Scale;
    public override bool Equals(object? obj) => obj is Price p && Equals(p);
    public override int GetHashCode() => HashCode.Combine(Mantissa, Scale);

    public int CompareTo(Price other)
    {
        CheckScale(other);
        return Mantissa.CompareTo(other.Mantissa);
    }

    public static bool operator ==(Price a, Price b) => a.Equals(b);
    public static bool operator !=(Price a, Price b) => !a.Equals(b);
    public static bool operator <(Price a, Price b) => a.CompareTo(b) < 0;
    public static bool operator >(Price a, Price b) => a.CompareTo(b) > 0;
    public static bool operator <=(Price a, Price b) => a.CompareTo(b) <= 0;
    public static bool operator >=(Price a, Price b) => a.CompareTo(b) >= 0;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void CheckScale(Price other)
    {
        if (other.Scale != Scale) ThrowScaleMismatch(Scale, other.Scale);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void ThrowScaleMismatch(int a, int b) => throw new InvalidOperationException($"price scales differ: {a} vs {b}");
}

/// <summary>
/// A size or amount as a fixed-point decimal: <see cref="Mantissa"/> × 10^-<see cref="Scale"/> (the instrument's
/// <see cref="Instrument.QuantityScale"/>). Same rules as <see cref="Price"/>.
/// </summary>
public readonly struct Quantity : IEquatable<Quantity>, IComparable<Quantity>
{
    public long Mantissa { get; }
    public byte Scale { get; }

    public Quantity(long mantissa, int scale)
    {
        if ((uint)scale > FixedPoint.MaxScale) throw new ArgumentOutOfRangeException(nameof(scale), scale, $"allowed 0..{FixedPoint.MaxScale}");
        Mantissa = mantissa;
        Scale = (byte)scale;
    }

    public bool IsZero => Mantissa == 0;

    public static NumberParseStatus TryParse(ReadOnlySpan<byte> utf8, int scale, out Quantity quantity)
    {
        var status = FixedPoint.TryParse(utf8, scale, out long m);
        quantity = status == NumberParseStatus.Ok ? new Quantity(m, scale) : default;
        return status;
    }

    public bool TryFormat(Span<byte> utf8, out int written, int decimals = -1) => FixedPoint.TryFormat(Mantissa, Scale, decimals, utf8, out written);

    public override string ToString() => FixedPoint.Format(Mantissa, Scale);

    public bool Equals(Quantity other) => Mantissa == other.Mantissa && Scale == other.Scale;
    public override bool Equals(object? obj) => obj is Quantity q && Equals(q);
    public override int GetHashCode() => HashCode.Combine(Mantissa, Scale);

    public int CompareTo(Quantity other)
    {
        if (other.Scale != Scale) throw new InvalidOperationException($"quantity scales differ: {Scale} vs {other.Scale}");
        return Mantissa.CompareTo(other.Mantissa);
    }

    public static bool operator ==(Quantity a, Quantity b) => a.Equals(b);
    public static bool operator !=(Quantity a, Quantity b) => !a.Equals(b);
}

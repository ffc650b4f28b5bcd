namespace FastEngine.Model;

/// <summary>
/// Dense index of an <see cref="Instrument"/> in its <see cref="InstrumentRegistry"/>; -1 means none.
/// The same canonical instrument (e.g. <c>BTC-USDT</c>) has one id across all venues, so books of several
/// venues line up under one id.
/// </summary>
public readonly record struct InstrumentId(int Value)
{
    public static readonly InstrumentId None = new(-1);
    public bool IsNone => Value < 0;
    public override string ToString() => Value.ToString(System.Globalization.CultureInfo.InvariantCulture);
}

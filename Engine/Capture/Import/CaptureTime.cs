namespace FastEngine.Capture.Import;

/// <summary>
/// Receive-time text → Unix nanoseconds by digit arithmetic (no <c>double</c>: a float cannot hold 19 significant
/// digits, and recorders print times such as <c>1618678070.5228748</c>). Pure functions, no allocation.
/// </summary>
public static class CaptureTime
{
    /// <summary>Largest whole-second value whose nanoseconds fit an Int64 (year 2262).</summary>
    private const long MaxSeconds = long.MaxValue / 1_000_000_000 - 1;

    /// <summary>
    /// Parses Unix seconds written as a plain decimal (<c>1633998511.159679</c>, <c>1633998511</c>). Fraction digits
    /// beyond nanoseconds are truncated. No sign, exponent or spaces.
    /// </summary>
    public static bool TryParseDecimalSeconds(ReadOnlySpan<byte> text, out long unixNs)
    {
        unixNs = 0;
        int i = 0;
        long seconds = 0;
        for (; i < text.Length && (uint)(text[i] - '0') <= 9; i++)
        {
            seconds = seconds * 10 + (text[i] - '0');
            if (seconds > MaxSeconds) return false;
        }
        if (i == 0) return false;
        long fraction = 0;
        if (i < text.Length)
        {
            if (text[i] != '.' || i + 1 == text.Length) return false;
            i++;
            int digits = 0;
            for (; i < text.Length; i++)
            {
                uint d = (uint)(text[i] - '0');
                if (d > 9) return false;
                if (digits < 9)
                {
                    fraction = fraction * 10 + d;
                    digits++;
                }
            }
            for (; digits < 9; digits++) fraction *= 10;
        }
        unixNs = seconds * 1_000_000_000 + fraction;
        return true;
    }

    /// <summary>Parses an unsigned integer timestamp and multiplies it by <paramref name="nsPerUnit"/> (1 for ns, 1,000 for µs).</summary>
    public static bool TryParseInteger(ReadOnlySpan<byte> text, long nsPerUnit, out long unixNs)
    {
        unixNs = 0;
        if (text.IsEmpty || text.Length > 19) return false;
        long value = 0;
        foreach (byte b in text)
        {
            uint d = (uint)(b - '0');
            if (d > 9) return false;
            if (value > (long.MaxValue - d) / 10) return false;
            value = value * 10 + d;
        }
        if (value > long.MaxValue / nsPerUnit) return false;
        unixNs = value * nsPerUnit;
        return true;
    }
}

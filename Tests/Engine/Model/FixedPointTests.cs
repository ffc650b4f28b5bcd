using System.Globalization;
using System.Text;
using FastEngine.Model;
using FastEngine.Tests.Support;
using FsCheck;
using FsCheck.Fluent;

namespace FastEngine.Tests.Engine.Model;

public class FixedPointTests
{
    private static byte[] U(string s) => Encoding.UTF8.GetBytes(s);

    [Theory]
    [InlineData("61837.63000000", 8, 6183763000000L, 8)]
    [InlineData("61837.63", 2, 6183763L, 2)]
    [InlineData("0.00000000", 8, 0L, 8)]
    [InlineData("-0.5", 1, -5L, 1)]
    [InlineData("+12", 0, 12L, 0)]
    [InlineData("9.121E-7", 10, 9121L, 10)]
    [InlineData("9.121e-7", 12, 912100L, 10)]
    [InlineData("1e3", 0, 1000L, 0)]
    [InlineData("4.0E7", 2, 4000000000L, 0)]
    [InlineData("0.000022900", 9, 22900L, 9)]
    [InlineData("000123.4500", 4, 1234500L, 4)]
    [InlineData("1.00000000000000000000000000", 2, 100L, 26)]
    [InlineData("9223372036854775807", 0, long.MaxValue, 0)]
    [InlineData("-9223372036854775807", 0, -long.MaxValue, 0)]
    [InlineData("92233720368.54775807", 8, long.MaxValue, 8)]
    [InlineData("5.", 0, 5L, 0)]
    [InlineData(".5", 1, 5L, 1)]
    public void TryParse_ValidText_ExactMantissa(string text, int scale, long expected, int expectedDecimals)
    {
        Assert.Equal(NumberParseStatus.Ok, FixedPoint.TryParse(U(text), scale, out long m, out byte decimals));
        Assert.Equal(expected, m);
        Assert.Equal(expectedDecimals, decimals);
    }

    [Theory]
    [InlineData("", NumberParseStatus.Empty)]
    [InlineData("-", NumberParseStatus.Empty)]
    [InlineData("+", NumberParseStatus.Empty)]
    [InlineData(".", NumberParseStatus.Empty)]
    [InlineData("e5", NumberParseStatus.Empty)]
    [InlineData("1e", NumberParseStatus.Empty)]
    [InlineData("1e+", NumberParseStatus.Empty)]
    [InlineData("1.2.3", NumberParseStatus.InvalidCharacter)]
    [InlineData("1,5", NumberParseStatus.InvalidCharacter)]
    [InlineData(" 1", NumberParseStatus.InvalidCharacter)]
    [InlineData("1 ", NumberParseStatus.InvalidCharacter)]
    [InlineData("0x10", NumberParseStatus.InvalidCharacter)]
    [InlineData("NaN", NumberParseStatus.InvalidCharacter)]
    [InlineData("Infinity", NumberParseStatus.InvalidCharacter)]
    [InlineData("--1", NumberParseStatus.Empty)]
    [InlineData("+-1", NumberParseStatus.Empty)]
    [InlineData("1.5e3.2", NumberParseStatus.InvalidCharacter)]
    [InlineData("1e5e5", NumberParseStatus.InvalidCharacter)]
    [InlineData("\"1.5\"", NumberParseStatus.InvalidCharacter)]
    [InlineData("١٢", NumberParseStatus.InvalidCharacter)] // Arabic-Indic digits are not ASCII digits
    [InlineData("1_000", NumberParseStatus.InvalidCharacter)]
    [InlineData("null", NumberParseStatus.InvalidCharacter)]
    [InlineData("9223372036854775808", NumberParseStatus.Overflow)]
    [InlineData("92233720368.54775808", NumberParseStatus.Overflow)]
    [InlineData("123456789012345678901234567890", NumberParseStatus.Overflow)]
    [InlineData("1e19", NumberParseStatus.Overflow)]
    [InlineData("0.123456789", NumberParseStatus.PrecisionLoss)]
    [InlineData("1.7023900800000002", NumberParseStatus.PrecisionLoss)]
    [InlineData("9.121E-7", NumberParseStatus.PrecisionLoss)]
    [InlineData("1e-30", NumberParseStatus.PrecisionLoss)]
    public void TryParse_MalformedOrUnfit_Rejected(string text, NumberParseStatus expected)
    {
        int scale = expected == NumberParseStatus.Overflow && text.Contains('.') ? 8 : expected == NumberParseStatus.PrecisionLoss ? 8 : 0;
        Assert.Equal(expected, FixedPoint.TryParse(U(text), scale, out long m, out _));
        Assert.Equal(0, m);
    }

    [Fact]
    public void TryParse_InvalidScale_Throws()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => FixedPoint.TryParse(U("1"), 19, out _));
        Assert.Throws<ArgumentOutOfRangeException>(() => FixedPoint.TryParse(U("1"), -1, out _));
    }

    /// <summary>Every decimal the exchange sent parses and formats back to the exchange's own text.</summary>
    [Fact]
    public void RoundTrip_RealBinanceStrings_FormatEqualsVenueText()
    {
        var strings = Fixture.Lines("Model", "binance_spot_price_strings.txt");
        Assert.True(strings.Length > 3000);
        Span<byte> buffer = stackalloc byte[64];
        foreach (var s in strings)
        {
            Assert.Equal(NumberParseStatus.Ok, FixedPoint.TryParse(U(s), 8, out long m, out byte decimals));
            Assert.Equal(decimal.Parse(s, CultureInfo.InvariantCulture) * 100_000_000m, m);
            Assert.True(FixedPoint.TryFormat(m, 8, decimals, buffer, out int written));
            Assert.Equal(s, Encoding.ASCII.GetString(buffer[..written]));
        }
    }

    /// <summary>HTX sends JSON numbers, some in exponent form: our value equals System.Decimal's reading of the same text.</summary>
    [Fact]
    public void TryParse_RealHtxNumbers_EqualDecimalOracle()
    {
        var strings = Fixture.Lines("Model", "htx_number_strings.txt");
        Assert.Contains(strings, s => s.Contains('E'));
        foreach (var s in strings)
        {
            // Scale 10: the smallest HTX value here is 1.0E-10, the largest 2.2E8 (2.2e18 mantissa, fits a long).
            var expected = decimal.Parse(s, NumberStyles.Float, CultureInfo.InvariantCulture) * 10_000_000_000m;
            Assert.Equal(NumberParseStatus.Ok, FixedPoint.TryParse(U(s), 10, out long m));
            Assert.Equal(expected, m);
        }
    }

    [Theory]
    [InlineData(6183763000000L, 8, 8, "61837.63000000")]
    [InlineData(6183763000000L, 8, -1, "61837.63")]
    [InlineData(6183763000000L, 8, 0, "61837.63")] // never drops a non-zero digit
    [InlineData(-5L, 1, -1, "-0.5")]
    [InlineData(0L, 8, -1, "0")]
    [InlineData(0L, 8, 3, "0.000")]
    [InlineData(22900L, 9, 9, "0.000022900")]
    [InlineData(long.MinValue, 0, -1, "-9223372036854775808")]
    [InlineData(12L, 0, 2, "12.00")]
    public void TryFormat_Examples(long mantissa, int scale, int decimals, string expected)
    {
        Assert.Equal(expected, FixedPoint.Format(mantissa, scale, decimals));
    }

    [Fact]
    public void TryFormat_DestinationTooSmall_ReturnsFalse()
    {
        Span<byte> small = stackalloc byte[3];
        Assert.False(FixedPoint.TryFormat(123456, 2, -1, small, out _));
    }

    [Fact]
    public void RoundTrip_AnyMantissaScaleAndDecimals_Property()
    {
        var gen =
            from m in ArbMap.Default.GeneratorFor<long>()
            from scale in Gen.Choose(0, 18)
            from extra in Gen.Choose(0, 6)
            select (m, scale, extra);
        Prop.ForAll(gen.ToArbitrary(), t =>
        {
            var (m, scale, extra) = t;
            var text = FixedPoint.Format(m, scale, scale + extra);
            return FixedPoint.TryParse(U(text), scale, out long back, out byte decimals) == NumberParseStatus.Ok
                   && back == m && decimals == scale + extra
                   && decimal.Parse(text, CultureInfo.InvariantCulture) == (decimal)m / (decimal)Math.Pow(10, scale) ;
        }).QuickCheckThrowOnFailure();
    }

    [Fact]
    public void TryParse_MultiSegment_SameAsContiguous()
    {
        var text = U("61837.63000000");
        for (int split = 0; split <= text.Length; split++)
        {
            var seq = SegmentedSequence.Create(text, split);
            Assert.Equal(NumberParseStatus.Ok, FixedPoint.TryParse(seq, 8, out long m, out byte d));
            Assert.Equal(6183763000000L, m);
            Assert.Equal(8, d);
        }
    }

    [Fact]
    public void TryParse_RealStrings_AllocatesNothing()
    {
        var data = Fixture.Lines("Model", "binance_spot_price_strings.txt").Select(U).ToArray();
        long sum = 0;
        for (int w = 0; w < 3; w++) foreach (var d in data) { FixedPoint.TryParse(d, 8, out long m); sum += m; }
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int r = 0; r < 50; r++) foreach (var d in data) { FixedPoint.TryParse(d, 8, out long m, out _); sum += m; }
        long after = GC.GetAllocatedBytesForCurrentThread();
        Assert.Equal(0, after - before);
        Assert.NotEqual(0, sum);
    }

    [Fact]
    public void CountDecimals_Examples()
    {
        Assert.Equal(9, FixedPoint.CountDecimals(U("0.000022900")));
        Assert.Equal(10, FixedPoint.CountDecimals(U("9.121E-7")));
        Assert.Equal(0, FixedPoint.CountDecimals(U("4.0E7")));
        Assert.Equal(0, FixedPoint.CountDecimals(U("42")));
    }

    [Fact]
    public void TryParse_PlainDecimalFastPath_AgreesWithDecimalAndGeneralPath()
    {
        // External truth: System.Decimal's parser on the same text; plus the general path (signed copy of the text,
        // which never takes the fast path) for the status of the texts decimal cannot judge the same way.
        var rng = new Random(41);
        for (int n = 0; n < 50_000; n++)
        {
            int intDigits = rng.Next(0, 12), fracDigits = rng.Next(0, 12);
            if (intDigits + fracDigits == 0) intDigits = 1;
            var sb = new StringBuilder();
            for (int k = 0; k < intDigits; k++) sb.Append((char)('0' + rng.Next(10)));
            if (fracDigits > 0 || rng.Next(8) == 0) sb.Append('.');
            for (int k = 0; k < fracDigits; k++) sb.Append((char)('0' + (rng.Next(3) == 0 ? 0 : rng.Next(10))));
            string text = sb.ToString();
            int scale = rng.Next(0, 19);
            var status = FixedPoint.TryParse(U(text), scale, out long mantissa, out byte decimals);
            var general = FixedPoint.TryParse(U("+" + text), scale, out long generalMantissa, out byte generalDecimals);
            Assert.Equal(general, status);
            if (status != NumberParseStatus.Ok) continue;
            Assert.Equal(generalMantissa, mantissa);
            Assert.Equal(generalDecimals, decimals);
            Assert.Equal(decimal.Parse(text, CultureInfo.InvariantCulture) * (decimal)Math.Pow(10, scale), (decimal)mantissa);
            Assert.Equal(text.Contains('.') ? text.Length - 1 - text.IndexOf('.') : 0, decimals);
        }
    }

    [Theory]
    [InlineData(".", NumberParseStatus.Empty)]
    [InlineData("1.2.3", NumberParseStatus.InvalidCharacter)]
    [InlineData("12a", NumberParseStatus.InvalidCharacter)]
    [InlineData("9999999999999999999", NumberParseStatus.Overflow)]
    [InlineData("0.123", NumberParseStatus.PrecisionLoss)]
    public void TryParse_ShortTexts_KeepTheirStatus(string text, NumberParseStatus expected)
    {
        Assert.Equal(expected, FixedPoint.TryParse(U(text), 2, out _, out _));
    }

    [Fact]
    public void TryParse_EightFractionDigits_EqualsDecimalParse_Property()
    {
        // The word-at-a-time form (1–7 integer digits, '.', exactly 8 fraction digits) against System.Decimal.
        var digit = Gen.Elements('0', '1', '2', '3', '4', '5', '6', '7', '8', '9');
        var gen =
            from integerLength in Gen.Choose(1, 8)
            from integer in Gen.ArrayOf(digit, integerLength)
            from fraction in Gen.ArrayOf(digit, 8)
            from scale in Gen.Choose(8, 10)
            select (new string(integer) + "." + new string(fraction), scale);
        Prop.ForAll(gen.ToArbitrary(), t =>
        {
            var (text, scale) = t;
            var status = FixedPoint.TryParse(U(text), scale, out long mantissa, out byte decimals);
            decimal expected = decimal.Parse(text, CultureInfo.InvariantCulture) * (decimal)Math.Pow(10, scale);
            return status == NumberParseStatus.Ok && mantissa == expected && decimals == 8;
        }).QuickCheckThrowOnFailure();
    }

    [Theory]
    [InlineData("61837.63000000", 8, 6183763000000L)]
    [InlineData("0.00123000", 8, 123000L)]
    [InlineData("1234567.12345678", 8, 123456712345678L)]
    [InlineData("12345678.12345678", 8, 1234567812345678L)] // eight integer digits: the loop
    [InlineData("0.00000000", 8, 0L)]
    public void TryParse_BinanceEightDecimalText_ExactMantissa(string text, int scale, long expected)
    {
        Assert.Equal(NumberParseStatus.Ok, FixedPoint.TryParse(U(text), scale, out long mantissa, out byte decimals));
        Assert.Equal(expected, mantissa);
        Assert.Equal(8, decimals);
    }

    [Theory]
    [InlineData("6183x.63000000")]
    [InlineData("61837.6300000x")]
    [InlineData("61837,63000000")]
    [InlineData("1.2345678.")]
    public void TryParse_EightDecimalShapeWithABadByte_IsRejected(string text)
    {
        Assert.NotEqual(NumberParseStatus.Ok, FixedPoint.TryParse(U(text), 8, out _, out _));
    }
}

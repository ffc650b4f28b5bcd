using System.Globalization;
using System.Text;
using FastEngine.Adapters.Venues.Common;
using FastEngine.Model;
using FsCheck;
using FsCheck.Fluent;
using FastEngine.Tests.Support;

namespace FastEngine.Tests.Adapters.Venues.Common;

public class SpanScanTests
{
    private static byte[] U(string text) => Encoding.ASCII.GetBytes(text);

    [Theory]
    [InlineData("61837.63000000\"", 8, 6183763000000L, 8, 15)]
    [InlineData("0.00123000\"", 8, 123000L, 8, 11)]
    [InlineData("1.54698\"", 8, 154698000L, 5, 8)]
    [InlineData("42\"", 2, 4200L, 0, 3)]
    [InlineData("9999999.99999999\"", 8, 999999999999999L, 8, 17)]
    [InlineData("12345678.5\"", 1, 123456785L, 1, 11)]        // eight integer digits: the loop's case
    [InlineData("1.123456789\"", 9, 1123456789L, 9, 12)]      // nine fraction digits: the loop's case
    [InlineData("0\"", 8, 0L, 0, 2)]
    public void TryPlainDecimalToQuote_DocumentedForms_ExactMantissaWithOrWithoutWordReads(string text, int scale, long expected, int expectedDecimals, int expectedEnd)
    {
        // Padded so the word path (17 readable bytes) runs, and unpadded so the loop runs: same answer.
        foreach (var frame in new[] { U(text + "}]]}}}}}}}}}}}}}}}}"), U(text) })
        {
            Assert.True(SpanScan.TryPlainDecimalToQuote(frame, 0, scale, out long value, out byte decimals, out int end), text);
            Assert.Equal(expected, value);
            Assert.Equal(expectedDecimals, decimals);
            Assert.Equal(expectedEnd, end);
        }
    }

    [Theory]
    [InlineData(".5\"")]
    [InlineData("5.\"")]
    [InlineData("\"")]
    [InlineData(".\"")]
    [InlineData("1.2.3\"")]
    [InlineData("-1.5\"")]
    [InlineData("1e5\"")]
    [InlineData("1.5")]
    [InlineData("1.5 \"")]
    [InlineData("12345678901234567890\"")]
    public void TryPlainDecimalToQuote_OtherShapes_SameAnswerAsTheLoop(string text)
    {
        var frame = U(text + "                      ");
        bool word = SpanScan.TryPlainDecimalToQuote(frame, 0, 8, out long value, out byte decimals, out int end);
        bool loop = SpanScan.TryPlainDecimalToQuoteScalar(frame, 0, 8, out long loopValue, out byte loopDecimals, out int loopEnd);
        Assert.Equal(loop, word);
        Assert.Equal((loopValue, loopDecimals, loopEnd), (value, decimals, end));
    }

    [Fact]
    public void TryPlainDecimalToQuote_RandomText_EqualsLoopAndDecimalParse_Property()
    {
        var chars = Gen.Elements('0', '1', '2', '3', '4', '5', '6', '7', '8', '9', '9', '0', '.', '"', 'e', '-', ' ', '/', ':');
        var gen =
            from bodyLength in Gen.Choose(0, 20)
            from body in Gen.ArrayOf(chars, bodyLength)
            from tailLength in Gen.Choose(0, 20)
            from tail in Gen.ArrayOf(chars, tailLength)
            from offset in Gen.Choose(0, 3)
            from scale in Gen.Choose(0, 18)
            select (new string(body), new string(tail), offset, scale);
        Prop.ForAll(gen.ToArbitrary(), t =>
        {
            var (body, tail, offset, scale) = t;
            var frame = U(new string('{', offset) + body + "\"" + tail);
            bool ok = SpanScan.TryPlainDecimalToQuote(frame, offset, scale, out long value, out byte decimals, out int end);
            bool loopOk = SpanScan.TryPlainDecimalToQuoteScalar(frame, offset, scale, out long loopValue, out byte loopDecimals, out int loopEnd);
            if (ok != loopOk || value != loopValue || decimals != loopDecimals || end != loopEnd)
                return false;
            if (!ok)
                return true;

            // Independent oracle: the text up to the quote, parsed by System.Decimal and scaled.
            string number = Encoding.ASCII.GetString(frame, offset, end - 1 - offset);
            decimal expected = decimal.Parse(number, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture) * (decimal)Math.Pow(10, scale);
            int fraction = number.Contains('.') ? number.Length - 1 - number.IndexOf('.') : 0;
            return expected == value && decimals == fraction;
        }).QuickCheckThrowOnFailure();
    }

    [Fact]
    public void TryPlainDecimalToQuote_EveryQuotedNumberOfABinanceCapture_EqualsFixedPointTryParse()
    {
        // Prices and quantities exactly as Binance sent them (2024-08-08 BTCUSDT: depth, bookTicker, trade, REST).
        var path = Fixture.Path("Binance", "spot_btcusdt_2024-08-08_first3000.tsns.txt");
        int checkedNumbers = 0;
        foreach (var line in File.ReadLines(path))
        {
            var frame = U(line);
            for (int i = 0; i + 1 < frame.Length; i++)
            {
                if (frame[i] != (byte)'"' || (uint)(frame[i + 1] - '0') > 9)
                    continue;
                int close = Array.IndexOf(frame, (byte)'"', i + 1);
                var text = frame.AsSpan(i + 1, close - i - 1);
                if (text.IndexOfAnyExcept("0123456789."u8) >= 0)
                    continue;

                Assert.True(SpanScan.TryPlainDecimalToQuote(frame, i + 1, 8, out long value, out byte decimals, out int end));
                Assert.Equal(NumberParseStatus.Ok, FixedPoint.TryParse(text, 8, out long expected, out byte expectedDecimals));
                Assert.Equal(expected, value);
                Assert.Equal(expectedDecimals, decimals);
                Assert.Equal(close + 1, end);
                checkedNumbers++;
                i = close;
            }
        }

        Assert.True(checkedNumbers > 20_000, $"only {checkedNumbers} numbers checked");
    }

    [Theory]
    [InlineData("12345678", 8, 12345678UL)]
    [InlineData("00000001", 8, 1UL)]
    [InlineData("7\"xxxxxx", 1, 7UL)]
    [InlineData("123.4567", 3, 123UL)]
    [InlineData("\"1234567", 0, 0UL)]
    [InlineData("99999999", 8, 99999999UL)]
    [InlineData("0/:12345", 1, 0UL)] // '/' and ':' are the bytes either side of the digits
    public void Digits8_Word_CountsLeadingDigitsAndTheirValue(string text, int count, ulong expected)
    {
        ulong word = BitConverter.ToUInt64(U(text));
        Assert.Equal(count, SpanScan.Digits8(word, out ulong value));
        Assert.Equal(expected, value);
    }
}

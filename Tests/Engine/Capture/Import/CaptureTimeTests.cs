using System.Text;
using FastEngine.Capture.Import;

namespace FastEngine.Tests.Engine.Capture.Import;

public class CaptureTimeTests
{
    [Theory]
    [InlineData("1633998511.159679", 1_633_998_511_159_679_000)]
    [InlineData("1618678070.5228748", 1_618_678_070_522_874_800)]
    [InlineData("1786313192.0225", 1_786_313_192_022_500_000)]
    [InlineData("1633998511", 1_633_998_511_000_000_000)]
    [InlineData("0.000000001", 1)]
    [InlineData("1.1234567899", 1_123_456_789)]  // digits below 1 ns are truncated
    [InlineData("9223372035.999999999", 9_223_372_035_999_999_999)]
    public void TryParseDecimalSeconds_Valid(string text, long expected)
    {
        Assert.True(CaptureTime.TryParseDecimalSeconds(Encoding.ASCII.GetBytes(text), out long ns));
        Assert.Equal(expected, ns);
    }

    [Theory]
    [InlineData("")]
    [InlineData(".5")]
    [InlineData("1.")]
    [InlineData("-1.5")]
    [InlineData("1e9")]
    [InlineData("1.5 ")]
    [InlineData("1,5")]
    [InlineData("9223372037.0")]
    [InlineData("99999999999999999999")]
    public void TryParseDecimalSeconds_Invalid(string text) =>
        Assert.False(CaptureTime.TryParseDecimalSeconds(Encoding.ASCII.GetBytes(text), out _));

    [Theory]
    [InlineData("1723161253937085768", 1, 1_723_161_253_937_085_768)]
    [InlineData("1680652700423575", 1000, 1_680_652_700_423_575_000)]
    public void TryParseInteger_Valid(string text, long unit, long expected)
    {
        Assert.True(CaptureTime.TryParseInteger(Encoding.ASCII.GetBytes(text), unit, out long ns));
        Assert.Equal(expected, ns);
    }

    [Theory]
    [InlineData("9223372036854775808", 1)]
    [InlineData("9223372036854776", 1000)]
    [InlineData("12a", 1)]
    [InlineData("", 1)]
    public void TryParseInteger_Invalid(string text, long unit) =>
        Assert.False(CaptureTime.TryParseInteger(Encoding.ASCII.GetBytes(text), unit, out _));
}

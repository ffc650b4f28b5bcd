using System.Globalization;
using System.Text;
using BenchmarkDotNet.Attributes;
using FastEngine.Model;

namespace FastEngine.Benchmarks.Model;

/// <summary>
/// Parsing real captured price/size strings (Binance spot BTCUSDT, 2024-08-08: 4,007 distinct decimals from
/// <c>Tests/Fixtures/Model/binance_spot_price_strings.txt</c>) straight from UTF-8 into fixed point, beside the usual C#
/// ways: <c>decimal.Parse</c> of a string decoded from the bytes, and <c>Utf8Parser</c>-free <c>decimal.TryParse</c> on
/// UTF-8 (.NET's span overload). Per string; the FixedPoint path is declared allocation-free.
/// </summary>
[Config(typeof(BenchConfig))]
public class PriceParseBenchmarks
{
    private readonly byte[][] _utf8;
    private readonly long _expectedSum;

    public PriceParseBenchmarks()
    {
        var path = FindFixture();
        _utf8 = File.ReadAllLines(path).Where(l => l.Length > 0).Select(Encoding.ASCII.GetBytes).ToArray();
        // Cross-check: every variant must produce the same mantissa sum at scale 8.
        _expectedSum = FixedPointSum();
        if (DecimalStringSum() != _expectedSum || DecimalUtf8Sum() != _expectedSum)
            throw new InvalidOperationException("parse variants disagree");
    }

    private static string FindFixture()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var p = Path.Combine(dir.FullName, "Tests", "Fixtures", "Model", "binance_spot_price_strings.txt");
            if (File.Exists(p)) return p;
        }
        throw new FileNotFoundException("Tests/Fixtures/Model/binance_spot_price_strings.txt");
    }

    public int Count => _utf8.Length;

    [Benchmark(Baseline = true, OperationsPerInvoke = 4007)]
    public long DecimalParseOfString() => DecimalStringSum();

    [Benchmark(OperationsPerInvoke = 4007)]
    public long DecimalTryParseUtf8() => DecimalUtf8Sum();

    [Benchmark(OperationsPerInvoke = 4007)]
    public long FixedPointTryParse() => FixedPointSum();

    private long FixedPointSum()
    {
        long sum = 0;
        foreach (var s in _utf8)
        {
            FixedPoint.TryParse(s, 8, out long m, out _);
            sum += m;
        }
        return sum;
    }

    private long DecimalStringSum()
    {
        long sum = 0;
        foreach (var s in _utf8) sum += (long)(decimal.Parse(Encoding.ASCII.GetString(s), CultureInfo.InvariantCulture) * 100_000_000m);
        return sum;
    }

    private long DecimalUtf8Sum()
    {
        long sum = 0;
        foreach (var s in _utf8)
        {
            decimal.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var d);
            sum += (long)(d * 100_000_000m);
        }
        return sum;
    }
}

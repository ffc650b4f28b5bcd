using FastEngine.Metrics;

namespace FastEngine.Tests.Engine.Metrics;

/// <summary>
/// The HdrHistogram.NET reference results in Fixtures/Hdr/reference.txt (see SOURCES.md there) and the integer-only
/// input generator its header describes. Everything FastEngine's histogram is compared with comes from that file.
/// </summary>
internal static class HdrReference
{
    public const long Lowest = 1;
    public const long Highest = 3_600_000_000_000;
    public const int Digits = 3;
    public const int ValueCount = 1_000_000;

    private static readonly Lazy<string[]> LazyLines = new(() =>
        File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Fixtures", "Hdr", "reference.txt")).Split('\n'));

    private static readonly Lazy<long[]> LazyValues = new(Generate);

    private static readonly Lazy<LongHistogram> LazyHistogram = new(() =>
    {
        var histogram = new LongHistogram(Lowest, Highest, Digits);
        foreach (long value in LazyValues.Value)
            histogram.RecordValue(value);
        return histogram;
    });

    public static string[] Lines => LazyLines.Value;

    /// <summary>The 1,000,000 generated input values, in generation order.</summary>
    public static long[] Values => LazyValues.Value;

    /// <summary>A shared histogram with all values recorded. Tests must not modify it (use Copy()).</summary>
    public static LongHistogram Recorded => LazyHistogram.Value;

    /// <summary>The lines of the section whose "== " header starts with <paramref name="headerPrefix"/>, up to the
    /// next "== " header.</summary>
    public static IReadOnlyList<string> Section(string headerPrefix)
    {
        string[] lines = Lines;
        int start = Array.FindIndex(lines, l => l.StartsWith("== " + headerPrefix, StringComparison.Ordinal));
        if (start < 0)
            throw new InvalidOperationException($"reference.txt has no section '== {headerPrefix}'");
        var result = new List<string>();
        for (int i = start + 1; i < lines.Length && !lines[i].StartsWith("== ", StringComparison.Ordinal); i++)
            result.Add(lines[i]);
        return result;
    }

    /// <summary>The text of an output section as the library wrote it (every line ends with "\n").</summary>
    public static string SectionText(string headerPrefix) => string.Concat(Section(headerPrefix).Select(l => l + "\n"));

    /// <summary>The value after "name:" on a line of a section, e.g. "totalCount: 1000000".</summary>
    public static string Field(string sectionPrefix, string name)
    {
        foreach (string line in Section(sectionPrefix))
        {
            int at = line.IndexOf(name + ":", StringComparison.Ordinal);
            if (at >= 0 && (at == 0 || line[at - 1] == ' '))
            {
                string rest = line[(at + name.Length + 1)..].TrimStart();
                int end = rest.IndexOf(' ');
                return end < 0 ? rest : rest[..end];
            }
        }
        throw new InvalidOperationException($"reference.txt section '{sectionPrefix}' has no field '{name}'");
    }

    public const string HgrmNanos = "OutputPercentileDistribution(writer, 5, OutputScalingFactor.None)";
    public const string HgrmMicros = "OutputPercentileDistribution(writer, 5, 1000.0)";
    public const string HgrmCsv = "OutputPercentileDistribution(writer, 5, 1000.0, useCsvFormat: true)";

    /// <summary>SplitMix64 exactly as the reference header states (uint64, wrapping arithmetic).</summary>
    public struct SplitMix64
    {
        private ulong _state;

        public SplitMix64(ulong seed) => _state = seed;

        public ulong Next()
        {
            _state += 0x9E3779B97F4A7C15UL;
            ulong z = _state;
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
            return z ^ (z >> 31);
        }
    }

    /// <summary>One input value from three draws, as the reference header states; <paramref name="spike"/> tells
    /// whether the rare spike was added.</summary>
    public static long NextValue(ref SplitMix64 random, out bool spike)
    {
        ulong r1 = random.Next();
        ulong r2 = random.Next();
        ulong r3 = random.Next();
        int shift = Math.Clamp(System.Numerics.BitOperations.PopCount(r1) - 18, 0, 45);
        long value = (long)((1024 + (r2 & 1023)) << shift) >> 10;
        spike = (r3 & 4095) == 0;
        if (spike)
            value += (long)(r3 >> 40);
        return value < 1 ? 1 : value;
    }

    private static long[] Generate()
    {
        var random = new SplitMix64(42);
        var values = new long[ValueCount];
        for (int i = 0; i < values.Length; i++)
            values[i] = NextValue(ref random, out _);
        return values;
    }
}

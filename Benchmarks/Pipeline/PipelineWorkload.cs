using System.Diagnostics;
using FastEngine.Cli.Replay;
using FastEngine.Hosting;
using FastEngine.Model;

namespace FastEngine.Benchmarks.Pipeline;

/// <summary>
/// The bundled replay (config/default.json and the captures it lists under "replay") in the shapes the pipeline
/// benchmarks and the profile need: pre-parsed events with record boundaries, fresh decision engines, and sinks that
/// count or decide without the ring.
/// </summary>
internal static class PipelineWorkload
{
    public static string RepoFile(params string[] parts)
    {
        foreach (var start in new[] { AppContext.BaseDirectory, Directory.GetCurrentDirectory() })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                var candidate = Path.Combine([dir.FullName, .. parts]);
                if (File.Exists(candidate)) return candidate;
            }
        }
        throw new FileNotFoundException(string.Join('/', parts));
    }

    public static (EngineConfig Config, string[] Files) Bundled(string configName = "default.json")
    {
        var path = RepoFile("config", configName);
        var config = EngineConfigLoader.TryLoad(path, out var errors) ?? throw new InvalidOperationException(string.Join("; ", errors));
        var baseDir = Path.GetDirectoryName(path)!;
        return (config, config.Replay.Select(p => Path.GetFullPath(Path.Combine(baseDir, p))).ToArray());
    }

    /// <summary>A fresh engine over <paramref name="registry"/> with the config's options (no journal file: the
    /// bundled default config produces no intent).</summary>
    public static DecisionEngine NewEngine(EngineConfig config, InstrumentRegistry registry, string? journalPath = null)
    {
        var options = ReplayRunner.OptionsFrom(config, journalPath ?? "") with { JournalPath = journalPath };
        var engine = new DecisionEngine(registry, options);
        CaptureFeed.ConfigureBooks(engine.Books);
        return engine;
    }

    /// <summary>Feeds pre-parsed events record by record, one Stopwatch stamp per record (as the producer stamps each publish).</summary>
    public static void Feed(DecisionEngine engine, MarketEvent[] events, int[] recordEnds)
    {
        int start = 0;
        for (int r = 0; r < recordEnds.Length; r++)
        {
            int end = recordEnds[r];
            long stamp = Stopwatch.GetTimestamp();
            for (int i = start; i < end; i++) engine.OnEvent(ref events[i], stamp);
            start = end;
        }
    }
}

/// <summary>Counts what the producer publishes (producer cost alone).</summary>
internal sealed class CountingSink : IMarketEventSink
{
    public long Events;
    public long Checksum;

    public void Publish(Span<MarketEvent> events)
    {
        Events += events.Length;
        if (events.Length > 0) Checksum += events[^1].ReceiveTimeNs;
    }
}

/// <summary>The baseline: parse and decide on one thread, no ring (each publish goes straight to the engine).</summary>
internal sealed class DirectEngineSink(DecisionEngine engine) : IMarketEventSink
{
    public void Publish(Span<MarketEvent> events)
    {
        long stamp = Stopwatch.GetTimestamp();
        foreach (ref var e in events) engine.OnEvent(ref e, stamp);
    }
}

using System.Runtime.CompilerServices;
using System.Text;
using FastEngine.Adapters.Venues;
using FastEngine.Books;
using FastEngine.Model;

namespace FastEngine.Benchmarks.Venues;

/// <summary>Loads received frames of a legacy-format capture fixture from the repository's Tests/Fixtures (cold path),
/// and the measured loops the venue parse benchmarks share (parse every frame, with or without the book update).</summary>
internal static class VenueBenchFrames
{
    /// <summary>Parses every frame (WebSocket, at <paramref name="receiveTimeNs"/>) into <paramref name="batch"/> and
    /// applies its events to <paramref name="keeper"/>; returns the events. Inlined into each benchmark so that a
    /// sealed parser's Parse is still called directly there.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static long ParseAndBook(IFrameParser parser, BookKeeper keeper, byte[][] frames, MarketEventBatch batch, long receiveTimeNs)
    {
        long events = 0;
        for (int f = 0; f < frames.Length; f++)
        {
            batch.Clear();
            parser.Parse(frames[f], FrameSource.WebSocket, null, receiveTimeNs, batch);
            var span = batch.Events;
            for (int i = 0; i < span.Length; i++) keeper.OnEvent(ref span[i]);
            events += span.Length;
        }
        return events;
    }

    /// <summary>Parses every frame (WebSocket, at <paramref name="receiveTimeNs"/>) into <paramref name="batch"/>, no
    /// book; returns the events.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static long ParseOnly(IFrameParser parser, byte[][] frames, MarketEventBatch batch, long receiveTimeNs)
    {
        long events = 0;
        for (int f = 0; f < frames.Length; f++)
        {
            batch.Clear();
            parser.Parse(frames[f], FrameSource.WebSocket, null, receiveTimeNs, batch);
            events += batch.Count;
        }
        return events;
    }

    public static byte[][] Load(string venueFolder, string fileName)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            string candidate = Path.Combine(dir.FullName, "Tests", "Fixtures", venueFolder, fileName);
            if (!File.Exists(candidate)) continue;
            var frames = new List<byte[]>();
            foreach (var line in File.ReadLines(candidate))
            {
                // Legacy lines: "URL <-> T" connect, "URL <- T: payload" sent, "T: payload" received.
                if (line.Length == 0 || line.Contains(" <-> ") || line.Contains(" <- ")) continue;
                int sep = line.IndexOf(": ", StringComparison.Ordinal);
                if (sep > 0) frames.Add(Encoding.UTF8.GetBytes(line[(sep + 2)..]));
            }
            return frames.ToArray();
        }
        throw new FileNotFoundException($"Tests/Fixtures/{venueFolder}/{fileName} not found above {AppContext.BaseDirectory}");
    }
}

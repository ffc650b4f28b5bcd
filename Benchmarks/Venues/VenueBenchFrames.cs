using System.Text;

namespace FastEngine.Benchmarks.Venues;

/// <summary>Loads received frames of a legacy-format capture fixture from the repository's Tests/Fixtures (cold path).</summary>
internal static class VenueBenchFrames
{
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

namespace FastEngine.Tests.Support;

/// <summary>Locates test fixtures (copied next to the test assembly) and the shared captures folder.</summary>
public static class Fixture
{
    /// <summary>Absolute path of a file under Tests/Fixtures.</summary>
    public static string Path(params string[] parts) =>
        System.IO.Path.Combine([AppContext.BaseDirectory, "Fixtures", .. parts]);

    public static string[] Lines(params string[] parts) =>
        File.ReadAllLines(Path(parts)).Where(l => l.Length > 0).ToArray();

    /// <summary>
    /// The repository's sibling <c>shared/</c> folder (captures that may not be copied into the repo), or null when absent.
    /// </summary>
    public static string? SharedDirectory()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = System.IO.Path.Combine(dir.FullName, "shared", "captures");
            if (Directory.Exists(candidate)) return System.IO.Path.Combine(dir.FullName, "shared");
            var sibling = System.IO.Path.Combine(dir.FullName, "..", "shared", "captures");
            if (Directory.Exists(sibling)) return System.IO.Path.GetFullPath(System.IO.Path.Combine(dir.FullName, "..", "shared"));
        }
        return null;
    }
}

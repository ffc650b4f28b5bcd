using System.Text.Json;
using FastEngine.Hosting;

namespace FastEngine.Cli.Hosting;

/// <summary>API credentials of one venue. <see cref="ToString"/> never shows the values, so a credential that reaches
/// a log line, an exception message or a debugger display by mistake prints as redacted.</summary>
public sealed class VenueCredentials
{
    internal VenueCredentials(string venue, string apiKey, string apiSecret, string? passphrase, string source)
    {
        Venue = venue;
        ApiKey = apiKey;
        ApiSecret = apiSecret;
        Passphrase = passphrase;
        Source = source;
    }

    public string Venue { get; }
    public string ApiKey { get; }
    public string ApiSecret { get; }
    /// <summary>OKX, Coinbase (legacy), KuCoin and Bitget keys have a passphrase; null elsewhere.</summary>
    public string? Passphrase { get; }
    /// <summary>Where they came from: <c>environment</c> or the credentials file's path (never a value).</summary>
    public string Source { get; }

    public override string ToString() => $"{Venue}: credentials from {Source} (redacted)";
}

/// <summary>The outcome of loading credentials: what was found per venue, what is missing, or why the file was refused.</summary>
public sealed class CredentialSet
{
    public Dictionary<string, VenueCredentials> Venues { get; } = new(StringComparer.OrdinalIgnoreCase);
    /// <summary>Enabled venues with neither environment variables nor a file entry.</summary>
    public List<string> Missing { get; } = [];
    /// <summary>Set when the credentials file cannot be used (permissions, unreadable, bad JSON): the run is refused.</summary>
    public string? Error { get; set; }
}

/// <summary>
/// Loads venue API credentials from the environment (<c>FASTENGINE_&lt;VENUE&gt;_API_KEY</c>, <c>_API_SECRET</c>,
/// <c>_API_PASSPHRASE</c>; the venue name upper-cased with '-' as '_') and, for venues the environment does not cover,
/// from the config's <c>credentialsFile</c>:
/// <code>{ "binance": { "apiKey": "...", "apiSecret": "..." }, "okx": { "apiKey": "...", "apiSecret": "...", "passphrase": "..." } }</code>
/// On Unix the file is refused when its mode gives group or others any permission (it must be 0600 or 0400), before
/// it is read. Values are never logged or printed: messages name the variable, the file and the venue only.
/// </summary>
/// <remarks>Cold path (start-up). Thread-safe (no shared state).</remarks>
public static class CredentialStore
{
    private const UnixFileMode GroupOrOther = UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute
        | UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute;

    /// <summary><c>FASTENGINE_BINANCE_FUTURES_API_KEY</c> for venue <c>binance-futures</c>.</summary>
    public static string Variable(string venue, string suffix) =>
        $"FASTENGINE_{venue.ToUpperInvariant().Replace('-', '_')}_{suffix}";

    /// <param name="configDirectory">The config file's folder: a relative <c>credentialsFile</c> is resolved against it.</param>
    public static CredentialSet Load(EngineConfig config, string configDirectory, Func<string, string?>? environment = null)
    {
        environment ??= Environment.GetEnvironmentVariable;
        var set = new CredentialSet();
        var venues = config.Venues.Where(v => v.Enabled).Select(v => v.Name).ToList();
        foreach (var venue in venues)
        {
            string? key = environment(Variable(venue, "API_KEY")), secret = environment(Variable(venue, "API_SECRET"));
            if (!string.IsNullOrEmpty(key) && !string.IsNullOrEmpty(secret))
                set.Venues[venue] = new VenueCredentials(venue, key, secret, NullIfEmpty(environment(Variable(venue, "API_PASSPHRASE"))), "environment");
        }
        if (config.CredentialsFile is { } file && venues.Any(v => !set.Venues.ContainsKey(v)))
        {
            string path = Path.GetFullPath(Path.Combine(configDirectory, file));
            if (LoadFile(path, set) is { } error)
            {
                set.Error = error;
                return set;
            }
        }
        foreach (var venue in venues)
            if (!set.Venues.ContainsKey(venue)) set.Missing.Add(venue);
        return set;
    }

    /// <summary>Null when the file's mode is acceptable; otherwise the refusal naming the path and its mode.</summary>
    public static string? CheckPermissions(string path)
    {
        if (OperatingSystem.IsWindows()) return null; // ACLs, not modes: protect the file with the account's profile
        var mode = File.GetUnixFileMode(path);
        if ((mode & GroupOrOther) == 0) return null;
        return $"credentials file {path} has mode {Octal(mode)}: it must not be readable or writable by group or others; run `chmod 600 {path}`";
    }

    private static string? LoadFile(string path, CredentialSet set)
    {
        if (!File.Exists(path)) return $"credentials file {path} does not exist (config key credentialsFile)";
        if (CheckPermissions(path) is { } refusal) return refusal;
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(File.ReadAllBytes(path), new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return $"credentials file {path} cannot be read: {e.GetType().Name}";
        }
        catch (JsonException e)
        {
            // The message of a JsonException quotes no content, only the position; still, keep just the position.
            return $"credentials file {path} is not valid JSON (line {e.LineNumber + 1}); expected {{ \"venue\": {{ \"apiKey\": ..., \"apiSecret\": ... }} }}";
        }
        using (doc)
        {
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
                return $"credentials file {path}: the root must be an object of venue names";
            foreach (var venue in doc.RootElement.EnumerateObject())
            {
                if (set.Venues.ContainsKey(venue.Name)) continue; // the environment wins
                if (venue.Value.ValueKind != JsonValueKind.Object)
                    return $"credentials file {path}: \"{venue.Name}\" must be an object with apiKey and apiSecret";
                string? key = null, secret = null, passphrase = null;
                foreach (var p in venue.Value.EnumerateObject())
                {
                    if (p.Value.ValueKind != JsonValueKind.String)
                        return $"credentials file {path}: \"{venue.Name}.{p.Name}\" must be a string";
                    switch (p.Name)
                    {
                        case "apiKey": key = p.Value.GetString(); break;
                        case "apiSecret": secret = p.Value.GetString(); break;
                        case "passphrase": passphrase = p.Value.GetString(); break;
                        default: return $"credentials file {path}: unknown key \"{venue.Name}.{p.Name}\" (allowed: apiKey, apiSecret, passphrase)";
                    }
                }
                if (string.IsNullOrEmpty(key) || string.IsNullOrEmpty(secret))
                    return $"credentials file {path}: \"{venue.Name}\" needs a non-empty apiKey and apiSecret";
                set.Venues[venue.Name] = new VenueCredentials(venue.Name, key, secret, NullIfEmpty(passphrase), path);
            }
        }
        return null;
    }

    private static string? NullIfEmpty(string? s) => string.IsNullOrEmpty(s) ? null : s;

    /// <summary>The mode as <c>chmod</c> writes it, e.g. 0644.</summary>
    public static string Octal(UnixFileMode mode) => "0" + Convert.ToString((int)mode & 0xFFF, 8).PadLeft(3, '0');
}

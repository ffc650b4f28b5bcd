using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using FastEngine.Adapters.Capture;
using FastEngine.Adapters.Venues;
using FastEngine.Books;
using FastEngine.Capture;
using FastEngine.Capture.Import;
using FastEngine.Cli.Replay;
using FastEngine.Model;

namespace FastEngine.Cli.Commands;

/// <summary>
/// <c>fastengine verify &lt;file&gt;... [--venue NAME] [--format auto|fecap|legacy|envelope|tsraw|jsonl] [--json]</c>:
/// replays captures (merged by receive time, e.g. a Binance WebSocket file plus its REST-depth file) through the real
/// venue parsers and <see cref="BookKeeper"/> on the calling thread (no ring), and reports per venue group
/// (<see cref="VenueCatalog.GroupOf"/>) what the exchange's own data lets us check: sequence gaps, checksums, BBO
/// probes, crossed books.
/// </summary>
/// <remarks>
/// <para>Exit codes: 0 every book stayed consistent; 1 something did not (see <see cref="VerifyGroup.IsConsistent"/>), a
/// line could not be read, or the files held no market-data frame at all (nothing verified);
/// 2 bad usage or a file that cannot be opened (the message names it).</para>
/// <para><c>--json</c> prints one object, keys always in this order:
/// <c>{"files":[{"path","format","records","import_rejected"}],"venues":{"&lt;group&gt;":{"frames","events","rejected",
/// "rejected_by":{"&lt;reason&gt;":n},"books","snapshots","deltas","gaps","resyncs","checksum_ok","checksum_bad",
/// "bbo_checked","bbo_mismatch","crossed","unsynced_books","consistent"}},"consistent"}</c>. Groups are sorted by name
/// (ordinal); <c>rejected</c> is the total number of rejected frames and <c>rejected_by</c> lists only the reasons that
/// occurred, in kebab-case (<c>invalid-json</c>), in the order of <see cref="RejectReason"/>, then <c>no-adapter</c> for
/// frames of a venue FastEngine has no parser for. Nothing time-dependent is in the JSON, so two runs print the same bytes.</para>
/// <para>Every gap the book keeper counts is reported as unexplained: a capture replay has no reconnect or venue reset
/// that would account for a missing message (a venue's documented reset, such as Bybit's <c>u = 1</c> snapshot, is a
/// snapshot, not a gap).</para>
/// </remarks>
internal static class VerifyCommand
{
    public static Command Create()
    {
        var files = new Argument<string[]>("file")
        {
            Description = "Capture files (formats L, E, N, J, .fecap; Tardis-normalized .jsonl and depth-10 .csv too), merged by receive time.",
            Arity = ArgumentArity.OneOrMore,
        };
        var venue = new Option<string?>("--venue")
        {
            Description = "Attribute every record to this venue (e.g. binance-futures) instead of inferring it from URLs and file names; a group name (bybit) keeps the inference.",
        };
        var format = new Option<string>("--format")
        {
            Description = "Input format: auto (detect from name and content), fecap, legacy, envelope, tsraw or jsonl.",
            DefaultValueFactory = _ => "auto",
        };
        var json = new Option<bool>("--json") { Description = "Print one JSON object instead of the table." };

        var command = new Command("verify", "Replay captures through the venue parsers and book sync, and report whether every book stayed exactly as the exchange kept it.");
        command.Arguments.Add(files);
        command.Options.Add(venue);
        command.Options.Add(format);
        command.Options.Add(json);
        command.SetAction(parseResult => Run(parseResult, parseResult.GetValue(files) ?? [], parseResult.GetValue(venue),
            parseResult.GetValue(format), parseResult.GetValue(json)));
        return command;
    }

    private static int Run(System.CommandLine.ParseResult parseResult, string[] files, string? venueName, string? formatName, bool json)
    {
        var stdout = parseResult.InvocationConfiguration.Output;
        var stderr = parseResult.InvocationConfiguration.Error;
        VenueCatalog.EnsureRegistered();

        if (files.Length == 0)
        {
            stderr.WriteLine("verify: no capture file given");
            return 2;
        }
        foreach (var f in files)
        {
            if (!File.Exists(f))
            {
                stderr.WriteLine($"verify: file not found: {f}");
                return 2;
            }
        }
        if (!CaptureFormat.TryParse(formatName, out _))
        {
            stderr.WriteLine($"verify: unknown --format '{formatName}'; allowed: {string.Join(", ", CaptureFormat.Names)}");
            return 2;
        }
        if (!string.IsNullOrWhiteSpace(venueName) && !VerifyRun.IsKnownVenueName(venueName))
        {
            stderr.WriteLine($"verify: unknown --venue '{venueName}'; allowed: {string.Join(", ", VerifyRun.AllowedVenueNames())}");
            return 2;
        }

        VerifyReport report;
        try
        {
            report = VerifyRun.Execute(files, venueName, formatName);
        }
        catch (VerifyFileException e)
        {
            stderr.WriteLine($"verify: {e.Message}");
            return 2;
        }

        if (json) WriteJson(stdout, report);
        else WriteTable(stdout, report);
        if (report.Frames == 0) stderr.WriteLine($"verify: no market-data frame found in {string.Join(", ", files)}: nothing was verified");
        foreach (var (file, line, reason) in report.ImportSamples.Take(5))
            stderr.WriteLine($"verify: {file}: line {line}: {reason}");
        return report.IsConsistent ? 0 : 1;
    }

    private static void WriteJson(TextWriter output, VerifyReport report)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            w.WriteStartObject();
            w.WriteStartArray("files");
            foreach (var f in report.Files)
            {
                w.WriteStartObject();
                w.WriteString("path", f.Path);
                w.WriteString("format", f.Format);
                w.WriteNumber("records", f.Records);
                w.WriteNumber("import_rejected", f.ImportRejected);
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteStartObject("venues");
            foreach (var g in report.Groups)
            {
                w.WriteStartObject(g.Name);
                w.WriteNumber("frames", g.Frames);
                w.WriteNumber("events", g.Events);
                w.WriteNumber("rejected", g.Rejected);
                w.WriteStartObject("rejected_by");
                foreach (var (reason, count) in g.RejectedBy()) w.WriteNumber(reason, count);
                w.WriteEndObject();
                w.WriteNumber("books", g.Books);
                w.WriteNumber("snapshots", g.Book.Snapshots);
                w.WriteNumber("deltas", g.Book.DeltasApplied);
                w.WriteNumber("gaps", g.Book.Gaps);
                w.WriteNumber("resyncs", g.Book.Resyncs);
                w.WriteNumber("checksum_ok", g.Book.ChecksumOk);
                w.WriteNumber("checksum_bad", g.Book.ChecksumBad);
                w.WriteNumber("bbo_checked", g.Book.BboChecked);
                w.WriteNumber("bbo_mismatch", g.Book.BboMismatch);
                w.WriteNumber("crossed", g.Book.Crossed);
                w.WriteNumber("unsynced_books", g.UnsyncedBooks);
                w.WriteBoolean("consistent", g.IsConsistent);
                w.WriteEndObject();
            }
            w.WriteEndObject();
            w.WriteBoolean("consistent", report.IsConsistent);
            w.WriteEndObject();
        }
        output.WriteLine(Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length));
    }

    private static readonly string[] Columns =
        ["venue", "frames", "events", "rejected", "books", "snapshots", "deltas", "gaps", "resyncs", "checksum_ok", "checksum_bad",
         "bbo_checked", "bbo_mismatch", "crossed", "unsynced", "consistent"];

    /// <summary>Plain aligned text: the same whether a terminal or a file receives it.</summary>
    private static void WriteTable(TextWriter output, VerifyReport report)
    {
        var ci = CultureInfo.InvariantCulture;
        foreach (var f in report.Files)
            output.WriteLine($"file {f.Path} ({f.Format}): {f.Records.ToString(ci)} records, {f.ImportRejected.ToString(ci)} unreadable lines");
        var rows = new List<string[]> { Columns };
        foreach (var g in report.Groups)
        {
            var b = g.Book;
            rows.Add([g.Name, N(g.Frames), N(g.Events), N(g.Rejected), N(g.Books), N(b.Snapshots), N(b.DeltasApplied), N(b.Gaps), N(b.Resyncs),
                N(b.ChecksumOk), N(b.ChecksumBad), N(b.BboChecked), N(b.BboMismatch), N(b.Crossed), N(g.UnsyncedBooks), g.IsConsistent ? "yes" : "NO"]);
        }
        var widths = new int[Columns.Length];
        foreach (var r in rows)
            for (int i = 0; i < r.Length; i++) widths[i] = Math.Max(widths[i], r[i].Length);
        var line = new StringBuilder();
        foreach (var r in rows)
        {
            line.Clear();
            for (int i = 0; i < r.Length; i++)
            {
                if (i > 0) line.Append("  ");
                if (i == 0) line.Append(r[i].PadRight(widths[i])); else line.Append(r[i].PadLeft(widths[i]));
            }
            output.WriteLine(line.ToString().TrimEnd());
        }
        foreach (var g in report.Groups)
        {
            var reasons = g.RejectedBy().ToList();
            if (reasons.Count > 0) output.WriteLine($"rejected {g.Name}: {string.Join(", ", reasons.Select(r => $"{r.Reason} {N(r.Count)}"))}");
        }
        double seconds = report.ElapsedSeconds;
        output.WriteLine(string.Create(ci, $"replayed {report.Records:N0} records ({report.Frames:N0} frames) in {seconds:F3} s: {(seconds > 0 ? report.Frames / seconds : 0):N0} frames/s"));
        output.WriteLine(report.IsConsistent ? "consistent: yes" : "consistent: NO");

        static string N(long v) => v.ToString(CultureInfo.InvariantCulture);
    }
}

/// <summary>A file named on the command line could not be opened or read as a capture.</summary>
internal sealed class VerifyFileException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>One input file of a verify run.</summary>
public sealed record VerifyFile(string Path, string Format, long Records, long ImportRejected);

/// <summary>Totals of one venue group (<see cref="VenueCatalog.GroupOf"/>), books summed over the group's venues.</summary>
public sealed class VerifyGroup(string name)
{
    /// <summary>Key of frames whose venue has no adapter (not a <see cref="RejectReason"/>).</summary>
    public const string NoAdapter = "no-adapter";

    public string Name { get; } = name;
    public long Frames;
    public long Events;
    public long Rejected;
    public long NoAdapterFrames;
    public readonly long[] RejectedByReason = new long[Enum.GetValues<RejectReason>().Length];
    public int Books;
    public int UnsyncedBooks;
    public readonly BookStats Book = new();

    /// <summary>
    /// No rejected frame, no sequence gap, no checksum mismatch, no BBO mismatch, no crossed book after sync, and every
    /// book synced at the end (a book that never synced was never checked).
    /// </summary>
    public bool IsConsistent => Rejected == 0 && Book.Gaps == 0 && Book.ChecksumBad == 0 && Book.BboMismatch == 0
        && Book.Crossed == 0 && UnsyncedBooks == 0;

    /// <summary>The reasons that occurred, kebab-case, in enum order, then <see cref="NoAdapter"/>.</summary>
    public IEnumerable<(string Reason, long Count)> RejectedBy()
    {
        for (int i = 0; i < RejectedByReason.Length; i++)
            if (RejectedByReason[i] > 0) yield return (Kebab(((RejectReason)i).ToString()), RejectedByReason[i]);
        if (NoAdapterFrames > 0) yield return (NoAdapter, NoAdapterFrames);
    }

    /// <summary><c>InvalidUtf8</c> → <c>invalid-utf8</c>.</summary>
    public static string Kebab(string pascal)
    {
        var sb = new StringBuilder(pascal.Length + 4);
        for (int i = 0; i < pascal.Length; i++)
        {
            char c = pascal[i];
            if (char.IsUpper(c))
            {
                if (i > 0) sb.Append('-');
                sb.Append(char.ToLowerInvariant(c));
            }
            else sb.Append(c);
        }
        return sb.ToString();
    }
}

/// <summary>Result of a verify run.</summary>
public sealed class VerifyReport
{
    public required IReadOnlyList<VerifyFile> Files { get; init; }
    /// <summary>Groups sorted by name (ordinal).</summary>
    public required IReadOnlyList<VerifyGroup> Groups { get; init; }
    public long Records { get; init; }
    public long Frames { get; init; }
    public double ElapsedSeconds { get; init; }
    public IReadOnlyList<(string File, long Line, string Reason)> ImportSamples { get; init; } = [];

    /// <summary>At least one frame replayed, every group consistent and every line of every file readable.</summary>
    public bool IsConsistent => Frames > 0 && Groups.All(g => g.IsConsistent) && Files.All(f => f.ImportRejected == 0);

    public VerifyGroup? Group(string name) => Groups.FirstOrDefault(g => g.Name == name);
}

/// <summary>
/// The replay behind <c>verify</c>: sources merged by receive time → <see cref="CaptureFeed"/> (real parsers, one per
/// recorded connection) → <see cref="BookKeeper.OnEvent"/> on the calling thread. Cold path of the CLI; not thread-safe.
/// </summary>
public static class VerifyRun
{
    /// <summary>Names <c>--venue</c> accepts: every venue name and every group name, sorted.</summary>
    public static IReadOnlyList<string> AllowedVenueNames()
    {
        VenueCatalog.EnsureRegistered();
        var names = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var (id, name) in VenueNames.All())
        {
            names.Add(name);
            names.Add(VenueCatalog.GroupOf(id));
        }
        return names.ToArray();
    }

    public static bool IsKnownVenueName(string name) => AllowedVenueNames().Contains(name, StringComparer.OrdinalIgnoreCase);

    /// <summary>A group name that stands for several venues (bybit = bybit-spot + bybit-linear): inference decides.</summary>
    private static bool IsMultiVenueGroup(string name)
    {
        int count = 0;
        foreach (var (id, _) in VenueNames.All())
            if (string.Equals(VenueCatalog.GroupOf(id), name, StringComparison.OrdinalIgnoreCase)) count++;
        return count > 1 && !VenueNames.TryGet(name, out _);
    }

    /// <exception cref="VerifyFileException">A file cannot be opened or its format is unknown.</exception>
    public static VerifyReport Execute(IReadOnlyList<string> files, string? venueName = null, string? formatName = null)
    {
        VenueCatalog.EnsureRegistered();
        if (venueName is not null && (string.IsNullOrWhiteSpace(venueName) || IsMultiVenueGroup(venueName))) venueName = null;
        if (string.Equals(formatName, "auto", StringComparison.OrdinalIgnoreCase)) formatName = null;

        var registry = new InstrumentRegistry();
        var books = new BookKeeper(registry);
        CaptureFeed.ConfigureBooks(books);
        var feed = new CaptureFeed(registry);
        var sources = new List<IReplaySource>();
        var formats = new List<string>();
        try
        {
            foreach (var f in files)
            {
                try
                {
                    var source = ReplaySourceFactory.Open(f, registry, feed, venueName, formatName);
                    sources.Add(source);
                    formats.Add(FormatName(source));
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException or NotSupportedException or ArgumentException or InvalidDataException)
                {
                    throw new VerifyFileException($"cannot open {f}: {e.Message}", e);
                }
            }
        }
        catch
        {
            foreach (var s in sources) s.Dispose();
            throw;
        }

        var groups = new SortedDictionary<string, VerifyGroup>(StringComparer.Ordinal);
        var perSourceRecords = new long[sources.Count];
        var batch = new MarketEventBatch(4096);
        long records = 0;
        var sw = Stopwatch.StartNew();
        using (var merge = new ReplayMerge(sources))
        {
            // Venue ids are small: index group lookups by id instead of hashing a name per frame.
            var byVenue = new VerifyGroup?[64];
            VerifyGroup GroupFor(VenueId v)
            {
                if (v.Value < byVenue.Length && byVenue[v.Value] is { } known) return known;
                return GroupSlow(v);
            }
            VerifyGroup GroupSlow(VenueId v)
            {
                string name = v.IsNone ? "unknown" : VenueCatalog.GroupOf(v);
                if (!groups.TryGetValue(name, out var g)) groups[name] = g = new VerifyGroup(name);
                if (v.Value >= byVenue.Length) Array.Resize(ref byVenue, v.Value + 16);
                byVenue[v.Value] = g;
                return g;
            }

            while (merge.MoveNext())
            {
                var src = merge.Current;
                records++;
                perSourceRecords[IndexOf(sources, src)]++;
                batch.Clear();
                if (src is RawCaptureSource raw)
                {
                    var record = raw.Source.Current;
                    long unsupportedBefore = feed.UnsupportedFrames;
                    var result = feed.Feed(record, batch);
                    if (feed.UnsupportedFrames != unsupportedBefore)
                    {
                        var g = GroupFor(record.Venue);
                        g.Frames++;
                        g.Rejected++;
                        g.NoAdapterFrames++;
                    }
                    else if (IsFrame(record.Kind))
                    {
                        var g = GroupFor(record.Venue);
                        g.Frames++;
                        if (result.Status == FrameStatus.Rejected) { g.Rejected++; g.RejectedByReason[(int)result.Reason]++; }
                    }
                }
                else
                {
                    src.Emit(batch);
                    if (batch.Count > 0) GroupFor(batch[0].Venue).Frames++;
                }
                var events = batch.Events;
                for (int i = 0; i < events.Length; i++)
                {
                    ref var e = ref events[i];
                    GroupFor(e.Venue).Events++;
                    books.OnEvent(ref e);
                }
            }
        }
        sw.Stop();

        foreach (var book in books.Books)
        {
            var name = VenueCatalog.GroupOf(book.Venue);
            if (!groups.TryGetValue(name, out var g)) groups[name] = g = new VerifyGroup(name);
            g.Books++;
            if (books.StateOf(book.Venue, book.Instrument) != BookSyncState.Synced) g.UnsyncedBooks++;
            books.StatsOf(book.Venue, book.Instrument)!.AddTo(g.Book);
        }

        var fileReports = new List<VerifyFile>();
        var samples = new List<(string, long, string)>();
        for (int i = 0; i < sources.Count; i++)
        {
            long rejected = 0;
            switch (sources[i])
            {
                case RawCaptureSource { Source: CaptureImporter importer }:
                    rejected = importer.Stats.TotalRejected;
                    foreach (var (line, reason) in importer.Stats.RejectedSamples) samples.Add((files[i], line, reason.ToString()));
                    break;
                case RawCaptureSource { Source: CaptureReader reader }:
                    rejected = reader.CrcErrors + reader.HeaderErrors;
                    break;
                case TardisSource tardis:
                    rejected = tardis.Feed.Rejected;
                    break;
                case Depth10CsvSource csv:
                    rejected = csv.Rejected;
                    break;
            }
            fileReports.Add(new VerifyFile(files[i], formats[i], perSourceRecords[i], rejected));
        }

        return new VerifyReport
        {
            Files = fileReports,
            Groups = groups.Values.ToArray(),
            Records = records,
            Frames = groups.Values.Sum(g => g.Frames),
            ElapsedSeconds = sw.Elapsed.TotalSeconds,
            ImportSamples = samples,
        };
    }

    private static bool IsFrame(CaptureRecordKind kind) =>
        kind is CaptureRecordKind.ReceivedText or CaptureRecordKind.ReceivedBinary or CaptureRecordKind.RestResponse;

    private static int IndexOf(List<IReplaySource> sources, IReplaySource source)
    {
        for (int i = 0; i < sources.Count; i++) if (ReferenceEquals(sources[i], source)) return i;
        return -1;
    }

    private static string FormatName(IReplaySource source) => source switch
    {
        RawCaptureSource { Source: CaptureReader } => "fecap",
        RawCaptureSource { Source: LegacyTextImporter } => "legacy",
        RawCaptureSource { Source: EnvelopeJsonImporter } => "envelope",
        RawCaptureSource { Source: TimestampedRawImporter } => "tsraw",
        RawCaptureSource { Source: JsonLinesImporter } => "jsonl",
        TardisSource => "tardis",
        Depth10CsvSource => "depth10-csv",
        _ => "unknown",
    };
}

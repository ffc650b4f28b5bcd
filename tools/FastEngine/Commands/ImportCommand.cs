using System.CommandLine;
using FastEngine.Adapters.Capture;
using FastEngine.Capture;
using FastEngine.Capture.Import;
using FastEngine.Cli.Hosting;

namespace FastEngine.Cli.Commands;

/// <summary>
/// <c>fastengine import &lt;file&gt; [--format legacy|envelope|tsraw|jsonl|fecap|auto] [--venue NAME] --out &lt;file.fecap&gt;</c>:
/// converts a recorded capture into FastEngine's capture format and prints what it wrote and what it rejected.
/// Exit codes: 0 imported; 1 nothing could be imported; 2 bad arguments or unreadable input/output.
/// </summary>
internal static class ImportCommand
{
    public static Command Create()
    {
        var file = new Argument<string>("file") { Description = "Recorded capture to import (formats L, E, N, J or .fecap)." };
        var format = new Option<string>("--format")
        {
            Description = "Input format: legacy, envelope, tsraw, jsonl, fecap or auto (detect from name and content).",
            DefaultValueFactory = _ => "auto",
        };
        var venue = new Option<string?>("--venue") { Description = "Attribute every record to this venue (e.g. binance-futures) instead of inferring it." };
        var output = new Option<string>("--out") { Description = "The .fecap file to write (overwritten).", Required = true };

        var command = new Command("import", "Convert a recorded capture file into FastEngine's capture format (.fecap).");
        command.Arguments.Add(file);
        command.Options.Add(format);
        command.Options.Add(venue);
        command.Options.Add(output);
        command.SetAction(parseResult => Run(parseResult, parseResult.GetValue(file)!, parseResult.GetValue(format),
            parseResult.GetValue(venue), parseResult.GetValue(output)!));
        return command;
    }

    private static int Run(ParseResult parseResult, string input, string? formatName, string? venueName, string outPath)
    {
        var stdout = parseResult.InvocationConfiguration.Output;
        var stderr = parseResult.InvocationConfiguration.Error;

        if (!File.Exists(input))
        {
            stderr.WriteLine($"import: input file not found: {input}");
            return 2;
        }
        if (!CaptureFormat.TryParse(formatName, out var kind))
        {
            stderr.WriteLine($"import: unknown --format '{formatName}'; allowed: {string.Join(", ", CaptureFormat.Names)}");
            return 2;
        }

        Func<string, Model.VenueId> resolver;
        ICaptureSource source;
        try
        {
            if (kind == CaptureFormatKind.Unknown) kind = CaptureFormat.Detect(input);
            if (kind == CaptureFormatKind.Unknown)
            {
                stderr.WriteLine($"import: cannot detect the format of {input}; pass --format ({string.Join(", ", CaptureFormat.Names.Skip(1))})");
                return 2;
            }
            resolver = CaptureVenueResolver.Create(kind, venueName);
            source = CaptureFormat.Open(input, kind, resolver);
        }
        catch (ArgumentException e)
        {
            stderr.WriteLine($"import: {e.Message}");
            return 2;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            stderr.WriteLine($"import: cannot read {input}: {e.Message}");
            return 2;
        }

        using (source)
        {
            CaptureWriter writer;
            try
            {
                writer = CaptureWriter.Create(outPath, new CaptureWriterOptions { FlushEveryRecords = 4096, WriterInfo = $"fastengine import {kind} {Path.GetFileName(input)}" });
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                stderr.WriteLine($"import: cannot write {outPath}: {e.Message}");
                return 2;
            }

            var byKind = new long[8];
            var venues = new SortedDictionary<ushort, long>();
            long records = 0;
            long inputBytes = new FileInfo(input).Length;
            try
            {
                using (writer)
                {
                    // Progress: records so far and, for a FECAP input, the read position against the file size.
                    ProgressReporter.Run("import", stdout, stderr, json: false,
                        static (done, total, count) => total > 0 ? $"{count:N0} records ({done / 1048576.0:F1} of {total / 1048576.0:F1} MiB)" : $"{count:N0} records",
                        progress =>
                        {
                            while (source.MoveNext())
                            {
                                var record = source.Current;
                                writer.Write(record);
                                byKind[(int)record.Kind & 7]++;
                                venues[record.Venue.Value] = venues.GetValueOrDefault(record.Venue.Value) + 1;
                                records++;
                                if ((records & 0xFFF) == 0)
                                    progress.Report(source is CaptureReader r ? r.Position : 0, source is CaptureReader ? inputBytes : 0, records);
                            }
                            return records;
                        });
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                stderr.WriteLine($"import: failed while reading {input} or writing {outPath}: {e.Message}");
                return 2;
            }

            stdout.WriteLine($"import: {input} ({kind}) -> {outPath}");
            stdout.WriteLine($"records: {records}");
            foreach (var k in Enum.GetValues<CaptureRecordKind>())
                if (k != CaptureRecordKind.None && byKind[(int)k] > 0)
                    stdout.WriteLine($"  {k}: {byKind[(int)k]}");
            foreach (var (id, count) in venues)
                stdout.WriteLine($"  venue {new Model.VenueId(id)}: {count}");

            switch (source)
            {
                case CaptureImporter importer:
                    var stats = importer.Stats;
                    stdout.WriteLine($"lines: {stats.Lines} (metadata {stats.MetadataLines})");
                    stdout.WriteLine($"rejected: {stats.TotalRejected}");
                    foreach (var reason in Enum.GetValues<CaptureImportRejectReason>())
                        if (reason != CaptureImportRejectReason.None && stats.Rejected(reason) > 0)
                            stdout.WriteLine($"  {reason}: {stats.Rejected(reason)}");
                    foreach (var (line, reason) in stats.RejectedSamples.Take(5))
                        stderr.WriteLine($"import: line {line}: {reason}");
                    break;
                case CaptureReader reader:
                    stdout.WriteLine($"rejected: {reader.CrcErrors + reader.HeaderErrors} (crc {reader.CrcErrors}, header {reader.HeaderErrors}, skipped {reader.SkippedBytes} B)");
                    if (reader.Status == CaptureReadStatus.Incomplete) stdout.WriteLine($"torn tail at offset {reader.Position}");
                    if (reader.FailureMessage is { } failure) stderr.WriteLine($"import: {failure}");
                    break;
            }

            if (records == 0)
            {
                stderr.WriteLine($"import: nothing could be imported from {input}");
                return 1;
            }
            return 0;
        }
    }
}

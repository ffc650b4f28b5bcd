using FastEngine.Hosting;
using Serilog;
using Serilog.Core;
using Serilog.Events;
using Serilog.Formatting.Display;
using Serilog.Formatting.Json;

namespace FastEngine.Cli.Hosting;

/// <summary>
/// The program's Serilog logger, built from the config's <c>logging</c> block: human-readable lines on the console
/// (standard error, so standard output keeps only a command's result) and a rolling JSON file (Serilog's
/// <see cref="JsonFormatter"/>, one object per line, message rendered), each sink wrapped in Serilog's async sink so
/// the caller only enqueues: formatting and I/O run on the sink's background thread.
/// </summary>
/// <remarks>
/// The hot path never calls Serilog: receive and decision threads only bump counters; what is logged comes from cold
/// paths (connects, snapshots, resyncs, stop) and from the telemetry timer, which reads those counters. Disposing the
/// logger drains the async queues and closes the file.
/// </remarks>
public static class EngineLogging
{
    /// <summary>Console line layout (UTC time, level, message, exception).</summary>
    public const string ConsoleTemplate = "{Timestamp:HH:mm:ss.fff} [{Level:u3}] {Message:lj}{NewLine}{Exception}";

    /// <param name="console">Where console lines go: the process's standard error uses Serilog's console sink; any other
    /// writer (a command invoked in-process by a test) gets Serilog's text-writer sink.</param>
    /// <param name="extraSink">An additional sink (tests capture events with it).</param>
    public static Logger Create(LoggingConfig config, TextWriter console, ILogEventSink? extraSink = null)
    {
        var lc = new LoggerConfiguration().MinimumLevel.Is(LevelOf(config.Level)).Enrich.WithProperty("Application", "fastengine");
        if (config.Console)
        {
            // Events marked FileOnly were already written to the console by the command itself (its "error: ..." lines).
            lc.WriteTo.Logger(sub =>
            {
                sub.Filter.ByExcluding(e => e.Properties.ContainsKey(FileOnlyProperty));
                if (ReferenceEquals(console, Console.Error))
                    sub.WriteTo.Async(a => a.Console(outputTemplate: ConsoleTemplate, standardErrorFromLevel: LogEventLevel.Verbose,
                        formatProvider: System.Globalization.CultureInfo.InvariantCulture));
                else
                    sub.WriteTo.Async(a => a.Sink(new TextWriterSink(console)));
            });
        }
        if (!string.IsNullOrWhiteSpace(config.File))
        {
            var dir = Path.GetDirectoryName(Path.GetFullPath(config.File));
            if (dir is not null) Directory.CreateDirectory(dir);
            lc.WriteTo.Async(a => a.File(new JsonFormatter(renderMessage: true), config.File,
                rollingInterval: RollingOf(config.RollingInterval), retainedFileCountLimit: config.RetainedFiles, shared: false));
        }
        if (extraSink is not null) lc.WriteTo.Sink(extraSink);
        return lc.CreateLogger();
    }

    /// <summary>Property that keeps an event out of the console sink (the command printed it already).</summary>
    public const string FileOnlyProperty = "FileOnly";

    /// <summary>Prints <paramref name="message"/> as an <c>error: ...</c> line on <paramref name="error"/> (always, whatever
    /// the logging config) and logs it as an error to the other sinks (the JSON file).</summary>
    public static void Fail(ILogger logger, TextWriter error, string message)
    {
        lock (error) error.WriteLine($"error: {message}");
        logger.ForContext(FileOnlyProperty, true).Error("{Error:l}", message);
    }

    /// <summary>A logger that writes nothing (commands run without a config).</summary>
    public static Logger None() => new LoggerConfiguration().CreateLogger();

    public static LogEventLevel LevelOf(string level) => level switch
    {
        "verbose" => LogEventLevel.Verbose,
        "debug" => LogEventLevel.Debug,
        "warning" => LogEventLevel.Warning,
        "error" => LogEventLevel.Error,
        _ => LogEventLevel.Information,
    };

    public static RollingInterval RollingOf(string interval) => interval switch
    {
        "infinite" => RollingInterval.Infinite,
        "year" => RollingInterval.Year,
        "month" => RollingInterval.Month,
        "hour" => RollingInterval.Hour,
        "minute" => RollingInterval.Minute,
        _ => RollingInterval.Day,
    };

    /// <summary>The <c>Action&lt;string&gt;</c> log of the live runner and simulator, routed to <paramref name="logger"/>
    /// as information lines (the text is a literal, never a message template).</summary>
    public static Action<string> AsLineLog(ILogger logger) => line => logger.Information("{Line:l}", line);

    /// <summary>Console lines into a <see cref="TextWriter"/> (Serilog's message-template formatter), one whole line per
    /// event under the writer's lock, because the command writes to the same writer from its own thread.</summary>
    private sealed class TextWriterSink(TextWriter writer) : ILogEventSink
    {
        private readonly MessageTemplateTextFormatter _formatter = new(ConsoleTemplate, System.Globalization.CultureInfo.InvariantCulture);

        public void Emit(LogEvent logEvent)
        {
            var line = new StringWriter(System.Globalization.CultureInfo.InvariantCulture);
            _formatter.Format(logEvent, line);
            lock (writer) writer.Write(line.ToString());
        }
    }
}

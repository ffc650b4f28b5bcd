using System.Diagnostics;
using Spectre.Console;

namespace FastEngine.Cli.Hosting;

/// <summary>
/// Progress of a long command (<c>replay</c>, <c>import</c>, <c>capture</c>): a Spectre.Console progress bar when the
/// command writes to a terminal, plain periodic lines on standard error otherwise (a pipe, a file, a test, or
/// <c>--json</c>, whose standard output must stay one JSON object).
/// </summary>
/// <remarks>
/// <see cref="Report"/> may be called from the worker's hot loop: it stores three numbers (atomics) and allocates
/// nothing, so a replay's allocation figures are unchanged. The bar is redrawn by the thread that called
/// <see cref="Run{T}"/> while the work runs on the thread pool; plain lines come from a timer every
/// <see cref="PlainInterval"/>, only when something was reported (nothing is printed for work shorter than that).
/// </remarks>
public sealed class ProgressReporter
{
    /// <summary>Time between two plain progress lines.</summary>
    public static readonly TimeSpan PlainInterval = TimeSpan.FromSeconds(2);

    private readonly string _title;
    private readonly Func<long, long, long, string> _describe;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private long _done, _total, _extra, _reports;

    private ProgressReporter(string title, Func<long, long, long, string> describe)
    {
        _title = title;
        _describe = describe;
    }

    /// <summary>True when a bar would be drawn: the command's output is the process's own standard output, it is a
    /// terminal, and the command is not writing JSON.</summary>
    public static bool UseBar(TextWriter output, bool json) =>
        !json && ReferenceEquals(output, Console.Out) && !Console.IsOutputRedirected && AnsiConsole.Profile.Capabilities.Interactive;

    /// <summary>Runs <paramref name="work"/> with progress reporting.</summary>
    /// <param name="output">The command's output writer (a bar only when it is the terminal).</param>
    /// <param name="error">Where plain lines go.</param>
    /// <param name="describe">Text of the current state from (done, total, extra), e.g. "12,000 records, 40,000 events";
    /// called on the display thread only.</param>
    public static T Run<T>(string title, TextWriter output, TextWriter error, bool json, Func<long, long, long, string> describe, Func<ProgressReporter, T> work)
    {
        var reporter = new ProgressReporter(title, describe);
        if (!UseBar(output, json))
        {
            long printed = 0;
            using var timer = new Timer(_ =>
            {
                long reports = Interlocked.Read(ref reporter._reports);
                if (reports == printed) return;
                printed = reports;
                string line = reporter.PlainLine();
                lock (error) error.WriteLine(line);
            }, null, PlainInterval, PlainInterval);
            return work(reporter);
        }
        T result = default!;
        AnsiConsole.Progress()
            .AutoClear(true)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new SpinnerColumn())
            .Start(ctx =>
            {
                var task = ctx.AddTask(title, maxValue: 1);
                task.IsIndeterminate = true;
                var worker = Task.Run(() => result = work(reporter));
                while (!worker.Wait(100))
                {
                    long total = Interlocked.Read(ref reporter._total), done = Interlocked.Read(ref reporter._done);
                    task.IsIndeterminate = total <= 0;
                    if (total > 0) task.Value = Math.Min(1.0, done / (double)total);
                    task.Description = Markup.Escape($"{title} {describe(done, total, Interlocked.Read(ref reporter._extra))}");
                    ctx.Refresh();
                }
                worker.GetAwaiter().GetResult();
                task.Value = 1;
                task.StopTask();
            });
        return result;
    }

    /// <summary>Reports <paramref name="done"/> of <paramref name="total"/> (0 = unknown total) and one more count for the
    /// description. Allocation-free, any thread.</summary>
    public void Report(long done, long total, long extra)
    {
        Interlocked.Exchange(ref _done, done);
        Interlocked.Exchange(ref _total, total);
        Interlocked.Exchange(ref _extra, extra);
        Interlocked.Increment(ref _reports);
    }

    private string PlainLine()
    {
        long done = Interlocked.Read(ref _done), total = Interlocked.Read(ref _total), extra = Interlocked.Read(ref _extra);
        string percent = total > 0 ? $" {Math.Min(100, 100.0 * done / total):F0}%" : "";
        return string.Create(System.Globalization.CultureInfo.InvariantCulture,
            $"{_title}:{percent} {_describe(done, total, extra)} ({_clock.Elapsed.TotalSeconds:F0} s)");
    }
}

using System.CommandLine;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using FastEngine.Adapters.Transport;
using FastEngine.Adapters.Transport.Loopback;

namespace FastEngine.Cli.Commands;

/// <summary>
/// <c>fastengine bench websocket</c>: receive throughput of <see cref="PipeWebSocket"/> beside
/// System.Net.WebSockets.ClientWebSocket, both reading the same pre-built frames from a loopback server, with
/// bytes allocated per message. Rounds alternate the two clients; medians are reported.
/// </summary>
internal static class BenchWebSocketCommand
{
    private const int Rounds = 3;
    private const string CaptureRelativePath = "shared/captures/binance/spot_btcusdt_2024-08-08_0-120s.tsns.txt";

    public static Command Create()
    {
        var size = new Option<int>("--size") { Description = "Payload size in bytes (64 - 1048576).", DefaultValueFactory = _ => 150 };
        var tls = new Option<bool>("--tls") { Description = "Run over TLS (self-signed loopback certificate, pinned)." };
        var seconds = new Option<int>("--seconds") { Description = "Measured seconds per client (split over 3 rounds).", DefaultValueFactory = _ => 5 };
        var json = new Option<bool>("--json") { Description = "Print one JSON object instead of text." };
        var command = new Command("websocket", "Measure WebSocket receive throughput: ours vs ClientWebSocket on loopback.");
        command.Options.Add(size);
        command.Options.Add(tls);
        command.Options.Add(seconds);
        command.Options.Add(json);
        command.SetAction(parseResult =>
        {
            TextWriter output = parseResult.InvocationConfiguration.Output;
            int bytes = parseResult.GetValue(size);
            int duration = parseResult.GetValue(seconds);
            if (bytes is < 64 or > 1024 * 1024)
            {
                parseResult.InvocationConfiguration.Error.WriteLine($"--size {bytes} is out of range (64 - 1048576).");
                return 2;
            }
            if (duration is < 1 or > 600)
            {
                parseResult.InvocationConfiguration.Error.WriteLine($"--seconds {duration} is out of range (1 - 600).");
                return 2;
            }
            Report report = RunAsync(bytes, parseResult.GetValue(tls), duration).GetAwaiter().GetResult();
            if (parseResult.GetValue(json))
                output.WriteLine(JsonSerializer.Serialize(report.ToJson()));
            else
                report.WriteText(output);
            return 0;
        });
        return command;
    }

    private sealed record Report(int Size, bool Tls, int Seconds, string PayloadSource, double MeanPayloadBytes,
        double OursMessagesPerSecond, double BaselineMessagesPerSecond, double OursMegabytesPerSecond, double BaselineMegabytesPerSecond,
        double OursBytesPerMessage, double BaselineBytesPerMessage)
    {
        public Dictionary<string, object> ToJson() => new()
        {
            ["size"] = Size,
            ["tls"] = Tls,
            ["seconds"] = Seconds,
            ["payload_source"] = PayloadSource,
            ["mean_payload_bytes"] = Math.Round(MeanPayloadBytes, 1),
            ["ours_msgs_per_s"] = Math.Round(OursMessagesPerSecond),
            ["baseline_msgs_per_s"] = Math.Round(BaselineMessagesPerSecond),
            ["ours_mb_per_s"] = Math.Round(OursMegabytesPerSecond, 1),
            ["baseline_mb_per_s"] = Math.Round(BaselineMegabytesPerSecond, 1),
            ["ours_bytes_per_msg"] = Math.Round(OursBytesPerMessage, 3),
            ["baseline_bytes_per_msg"] = Math.Round(BaselineBytesPerMessage, 3),
            ["ratio"] = Math.Round(OursMessagesPerSecond / BaselineMessagesPerSecond, 2),
        };

        public void WriteText(TextWriter output)
        {
            output.WriteLine($"WebSocket receive, {(Tls ? "wss" : "ws")}://loopback, {PayloadSource} payloads of ~{MeanPayloadBytes:F0} B, {Seconds} s per client, median of {Rounds} rounds");
            output.WriteLine($"  PipeWebSocket    {OursMessagesPerSecond,14:N0} msg/s {OursMegabytesPerSecond,9:F1} MB/s {OursBytesPerMessage,8:F3} B/msg");
            output.WriteLine($"  ClientWebSocket  {BaselineMessagesPerSecond,14:N0} msg/s {BaselineMegabytesPerSecond,9:F1} MB/s {BaselineBytesPerMessage,8:F3} B/msg");
            output.WriteLine($"  ratio ours/ClientWebSocket: {OursMessagesPerSecond / BaselineMessagesPerSecond:F2}x");
        }
    }

    private static async Task<Report> RunAsync(int size, bool tls, int seconds)
    {
        string? capture = FindCapture();
        byte[][] payloads = ReceiveThroughputRunner.Payloads(size, capture);
        (byte[] block, int frames) = ReceiveThroughputRunner.BuildBlock(payloads);
        using X509Certificate2? certificate = tls ? LoopbackFrameServer.CreateSelfSignedCertificate() : null;
        using var server = new LoopbackFrameServer(block, frames, certificate: certificate);
        string? thumbprint = certificate?.GetCertHashString(HashAlgorithmName.SHA256);
        System.Net.Security.RemoteCertificateValidationCallback? pin = tls
            ? (_, cert, _, _) => cert is not null && cert.GetCertHashString(HashAlgorithmName.SHA256) == thumbprint
            : null;
        var options = new PipeWebSocketOptions { RemoteCertificateValidation = pin };
        TimeSpan warmUp = TimeSpan.FromMilliseconds(300);
        TimeSpan round = TimeSpan.FromSeconds(seconds / (double)Rounds);

        var ours = new List<ThroughputResult>();
        var baseline = new List<ThroughputResult>();
        for (int i = 0; i < Rounds; i++)
        {
            ours.Add(await ReceiveThroughputRunner.RunPipeWebSocketAsync(server.Uri, options, warmUp, round));
            baseline.Add(await ReceiveThroughputRunner.RunClientWebSocketAsync(server.Uri, pin, warmUp, round));
        }
        return new Report(size, tls, seconds, payloads.Length > 1 ? "recorded Binance" : "synthetic",
            payloads.Average(p => p.Length),
            Median(ours, r => r.MessagesPerSecond), Median(baseline, r => r.MessagesPerSecond),
            Median(ours, r => r.MegabytesPerSecond), Median(baseline, r => r.MegabytesPerSecond),
            BytesPerMessage(ours), BytesPerMessage(baseline));
    }

    private static double Median(List<ThroughputResult> results, Func<ThroughputResult, double> value)
    {
        double[] sorted = results.Select(value).Order().ToArray();
        return sorted[sorted.Length / 2];
    }

    private static double BytesPerMessage(List<ThroughputResult> results) =>
        (double)results.Sum(r => r.AllocatedBytes) / Math.Max(1, results.Sum(r => r.Messages));

    /// <summary>The shared captures folder, searched upward from the working directory (absent: synthetic payloads).</summary>
    private static string? FindCapture()
    {
        for (DirectoryInfo? directory = new(Directory.GetCurrentDirectory()); directory is not null; directory = directory.Parent)
        {
            string candidate = Path.Combine(directory.FullName, CaptureRelativePath);
            if (File.Exists(candidate))
                return candidate;
        }
        return null;
    }
}

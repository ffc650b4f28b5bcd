using BenchmarkDotNet.Attributes;

namespace FastEngine.Benchmarks.Transport;

/// <summary>
/// Receive throughput of PipeWebSocket beside System.Net.WebSockets.ClientWebSocket (reused buffer), both fed by
/// the same loopback server that writes pre-built frames (recorded Binance messages of about the chosen size when
/// ../shared/captures is present). One operation = one message; MemoryDiagnoser reports bytes per message.
/// </summary>
[MemoryDiagnoser]
public class WebSocketReceiveBenchmarks
{
    private const int MessagesPerInvoke = 100_000;
    private LoopbackReceivePeer? _peer;

    [Params(150, 4096)]
    public int Size { get; set; }

    [GlobalSetup]
    public void Setup() => _peer = new LoopbackReceivePeer(Size);

    [GlobalCleanup]
    public void Cleanup() => _peer?.Dispose();

    [Benchmark(Baseline = true, OperationsPerInvoke = MessagesPerInvoke)]
    public Task<long> ClientWebSocket() => _peer!.ReceiveBaselineAsync(MessagesPerInvoke);

    [Benchmark(OperationsPerInvoke = MessagesPerInvoke)]
    public long PipeWebSocket() => _peer!.ReceiveOurs(MessagesPerInvoke);
}

using System.Text;
using FastEngine.Adapters.Venues.Common;
using FastEngine.Books;
using FastEngine.Model;

namespace FastEngine.Adapters.Venues.Bybit;

/// <summary>
/// Bybit v5 public market data: spot (<see cref="VenueCatalog.BybitSpot"/>) and USDT linear perpetuals
/// (<see cref="VenueCatalog.BybitLinear"/>). Endpoints, topic/subscribe builders, keep-alive rule and book-sync rules.
/// </summary>
/// <remarks>
/// Book sync (v5 "Orderbook" doc, "Process snapshot/delta"): after subscribing, a <c>snapshot</c> arrives and resets the
/// book; each <c>delta</c> has <c>u</c> = previous <c>u</c> + 1 (the parser emits PrevSequence = <c>u</c> - 1, so
/// <see cref="SequenceRule.PrevLinked"/> checks it); a re-sent snapshot (also after a service restart, <c>u == 1</c>)
/// overwrites the book. No checksum. Resync = unsubscribe + subscribe the topic (a new snapshot follows).
/// Thread-safe (immutable).
/// </remarks>
public sealed class BybitAdapter : IVenueAdapter
{
    public const string SpotUrl = "wss://stream.bybit.com/v5/public/spot";
    public const string LinearUrl = "wss://stream.bybit.com/v5/public/linear";

    /// <summary>Depths the v5 public <c>orderbook</c> topic offers (spot: 1, 50, 200; linear also 500).</summary>
    public static readonly int[] BookDepths = [1, 50, 200, 500];

    private static readonly BookSyncSpec _spec = new(Sequence: SequenceRule.PrevLinked, Checksum: ChecksumKind.None, DenseBooks: true);

    /// <summary>Bybit drops connections without traffic; the documented keep-alive is <c>{"op":"ping"}</c> every 20 s
    /// (answered by <c>{"success":true,"ret_msg":"pong",...,"op":"ping"}</c>).</summary>
    public static readonly HeartbeatRule Heartbeat = new(HeartbeatKind.SendPeriodically, TimeSpan.FromSeconds(20),
        """{"op":"ping"}""", TimeSpan.FromSeconds(30));

    public IReadOnlyList<VenueId> Venues { get; } = [VenueCatalog.BybitSpot, VenueCatalog.BybitLinear];

    public BookSyncSpec SyncSpec(VenueId venue) => _spec;

    public IFrameParser CreateParser(VenueId venue, InstrumentRegistry registry, string? connectionUrl) => new BybitParser(venue, registry);

    /// <summary>The documented endpoint of a venue.</summary>
    public static string UrlOf(VenueId venue) => venue == VenueCatalog.BybitSpot ? SpotUrl : LinearUrl;

    public static string BookTopic(string symbol, int depth = 50)
    {
        if (Array.IndexOf(BookDepths, depth) < 0) throw new ArgumentOutOfRangeException(nameof(depth), depth, "allowed 1, 50, 200, 500");
        return $"orderbook.{depth}.{symbol}";
    }

    /// <summary>Tickers: best bid/ask (linear), funding rate, next funding time, mark and index price (linear).</summary>
    public static string TickerTopic(string symbol) => $"tickers.{symbol}";
    public static string TradeTopic(string symbol) => $"publicTrade.{symbol}";

    /// <summary><c>{"op":"subscribe","args":["orderbook.50.BTCUSDT"]}</c>.</summary>
    public static string Subscribe(IReadOnlyList<string> topics) => Build("subscribe", topics);
    public static string Unsubscribe(IReadOnlyList<string> topics) => Build("unsubscribe", topics);

    public static string SubscribeBook(IReadOnlyList<string> symbols, int depth = 50) => Subscribe(symbols.Select(s => BookTopic(s, depth)).ToArray());
    /// <summary>BBO, funding and mark/index all come from the <c>tickers</c> topic.</summary>
    public static string SubscribeTicker(IReadOnlyList<string> symbols) => Subscribe(symbols.Select(TickerTopic).ToArray());
    public static string SubscribeTrades(IReadOnlyList<string> symbols) => Subscribe(symbols.Select(TradeTopic).ToArray());

    private static string Build(string op, IReadOnlyList<string> topics)
    {
        var sb = new StringBuilder("{\"op\":\"").Append(op).Append("\",\"args\":[");
        for (int i = 0; i < topics.Count; i++)
        {
            if (i > 0) sb.Append(',');
            sb.Append('"').Append(topics[i]).Append('"');
        }
        return sb.Append("]}").ToString();
    }
}

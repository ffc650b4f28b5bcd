using System.Text;
using FastEngine.Adapters.Venues.Common;
using FastEngine.Books;
using FastEngine.Model;

namespace FastEngine.Adapters.Venues.Gemini;

/// <summary>
/// Gemini market data v2 (<see cref="VenueCatalog.Gemini"/>): endpoint, subscribe builders, keep-alive and book-sync
/// rules. Symbols are concatenated (<c>BTCUSD</c>; perpetuals <c>BTCUSDCPERP</c>).
/// </summary>
/// <remarks>
/// Book sync: the first <c>l2_updates</c> of a symbol is its full book, later ones carry new totals per price; there is
/// no sequence number and no checksum (<see cref="SequenceRule.None"/>). The connection is TCP-ordered, so the book is
/// exact as long as the connection lives; a reconnect (new parser) or a resubscribe (<see cref="GeminiParser.ExpectSnapshot"/>)
/// starts from a new full book. Thread-safe (immutable).
/// </remarks>
public sealed class GeminiAdapter : IVenueAdapter
{
    public const string MarketDataUrl = "wss://api.gemini.com/v2/marketdata";

    private static readonly BookSyncSpec _spec = new(Sequence: SequenceRule.None, Checksum: ChecksumKind.None);

    /// <summary>Gemini sends <c>{"type":"heartbeat","timestamp":...}</c> every 5 s by itself; nothing to send.</summary>
    public static readonly HeartbeatRule Heartbeat = new(HeartbeatKind.ServerSends, TimeSpan.FromSeconds(5), null, TimeSpan.FromSeconds(15));

    public IReadOnlyList<VenueId> Venues { get; } = [VenueCatalog.Gemini];

    public BookSyncSpec SyncSpec(VenueId venue) => _spec;

    public IFrameParser CreateParser(VenueId venue, InstrumentRegistry registry, string? connectionUrl) => new GeminiParser(venue, registry);

    /// <summary><c>{"type":"subscribe","subscriptions":[{"name":"l2","symbols":["BTCUSD"]}]}</c>: l2 carries the book AND
    /// the trades of the symbols (Gemini has no separate trade or BBO subscription in v2).</summary>
    public static string SubscribeBook(IReadOnlyList<string> symbols) => Build("subscribe", "l2", symbols);
    public static string UnsubscribeBook(IReadOnlyList<string> symbols) => Build("unsubscribe", "l2", symbols);
    /// <summary>Trades come with <c>l2</c>.</summary>
    public static string SubscribeTrades(IReadOnlyList<string> symbols) => SubscribeBook(symbols);

    private static string Build(string type, string name, IReadOnlyList<string> symbols)
    {
        var sb = new StringBuilder("{\"type\":\"").Append(type).Append("\",\"subscriptions\":[{\"name\":\"").Append(name).Append("\",\"symbols\":[");
        for (int i = 0; i < symbols.Count; i++)
        {
            if (i > 0) sb.Append(',');
            sb.Append('"').Append(symbols[i]).Append('"');
        }
        return sb.Append("]}]}").ToString();
    }
}

using System.Runtime.InteropServices;
using System.Text;
using FastEngine.Adapters.Venues;
using FastEngine.Capture.Normalized;
using FastEngine.Model;
using FastEngine.Tests.Support;

namespace FastEngine.Tests.Engine.Capture.Normalized;

/// <summary>
/// The fast paths of the normalized readers (Tardis: a strict scan of the JSON subset Tardis writes; depth-10 CSV: a
/// one-pass row parse) against their reference paths (Utf8JsonReader; column split + <see cref="FixedPoint"/>), which the
/// other tests in this folder check against the captures' documented facts: on the recorded lines and on every
/// one-byte mutation of them, both must give the same answer — accepted or not, the same reject reason, the same events
/// byte for byte, the same counters. The recorded lines themselves must all take the fast path (else it saves nothing).
/// </summary>
public class NormalizedFastPathTests
{
    /// <summary>Bytes a mutation writes: JSON/CSV structure, whitespace, escapes, number syntax, a letter, control and non-ASCII.</summary>
    private static readonly byte[] Replacements = "\"\\,:{}[] 0159.-+eEx\t"u8.ToArray().Concat(new byte[] { 0x01, 0xC3, 0x7F }).ToArray();

    private static IEnumerable<byte[]> Mutations(byte[] line)
    {
        yield return line;
        for (int i = 0; i < line.Length; i++)
        {
            foreach (byte b in Replacements)
            {
                if (line[i] == b) continue;
                var m = (byte[])line.Clone();
                m[i] = b;
                yield return m;
            }
            yield return [.. line.AsSpan(0, i), .. line.AsSpan(i + 1)];   // deleted
            yield return [.. line.AsSpan(0, i), (byte)'0', .. line.AsSpan(i)];   // inserted digit
        }
        yield return [.. line, (byte)' '];
        yield return [.. line, (byte)'\r'];
    }

    private static bool SameEvents(MarketEventBatch a, MarketEventBatch b) =>
        MemoryMarshal.AsBytes(a.Events).SequenceEqual(MemoryMarshal.AsBytes(b.Events));

    [Fact]
    public void Tardis_FixtureLines_AllTakeTheFastScan()
    {
        var registry = new InstrumentRegistry();
        var feed = TardisFeed.ForBitmexDeribit(registry, VenueCatalog.BitMex, VenueCatalog.Deribit, out _);
        var batch = new MarketEventBatch();
        var lines = Fixture.Lines("Multi", "bitmex-deribit_2019-04-01_head66.tardis-normalized.jsonl");
        foreach (var line in lines)
        {
            batch.Clear();
            Assert.True(new TardisNormalizedReader(Encoding.UTF8.GetBytes(line), feed).TryRead(batch, out _));
        }
        Assert.Equal(66, feed.Lines);
        Assert.Equal(0, feed.ReferenceScans);
    }

    /// <summary>The fixture's first 24 lines (both venues' changes, the first ones being deltas of one or two levels; the big
    /// snapshot is compared unmutated), two trades and a book change with keys out of order and an extra level key, mutated at every byte: fast scan and Utf8JsonReader agree on all of them.</summary>
    [Fact]
    public void Tardis_MutatedLines_FastScanAgreesWithUtf8JsonReader()
    {
        var lines = Fixture.Lines("Multi", "bitmex-deribit_2019-04-01_head66.tardis-normalized.jsonl").Take(24)
            .Concat([
                """{"amount":8612,"exchange":"bitmex","id":"8d5b9e20-3f2a-a962-d586-b7992a6cb633","localTimestamp":"2019-04-01T00:00:08.739787Z","price":4091,"side":"sell","symbol":"XBTUSD","timestamp":"2019-04-01T00:00:04.778Z","type":"trade"}""",
                """{"amount":10,"exchange":"deribit","id":"18437163","localTimestamp":"2019-04-01T00:00:09.000000Z","price":4093,"side":"buy","symbol":"BTC-PERPETUAL","timestamp":"2019-04-01T00:00:08.990Z","type":"trade"}""",
                """{"asks":[{"price":4092.5,"amount":1,"extra":7}],"bids":[{"amount":0,"price":4091.5},{"amount":1200,"price":4091}],"exchange":"bitmex","isSnapshot":true,"localTimestamp":"2019-04-01T00:00:03.000001Z","symbol":"XBTUSD","timestamp":"2019-04-01T00:00:03.000001Z","type":"book_change"}""",
            ])
            .Select(Encoding.UTF8.GetBytes).ToArray();
        var fastRegistry = new InstrumentRegistry();
        var fastFeed = TardisFeed.ForBitmexDeribit(fastRegistry, VenueCatalog.BitMex, VenueCatalog.Deribit, out _);
        var referenceRegistry = new InstrumentRegistry();
        var referenceFeed = TardisFeed.ForBitmexDeribit(referenceRegistry, VenueCatalog.BitMex, VenueCatalog.Deribit, out _);
        var fast = new MarketEventBatch();
        var reference = new MarketEventBatch();
        long compared = 0, accepted = 0;
        foreach (var line in lines)
        {
            foreach (var m in line.Length <= 600 ? Mutations(line) : [line])
            {
                fast.Clear();
                reference.Clear();
                bool a = new TardisNormalizedReader(m, fastFeed).TryRead(fast, out var fastReason);
                bool b = new TardisNormalizedReader(m, referenceFeed, referenceOnly: true).TryRead(reference, out var referenceReason);
                if (a != b || fastReason != referenceReason || !SameEvents(fast, reference))
                    Assert.Fail($"fast {a}/{fastReason}/{fast.Count} events, reference {b}/{referenceReason}/{reference.Count} events: {Encoding.Latin1.GetString(m)}");
                compared++;
                if (a) accepted++;
            }
        }
        Assert.Equal((referenceFeed.Lines, referenceFeed.Rejected, referenceFeed.BookMessages, referenceFeed.Trades, referenceFeed.OutOfOrder),
            (fastFeed.Lines, fastFeed.Rejected, fastFeed.BookMessages, fastFeed.Trades, fastFeed.OutOfOrder));
        foreach (var reason in Enum.GetValues<NormalizedRejectReason>())
            Assert.Equal(referenceFeed.RejectedBy(reason), fastFeed.RejectedBy(reason));
        Assert.True(compared > 50_000, $"{compared} lines compared");
        // Both outcomes are well represented (mutations inside numbers and strings often still make a valid line).
        Assert.InRange(accepted, compared / 20, compared - compared / 20);
        Assert.True(fastFeed.ReferenceScans < compared, "the fast scan decided some mutated lines itself");
    }

    /// <summary>Both fast paths allocate nothing per line once warm (the fixture lines, read 20 times over).</summary>
    [Fact]
    public void FastPaths_WarmReaders_AllocateNothing()
    {
        var registry = new InstrumentRegistry();
        var feed = TardisFeed.ForBitmexDeribit(registry, VenueCatalog.BitMex, VenueCatalog.Deribit, out _);
        var link = registry.GetOrAdd("LINK", "USDT", InstrumentKind.Spot, priceScale: 4, quantityScale: 4);
        var tardis = Fixture.Lines("Multi", "bitmex-deribit_2019-04-01_head66.tardis-normalized.jsonl").Select(Encoding.UTF8.GetBytes).ToArray();
        var csv = Fixture.Lines("Multi", "huobi_linkusdt_2021-08-20_first60s.depth10.csv").Skip(1).Select(Encoding.UTF8.GetBytes).ToArray();
        var batch = new MarketEventBatch(4096);
        long csvEvents = 0;
        void ReadAll()
        {
            foreach (var line in tardis)
            {
                batch.Clear();
                new TardisNormalizedReader(line, feed).TryRead(batch, out _);
            }
            foreach (var row in csv)
            {
                batch.Clear();
                new Depth10CsvReader(row).TryRead(VenueCatalog.Htx, link, batch, out _, out _);
                csvEvents += batch.Count;
            }
        }
        ReadAll();
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int pass = 0; pass < 20; pass++) ReadAll();
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(0, allocated);
        Assert.Equal(0, feed.ReferenceScans);
        // 21 passes: every Tardis line accepted, every CSV row (60 seconds) a 21-event snapshot.
        Assert.Equal((21L * 66, 0L), (feed.Lines, feed.Rejected));
        Assert.Equal(21L * 60 * 21, csvEvents);
    }

    [Fact]
    public void Depth10Csv_MutatedRows_FastPathAgreesWithCheckedPath()
    {
        var rows = Fixture.Lines("Multi", "binance_linkusdt_2021-08-20_first60s.depth10.csv").Skip(1).Take(2)
            .Concat(Fixture.Lines("Multi", "huobi_linkusdt_2021-08-20_first60s.depth10.csv").Skip(1).Take(2))
            .Append("2021-08-20 00:00:00,LINKUSDT.HB,27.0951,27.088,27.085,27.083,27.082,27.081,27.079,27.078,27.077,27.076,26.88178831780013,215.284,195.0,40.0,34.442,73.42,108.254,480.74,218.218,354.909,27.101,27.105,27.106,27.107,27.108,27.109,27.11,27.111,27.112,27.113,21.079,163.422,25.909,190.0,19.252,107.023,5.962,93.62,14.277,0.00000001")
            .Select(Encoding.UTF8.GetBytes).ToArray();
        var registry = new InstrumentRegistry();
        // Both scales the replay and the tests use.
        var instruments = new[]
        {
            registry.GetOrAdd("LINK", "USDT", InstrumentKind.Spot, priceScale: 4, quantityScale: 4),
            registry.GetOrAdd("LINK", "BTC", InstrumentKind.Spot, priceScale: 3, quantityScale: 8),
        };
        var fast = new MarketEventBatch();
        var reference = new MarketEventBatch();
        long compared = 0, accepted = 0, truncatedRows = 0;
        foreach (var instrument in instruments)
        {
            foreach (var row in rows)
            {
                foreach (var m in Mutations(row))
                {
                    fast.Clear();
                    reference.Clear();
                    bool a = new Depth10CsvReader(m).TryRead(VenueCatalog.Htx, instrument, fast, out var fastReason, out int fastCut);
                    bool b = new Depth10CsvReader(m).TryReadChecked(VenueCatalog.Htx, instrument, reference, out var referenceReason, out int referenceCut);
                    if (a != b || fastReason != referenceReason || (a && fastCut != referenceCut) || !SameEvents(fast, reference))
                        Assert.Fail($"scale {instrument.PriceScale}/{instrument.QuantityScale}: fast {a}/{fastReason}/{fastCut}, checked {b}/{referenceReason}/{referenceCut}: {Encoding.Latin1.GetString(m)}");
                    compared++;
                    if (a) accepted++;
                    if (a && fastCut > 0) truncatedRows++;
                }
            }
        }
        Assert.True(compared > 50_000, $"{compared} rows compared");
        Assert.InRange(accepted, compared / 20, compared - compared / 20);
        Assert.True(truncatedRows > 0);
    }
}

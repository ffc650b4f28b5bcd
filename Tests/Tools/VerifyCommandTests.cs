using System.CommandLine;
using System.Text.Json;
using FastEngine.Cli;
using FastEngine.Tests.Support;
using Xunit.Abstractions;

namespace FastEngine.Tests.Tools;

/// <summary>
/// <c>fastengine verify</c> run in-process on real captures. Expected numbers are the exchange's own answers as stated in
/// shared/captures/README.md (frame counts, snapshot/update counts, "OKX 3,679 of 3,679 checksums", "Kraken 2,234 of
/// 2,234", "Bybit u +1 on all 2,142 deltas", "Coinbase sequence_num contiguous") or counted from the fixture text itself;
/// Binance BBO counts are the ones the Decimal reference (Tests/Fixtures/Binance/reference_counts.py) reproduces, as in
/// BinanceReplayTests.
/// </summary>
public sealed class VerifyCommandTests(ITestOutputHelper output)
{
    private static (int Exit, string Out, string Err) Run(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int exit = Program.BuildRoot().Parse(args).Invoke(new InvocationConfiguration { Output = stdout, Error = stderr });
        return (exit, stdout.ToString(), stderr.ToString());
    }

    /// <summary>Runs <c>verify --json</c>, checks the exit code agrees with <c>consistent</c>, returns the parsed object.</summary>
    private JsonElement RunJson(int expectedExit, params string[] args)
    {
        var (exit, stdout, stderr) = Run(["verify", "--json", .. args]);
        output.WriteLine($"verify {string.Join(' ', args.Select(Path.GetFileName))} -> exit {exit}");
        output.WriteLine(stdout);
        if (stderr.Length > 0) output.WriteLine("stderr: " + stderr);
        Assert.True(expectedExit == exit, $"exit {exit}, expected {expectedExit}; stderr: {stderr}");
        var root = JsonDocument.Parse(stdout).RootElement.Clone();
        Assert.Equal(exit == 0, root.GetProperty("consistent").GetBoolean());
        return root;
    }

    private static JsonElement Venue(JsonElement root, string group) => root.GetProperty("venues").GetProperty(group);

    private static long L(JsonElement venue, string key) => venue.GetProperty(key).GetInt64();

    private static void AssertClean(JsonElement v)
    {
        Assert.Equal(0, L(v, "rejected"));
        Assert.Empty(v.GetProperty("rejected_by").EnumerateObject());
        Assert.Equal(0, L(v, "gaps"));
        Assert.Equal(0, L(v, "resyncs"));
        Assert.Equal(0, L(v, "checksum_bad"));
        Assert.Equal(0, L(v, "bbo_mismatch"));
        Assert.Equal(0, L(v, "crossed"));
        Assert.Equal(0, L(v, "unsynced_books"));
        Assert.True(v.GetProperty("consistent").GetBoolean());
    }

    private string? Shared(string relative)
    {
        var dir = Fixture.SharedDirectory();
        var p = dir is null ? null : Path.Combine(dir, "captures", relative);
        if (p is null || !File.Exists(p))
        {
            output.WriteLine($"SKIPPED: ../shared absent ({relative} is not in the repository)");
            return null;
        }
        return p;
    }

    // ------------------------------------------------------------------ in-repo fixtures

    [Fact]
    public void Verify_OkxFixture_EveryChecksumInTheFileMatches()
    {
        string path = Fixture.Path("Okx", "v5_books-l2-tbt_tickers_trades_2022-02-27.first1800.legacy.txt");
        // Independent count: book frames (snapshot or update) carrying the exchange's checksum.
        var lines = File.ReadAllLines(path);
        int checksummed = lines.Count(l => l.Contains("\"channel\":\"books-l2-tbt\"") && l.Contains("\"checksum\":"));
        int snapshots = lines.Count(l => l.Contains("\"channel\":\"books-l2-tbt\"") && l.Contains("\"action\":\"snapshot\""));
        Assert.True(checksummed > 1500);

        var okx = Venue(RunJson(0, path), "okx");
        AssertClean(okx);
        Assert.Equal(checksummed, L(okx, "checksum_ok"));
        Assert.Equal(snapshots, L(okx, "snapshots"));
        Assert.Equal(checksummed - snapshots, L(okx, "deltas"));
        Assert.Equal(10, L(okx, "books"));
    }

    [Fact]
    public void Verify_KrakenFixture_2234Of2234ChecksumsMatch()
    {
        var kraken = Venue(RunJson(0, Fixture.Path("Kraken", "spot_v1_book1000_5pairs_2021-04-17.legacy.txt")), "kraken");
        AssertClean(kraken);
        Assert.Equal(2276, L(kraken, "frames"));
        Assert.Equal(2234, L(kraken, "checksum_ok"));
        Assert.Equal(5, L(kraken, "snapshots"));
        Assert.Equal(2234, L(kraken, "deltas"));
        Assert.Equal(5, L(kraken, "books"));
    }

    [Fact]
    public void Verify_GeminiFixture_TenBooksNeverCross()
    {
        var gemini = Venue(RunJson(0, Fixture.Path("Gemini", "v2_l2_10sym_2021-04-17.legacy.txt")), "gemini");
        AssertClean(gemini);
        Assert.Equal(993, L(gemini, "frames"));
        Assert.Equal(10, L(gemini, "books"));
        Assert.Equal(10, L(gemini, "snapshots"));
        Assert.Equal(935 - 10, L(gemini, "deltas")); // README: 935 l2_updates, the first per symbol is the full book
    }

    public static TheoryData<string, string[], string, long, long> BinanceFixtures => new()
    {
        // name, files, group, deltas applied, bbo_checked (see BinanceReplayTests for where each count comes from)
        { "spot 2024 first 3000", ["spot_btcusdt_2024-08-08_first3000.tsns.txt"], "binance", 279, 43 },
        { "usdm 2024 first 2000", ["usdm_btcusdt_2024-08-08_first2000.tsns.txt"], "binance-futures", 165, 16 },
        { "usdm 2023 first 2000", ["usdm_btcusdt_2023-04-04_first2000.tsus.txt"], "binance-futures", 854, 56 },
        { "coinm 2024 first 2000", ["coinm_btcusd-perp_2024-08-08_first2000.tsns.txt"], "binance-coinm", 1092, 55 },
        { "spot 2021 ws + rest", ["spot_4sym_2021-10-12_ws.legacy.txt", "spot_4sym_2021-10-12_rest-depth.legacy.txt"], "binance", 172, 26 },
        { "usdm 2021 ws + rest", ["usdm_4sym_2021-07-22_ws.legacy.txt", "usdm_4sym_2021-07-22_rest-depth.legacy.txt"], "binance-futures", 752 - 3, 50 },
    };

    [Theory]
    [MemberData(nameof(BinanceFixtures))]
    public void Verify_BinanceFixture_SyncsWithoutGapsAndEveryComparableBookTickerMatches(string name, string[] files, string group, long deltas, long bboChecked)
    {
        output.WriteLine(name);
        var root = RunJson(0, files.Select(f => Fixture.Path("Binance", f)).ToArray());
        var v = Venue(root, group);
        AssertClean(v);
        Assert.Single(root.GetProperty("venues").EnumerateObject());
        Assert.Equal(deltas, L(v, "deltas"));
        Assert.Equal(bboChecked, L(v, "bbo_checked"));
        Assert.Equal(L(v, "books"), L(v, "snapshots")); // one REST snapshot per book
    }

    [Fact]
    public void Verify_BinanceWsFileWithoutItsRestFile_BooksNeverSyncExit1()
    {
        // Binance diffs need the REST snapshot: without the rest-depth file the 4 books stay unsynced (nothing verified).
        var v = Venue(RunJson(1, Fixture.Path("Binance", "spot_4sym_2021-10-12_ws.legacy.txt")), "binance");
        Assert.Equal(4, L(v, "books"));
        Assert.Equal(4, L(v, "unsynced_books"));
        Assert.Equal(0, L(v, "snapshots"));
        Assert.Equal(0, L(v, "rejected"));
        Assert.False(v.GetProperty("consistent").GetBoolean());
    }

    [Fact]
    public void Verify_CorruptedOkxSize_ChecksumMismatchResyncExit1()
    {
        string original = Fixture.Path("Okx", "v5_books-l2-tbt_tickers_trades_2022-02-27.first1800.legacy.txt");
        var lines = File.ReadAllLines(original);
        // Line 100: a UNI-USD-SWAP update whose first bid is 9.617 x 441. One size digit changed: 441 -> 442.
        const string level = "[\"9.617\",\"441\",\"0\",\"4\"]";
        Assert.Contains(level, lines[99]);
        Assert.Contains("\"action\":\"update\"", lines[99]);
        lines[99] = lines[99].Replace(level, "[\"9.617\",\"442\",\"0\",\"4\"]");
        string dir = Directory.CreateTempSubdirectory("fe-verify-").FullName;
        try
        {
            string corrupted = Path.Combine(dir, "okx_corrupted.legacy.txt");
            File.WriteAllLines(corrupted, lines);
            var okx = Venue(RunJson(1, corrupted), "okx");
            Assert.True(L(okx, "checksum_bad") >= 1);
            Assert.True(L(okx, "resyncs") >= 1);
            Assert.Equal(1, L(okx, "unsynced_books")); // OKX sends no second snapshot in the file: the book stays failed closed
            Assert.Equal(0, L(okx, "rejected"));       // the frame itself is well-formed; only the book disagrees
            Assert.False(okx.GetProperty("consistent").GetBoolean());
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void Verify_VenueWithoutAdapter_CountedAsNoAdapterExit1()
    {
        // The recorded Bitfinex connect/subscribe lines, then two received frames in Bitfinex v2's documented shapes
        // (info event, heartbeat): FastEngine has no Bitfinex adapter, so both are unverifiable frames.
        var lines = File.ReadAllLines(Fixture.Path("Capture", "bitfinex_v2_2021-04-05.head6.legacy.txt")).ToList();
        lines.Add("1617643607.5: {\"event\":\"info\",\"version\":2,\"serverId\":\"x\",\"platform\":{\"status\":1}}");
        lines.Add("1617643608.5: [17470,\"hb\",2]");
        string dir = Directory.CreateTempSubdirectory("fe-verify-").FullName;
        try
        {
            string path = Path.Combine(dir, "bitfinex.legacy.txt");
            File.WriteAllLines(path, lines);
            var bitfinex = Venue(RunJson(1, path), "bitfinex");
            Assert.Equal(2, L(bitfinex, "frames"));
            Assert.Equal(2, L(bitfinex, "rejected"));
            Assert.Equal(2, bitfinex.GetProperty("rejected_by").GetProperty("no-adapter").GetInt64());
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void Verify_FileWithoutReceivedFrames_NothingVerifiedExit1()
    {
        var (exit, stdout, stderr) = Run("verify", "--json", Fixture.Path("Capture", "bitfinex_v2_2021-04-05.head6.legacy.txt"));
        Assert.Equal(1, exit);
        Assert.False(JsonDocument.Parse(stdout).RootElement.GetProperty("consistent").GetBoolean());
        Assert.Contains("no market-data frame", stderr);
    }

    [Fact]
    public void Verify_Json_KeysInDocumentedOrderAndRepeatable()
    {
        string path = Fixture.Path("Kraken", "spot_v1_book1000_5pairs_2021-04-17.legacy.txt");
        var first = Run("verify", "--json", path);
        var second = Run("verify", "--json", path);
        Assert.Equal(first.Out, second.Out);
        var root = JsonDocument.Parse(first.Out).RootElement;
        Assert.Equal(["files", "venues", "consistent"], root.EnumerateObject().Select(p => p.Name));
        Assert.Equal(["path", "format", "records", "import_rejected"], root.GetProperty("files")[0].EnumerateObject().Select(p => p.Name));
        Assert.Equal(
            ["frames", "events", "rejected", "rejected_by", "books", "snapshots", "deltas", "gaps", "resyncs", "checksum_ok", "checksum_bad",
             "bbo_checked", "bbo_mismatch", "crossed", "unsynced_books", "consistent"],
            Venue(root, "kraken").EnumerateObject().Select(p => p.Name));
        Assert.Equal("legacy", root.GetProperty("files")[0].GetProperty("format").GetString());
    }

    [Fact]
    public void Verify_Text_TableWithOneRowPerGroupAndVerdict()
    {
        var (exit, stdout, _) = Run("verify", Fixture.Path("Binance", "spot_4sym_2021-10-12_ws.legacy.txt"),
            Fixture.Path("Binance", "spot_4sym_2021-10-12_rest-depth.legacy.txt"), Fixture.Path("Kraken", "spot_v1_book1000_5pairs_2021-04-17.legacy.txt"));
        output.WriteLine(stdout);
        Assert.Equal(0, exit);
        var lines = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.Contains(lines, l => l.StartsWith("venue ") && l.Contains("checksum_ok") && l.Contains("bbo_mismatch"));
        var binanceRow = lines.Single(l => l.StartsWith("binance ")).Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var krakenRow = lines.Single(l => l.StartsWith("kraken ")).Split(' ', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("269", binanceRow[1]); // README: 265 stream frames, plus the 4 REST bodies
        Assert.Equal("2234", krakenRow[9]); // checksum_ok column
        Assert.Equal("yes", krakenRow[^1]);
        Assert.Equal("consistent: yes", lines[^1]);
    }

    // ------------------------------------------------------------------ usage errors

    [Fact]
    public void Verify_MissingFile_Exit2NamingTheFile()
    {
        string missing = Path.Combine(Path.GetTempPath(), "fe-verify-no-such-capture.legacy.txt");
        var (exit, stdout, stderr) = Run("verify", Fixture.Path("Kraken", "spot_v1_trade_2021-04-17.legacy.txt"), missing);
        Assert.Equal(2, exit);
        Assert.Contains(missing, stderr);
        Assert.Equal("", stdout);
    }

    [Fact]
    public void Verify_UnknownVenue_Exit2ListingAllowedNames()
    {
        var (exit, _, stderr) = Run("verify", Fixture.Path("Kraken", "spot_v1_trade_2021-04-17.legacy.txt"), "--venue", "nowhere");
        Assert.Equal(2, exit);
        Assert.Contains("unknown --venue 'nowhere'", stderr);
        foreach (var name in new[] { "binance", "binance-futures", "bybit", "coinbase", "gemini", "kraken", "okx" })
            Assert.Contains(name, stderr);
    }

    [Fact]
    public void Verify_UnknownFormat_Exit2ListingFormats()
    {
        var (exit, _, stderr) = Run("verify", Fixture.Path("Kraken", "spot_v1_trade_2021-04-17.legacy.txt"), "--format", "csv");
        Assert.Equal(2, exit);
        Assert.Contains("unknown --format 'csv'", stderr);
        Assert.Contains("envelope", stderr);
    }

    [Fact]
    public void Verify_UndetectableFile_Exit2NamingTheFile()
    {
        string dir = Directory.CreateTempSubdirectory("fe-verify-").FullName;
        try
        {
            string path = Path.Combine(dir, "mystery.bin");
            File.WriteAllText(path, "hello\n");
            var (exit, _, stderr) = Run("verify", path);
            Assert.Equal(2, exit);
            Assert.Contains(path, stderr);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    // ------------------------------------------------------------------ full shared files (skipped when ../shared is absent)

    [Fact]
    public void Verify_SharedOkx_3679Of3679ChecksumsMatch()
    {
        if (Shared("okx/v5_books-l2-tbt_tickers_trades_2022-02-27.legacy.txt") is not { } p) return;
        var okx = Venue(RunJson(0, p), "okx");
        AssertClean(okx);
        Assert.Equal(3777, L(okx, "frames"));
        Assert.Equal(3679, L(okx, "checksum_ok"));
        Assert.Equal(20, L(okx, "snapshots"));
        Assert.Equal(3659, L(okx, "deltas"));
    }

    [Fact]
    public void Verify_SharedKraken_2234Of2234ChecksumsMatch()
    {
        if (Shared("kraken/spot_v1_book1000_5pairs_2021-04-17.legacy.txt") is not { } p) return;
        var kraken = Venue(RunJson(0, p), "kraken");
        AssertClean(kraken);
        Assert.Equal(2234, L(kraken, "checksum_ok"));
    }

    [Fact]
    public void Verify_SharedBybit_NoGapOver2142DeltasBothSegmentsOneGroup()
    {
        if (Shared("bybit/v5_linear-spot_orderbook200_tickers_trades_2026-08-09.envelope.jsonl") is not { } p) return;
        foreach (var args in new[] { new[] { p }, new[] { p, "--venue", "bybit" } })
        {
            var root = RunJson(0, args);
            Assert.Single(root.GetProperty("venues").EnumerateObject()); // bybit-spot and bybit-linear report as "bybit"
            var bybit = Venue(root, "bybit");
            AssertClean(bybit);
            Assert.Equal(3227, L(bybit, "frames"));
            Assert.Equal(6, L(bybit, "snapshots"));
            Assert.Equal(2142, L(bybit, "deltas"));
            Assert.Equal(6, L(bybit, "books"));
        }
    }

    [Fact]
    public void Verify_SharedCoinbase_SequenceContiguousNoGap()
    {
        if (Shared("coinbase/advtrade_btc-eth_2026-08-09_0-15s.envelope.jsonl") is not { } p) return;
        var coinbase = Venue(RunJson(0, p), "coinbase");
        AssertClean(coinbase);
        Assert.Equal(631, L(coinbase, "frames"));
        Assert.Equal(2, L(coinbase, "snapshots"));
        Assert.Equal(460, L(coinbase, "deltas"));
    }

    [Fact]
    public void Verify_SharedGemini2026_TenBooks()
    {
        if (Shared("gemini/v2_l2_10sym_2026-08-09.envelope.jsonl") is not { } p) return;
        var gemini = Venue(RunJson(0, p), "gemini");
        AssertClean(gemini);
        Assert.Equal(563, L(gemini, "frames"));
        Assert.Equal(10, L(gemini, "snapshots"));
        Assert.Equal(559 - 10, L(gemini, "deltas"));
    }

    [Fact]
    public void Verify_SharedBinanceThreeMarketsMerged_NoGapNoBboMismatch()
    {
        if (Shared("binance/spot_btcusdt_2024-08-08_0-120s.tsns.txt") is not { } spot) return;
        if (Shared("multi/binance-usdm_btcusdt_2024-08-08_0-120s.tsns.txt") is not { } usdm) return;
        if (Shared("multi/binance-coinm_btcusd-perp_2024-08-08_0-120s.tsns.txt") is not { } coinm) return;
        var root = RunJson(0, spot, usdm, coinm);
        // Counts as in BinanceReplayTests (README + the Decimal reference): deltas, bookTicker comparisons.
        foreach (var (group, frames, deltas, bbo) in new[] { ("binance", 13753L, 1195L, 207L), ("binance-futures", 28879L, 2267L, 198L), ("binance-coinm", 16211L, 9279L, 368L) })
        {
            var v = Venue(root, group);
            AssertClean(v);
            Assert.Equal(frames, L(v, "frames"));
            Assert.Equal(deltas, L(v, "deltas"));
            Assert.Equal(bbo, L(v, "bbo_checked"));
        }
    }

    [Fact]
    public void Verify_SharedBinanceFutures_NoGapNoBboMismatch()
    {
        if (Shared("binance-futures/usdm_btcusdt_2023-04-04_markprice_depth0ms.tsus.txt") is not { } p2023) return;
        var v = Venue(RunJson(0, p2023), "binance-futures");
        AssertClean(v);
        Assert.Equal(13384, L(v, "frames"));
        Assert.Equal(4322, L(v, "deltas"));
        Assert.Equal(310, L(v, "bbo_checked")); // README: 310 futures comparisons in this file
    }
}

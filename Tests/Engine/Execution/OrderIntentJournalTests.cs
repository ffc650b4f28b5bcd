using System.Diagnostics;
using FastEngine.Adapters.Venues;
using FastEngine.Execution;
using FastEngine.Model;

namespace FastEngine.Tests.Engine.Execution;

public class OrderIntentJournalTests : IDisposable
{
    private static readonly JournalOptions NoSync = new() { FsyncPolicy = FsyncPolicy.Never };
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    private string WriteJournal(string name, int count)
    {
        string path = _dir.File(name);
        using var journal = OrderIntentJournal.Open(path, NoSync);
        for (int i = 0; i < count; i++) Assert.Equal(JournalAppendResult.Appended, journal.TryAppend(Intents.Make(i)));
        return path;
    }

    [Fact]
    public void TryAppend_NewIntent_WritesOneRecordOfDocumentedSize()
    {
        string path = _dir.File("j.bin");
        using (var journal = OrderIntentJournal.Open(path, NoSync))
        {
            Assert.Equal(Intents.HeaderSize, journal.Length);
            Assert.Equal(JournalAppendResult.Appended, journal.TryAppend(Intents.Make(1)));
            Assert.Equal(Intents.HeaderSize + Intents.IntentRecordSize, journal.Length);
        }
        Assert.Equal(Intents.HeaderSize + Intents.IntentRecordSize, new FileInfo(path).Length);
        byte[] bytes = File.ReadAllBytes(path);
        Assert.Equal("FEOIJRNL"u8.ToArray(), bytes[..8]);
        Assert.Equal(1, BitConverter.ToUInt16(bytes, 8)); // version
        Assert.Equal(128u, BitConverter.ToUInt32(bytes, Intents.HeaderSize)); // payload length
        Assert.Equal((byte)JournalRecordType.Intent, bytes[Intents.HeaderSize + 4]);
        // The record CRC is CRC-32/IEEE of length+type+payload: check with a bit-at-a-time reference written from the spec.
        var record = bytes.AsSpan(Intents.HeaderSize, Intents.IntentRecordSize);
        Assert.Equal(BitwiseCrc32.Compute(record[..^4]), BitConverter.ToUInt32(record[^4..]));
    }

    [Fact]
    public void TryAppend_SameVenueAndClientOrderId_DuplicateNotWritten()
    {
        string path = _dir.File("j.bin");
        using var journal = OrderIntentJournal.Open(path, NoSync);
        var first = Intents.Make(7);
        Assert.Equal(JournalAppendResult.Appended, journal.TryAppend(first));
        long length = journal.Length;
        var again = first;
        again.IntentId = 99; // another intent, same venue:clientOrderId
        again.Quantity = 5;
        Assert.Equal(JournalAppendResult.Duplicate, journal.TryAppend(again));
        Assert.Equal(length, journal.Length);
        Assert.Equal(1, journal.DuplicateCount);
        // Same client order id on another venue is a different key.
        var otherVenue = first;
        otherVenue.Venue = VenueCatalog.Okx;
        Assert.Equal(JournalAppendResult.Appended, journal.TryAppend(otherVenue));
    }

    [Fact]
    public void TryAppend_DuplicateAfterReopen_StillRefused()
    {
        string path = WriteJournal("j.bin", 10);
        using var journal = OrderIntentJournal.Open(path, NoSync);
        Assert.Equal(10, journal.Count);
        Assert.Equal(JournalAppendResult.Duplicate, journal.TryAppend(Intents.Make(3)));
        Assert.Equal(JournalAppendResult.Appended, journal.TryAppend(Intents.Make(10)));
    }

    [Fact]
    public void TryAppend_BadIntent_RejectedWithReason()
    {
        using var journal = OrderIntentJournal.Open(_dir.File("j.bin"), NoSync);
        var noQty = Intents.Make(1); noQty.Quantity = 0;
        var noVenue = Intents.Make(2); noVenue.Venue = VenueId.None;
        var noId = Intents.Make(3); noId.ClientOrderId = default;
        var badSide = Intents.Make(4); badSide.Side = (OrderSide)9;
        var limitNoPrice = Intents.Make(5); limitNoPrice.OrderType = OrderType.Limit; limitNoPrice.LimitPrice = 0;
        var wrongRef = Intents.Make(6); wrongRef.ReferenceId = ReferenceIds.Sha256("binance:something-else"u8);
        var rightRef = Intents.Make(8); rightRef.ReferenceId = ReferenceIds.ForOrder(rightRef.Venue, rightRef.ClientOrderId);
        Assert.Equal(JournalAppendResult.InvalidIntent, journal.TryAppend(noQty));
        Assert.Equal(JournalAppendResult.InvalidIntent, journal.TryAppend(noVenue));
        Assert.Equal(JournalAppendResult.InvalidIntent, journal.TryAppend(noId));
        Assert.Equal(JournalAppendResult.InvalidIntent, journal.TryAppend(badSide));
        Assert.Equal(JournalAppendResult.InvalidIntent, journal.TryAppend(limitNoPrice));
        Assert.Equal(JournalAppendResult.ReferenceIdMismatch, journal.TryAppend(wrongRef));
        Assert.Equal(JournalAppendResult.Appended, journal.TryAppend(rightRef));
        Assert.Equal(6, journal.RejectedCount);
        Assert.Equal(0, journal.Recovery.RecordCount);
    }

    [Fact]
    public void Recover_ThousandIntents_RoundTripsEveryFieldInOrder()
    {
        string path = WriteJournal("j.bin", 1000);
        var recovery = OrderIntentJournal.Recover(path);
        Assert.Equal(RecordFileTail.Clean, recovery.Tail);
        Assert.Equal(1000, recovery.IntentCount);
        Assert.Equal(Intents.HeaderSize + 1000L * Intents.IntentRecordSize, recovery.ValidLength);
        Assert.Equal(1000, recovery.PendingIntents.Count);
        for (int i = 0; i < 1000; i++) Intents.AssertSame(Intents.Make(i), recovery.PendingIntents[i]);
    }

    [Fact]
    public void Recover_TruncatedAtEveryByteOfLastRecord_KeepsAllCompleteRecordsAndResumes()
    {
        string source = WriteJournal("source.bin", 1000);
        byte[] full = File.ReadAllBytes(source);
        long lastStart = Intents.HeaderSize + 999L * Intents.IntentRecordSize;
        Assert.Equal(lastStart + Intents.IntentRecordSize, full.Length);
        string path = _dir.File("torn.bin");
        for (long cut = lastStart + 1; cut < full.Length; cut++)
        {
            File.WriteAllBytes(path, full.AsSpan(0, (int)cut).ToArray());
            var recovery = OrderIntentJournal.Recover(path);
            Assert.Equal(RecordFileTail.Torn, recovery.Tail);
            Assert.Equal(999, recovery.IntentCount);
            Assert.Equal(lastStart, recovery.ValidLength);
            Assert.Equal(cut - lastStart, recovery.TornBytes);
            Assert.True(recovery.Truncated);
            Assert.Equal(lastStart, new FileInfo(path).Length);
            Assert.Equal(999, recovery.PendingIntents.Count);
            Assert.Equal(999, recovery.PendingIntents.Select(p => p.ReferenceId).Distinct().Count());
            Intents.AssertSame(Intents.Make(0), recovery.PendingIntents[0]);
            Intents.AssertSame(Intents.Make(998), recovery.PendingIntents[998]);

            // Appending after recovery: the lost intent goes in again, an old one is still a duplicate.
            using (var journal = OrderIntentJournal.Open(path, NoSync))
            {
                Assert.Equal(RecordFileTail.Clean, journal.Recovery.Tail);
                Assert.Equal(JournalAppendResult.Duplicate, journal.TryAppend(Intents.Make(998)));
                Assert.Equal(JournalAppendResult.Appended, journal.TryAppend(Intents.Make(999)));
            }
            Assert.Equal(full, File.ReadAllBytes(path)); // byte-identical to the never-torn journal
        }
    }

    [Theory]
    [InlineData(10)]
    [InlineData(500)]
    [InlineData(998)]
    public void Recover_TruncatedInsideEarlierRecord_KeepsEverythingBeforeTheTear(int record)
    {
        string source = WriteJournal("source.bin", 1000);
        byte[] full = File.ReadAllBytes(source);
        long start = Intents.HeaderSize + (long)record * Intents.IntentRecordSize;
        foreach (long cut in new[] { start + 1, start + 4, start + 5, start + 70, start + Intents.IntentRecordSize - 1 })
        {
            string path = _dir.File($"torn-{record}-{cut}.bin");
            File.WriteAllBytes(path, full.AsSpan(0, (int)cut).ToArray());
            var recovery = OrderIntentJournal.Recover(path);
            Assert.Equal(RecordFileTail.Torn, recovery.Tail);
            Assert.Equal(record, recovery.IntentCount);
            Assert.Equal(start, new FileInfo(path).Length);
            for (int i = 0; i < record; i++) Intents.AssertSame(Intents.Make(i), recovery.PendingIntents[i]);
        }
    }

    [Fact]
    public void Recover_TruncateDisabled_ReportsTearAndLeavesFile()
    {
        string path = WriteJournal("j.bin", 5);
        long length = new FileInfo(path).Length;
        using (var s = new FileStream(path, FileMode.Open)) s.SetLength(length - 3);
        var recovery = OrderIntentJournal.Recover(path, truncateTornTail: false);
        Assert.Equal(RecordFileTail.Torn, recovery.Tail);
        Assert.False(recovery.Truncated);
        Assert.Equal(4, recovery.IntentCount);
        Assert.Equal(length - 3, new FileInfo(path).Length);
    }

    [Fact]
    public void Recover_FlippedByteInMiddleRecord_CorruptAndNothingTruncated()
    {
        string path = WriteJournal("j.bin", 100);
        byte[] bytes = File.ReadAllBytes(path);
        bytes[Intents.HeaderSize + 10 * Intents.IntentRecordSize + 20] ^= 0x01;
        File.WriteAllBytes(path, bytes);
        var recovery = OrderIntentJournal.Recover(path);
        Assert.Equal(RecordFileTail.Corrupt, recovery.Tail);
        Assert.False(recovery.Truncated);
        Assert.Equal(10, recovery.IntentCount);
        Assert.Equal(bytes.Length, new FileInfo(path).Length);
        Assert.Throws<InvalidDataException>(() => OrderIntentJournal.Open(path, NoSync));
    }

    [Fact]
    public void Recover_ZeroFilledTail_TreatedAsTornWrite()
    {
        string path = WriteJournal("j.bin", 20);
        using (var s = new FileStream(path, FileMode.Append)) s.Write(new byte[4096]); // what a crash after extending the file leaves
        var recovery = OrderIntentJournal.Recover(path);
        Assert.Equal(RecordFileTail.Torn, recovery.Tail);
        Assert.Equal(20, recovery.IntentCount);
    }

    [Fact]
    public void Open_ForeignFile_RefusedAndUnchanged()
    {
        string path = _dir.File("not-a-journal.txt");
        File.WriteAllText(path, "this is not an order-intent journal, just some text that is long enough");
        Assert.Equal(RecordFileTail.BadHeader, OrderIntentJournal.Recover(path).Tail);
        Assert.Throws<InvalidDataException>(() => OrderIntentJournal.Open(path, NoSync));
        Assert.StartsWith("this is not", File.ReadAllText(path));
    }

    /// <summary>SHA-256 of <c>venue:clientOrderId</c> through the platform's hash: the reference id's definition.</summary>
    private static ReferenceId PlatformReferenceId(string venue, in ClientOrderId clientOrderId)
    {
        var id = default(ReferenceId);
        System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(venue + ":" + clientOrderId), id.AsWritableSpan());
        return id;
    }

    /// <summary>
    /// Reference ids computed ahead (idle time) are what the append journals and indexes: the recovered records carry
    /// SHA-256 of <c>venue:clientOrderId</c>, the append counts a hit, a second append of the same key is a duplicate.
    /// An entry for another client order id in the same slot (900001 and 900065 share one) or another venue is not used:
    /// those appends hash, and their ids are right too.
    /// </summary>
    [Fact]
    public void PrecomputeReferenceId_AppendUsesItOnlyForTheSameVenueAndClientOrderId()
    {
        string path = _dir.File("j.bin");
        var hit = Intents.Make(1);                        // binance:900001
        var sameSlot = Intents.Make(65);                  // binance:900065
        var otherVenue = Intents.Make(2, VenueCatalog.Okx);   // okx:900002
        using (var journal = OrderIntentJournal.Open(path, NoSync))
        {
            Assert.True(journal.PrecomputeReferenceId(hit.Venue, hit.ClientOrderId));
            Assert.False(journal.PrecomputeReferenceId(hit.Venue, hit.ClientOrderId));   // already kept
            Assert.True(journal.PrecomputeReferenceId(VenueCatalog.Binance, otherVenue.ClientOrderId));
            Assert.Equal(2, journal.PrecomputedCount);
            Assert.False(journal.PrecomputeReferenceId(VenueId.None, hit.ClientOrderId));

            Assert.Equal(JournalAppendResult.Appended, journal.TryAppend(hit));
            Assert.Equal(1, journal.PrecomputedHits);
            Assert.Equal(JournalAppendResult.Appended, journal.TryAppend(sameSlot));
            Assert.Equal(JournalAppendResult.Appended, journal.TryAppend(otherVenue));
            Assert.Equal(1, journal.PrecomputedHits);
            var again = hit;
            again.IntentId = 99;
            Assert.Equal(JournalAppendResult.Duplicate, journal.TryAppend(again));
            Assert.Equal(IntentState.Journaled, journal.StateOf(PlatformReferenceId("binance", hit.ClientOrderId)));
        }
        var records = OrderIntentJournal.Recover(path).PendingIntents;
        Assert.Equal(3, records.Count);
        Assert.Equal(PlatformReferenceId("binance", hit.ClientOrderId), records[0].ReferenceId);
        Assert.Equal(PlatformReferenceId("binance", sameSlot.ClientOrderId), records[1].ReferenceId);
        Assert.Equal(PlatformReferenceId("okx", otherVenue.ClientOrderId), records[2].ReferenceId);
    }

    [Fact]
    public void Recover_StatusRecords_PendingAreOnlyNeverDispatchedIntents()
    {
        string path = _dir.File("j.bin");
        var refs = new ReferenceId[10];
        using (var journal = OrderIntentJournal.Open(path, NoSync))
        {
            for (int i = 0; i < 10; i++)
            {
                var intent = Intents.Make(i);
                Assert.Equal(JournalAppendResult.Appended, journal.TryAppend(intent));
                refs[i] = ReferenceIds.ForOrder(intent.Venue, intent.ClientOrderId);
            }
            for (int i = 0; i < 5; i++) Assert.Equal(JournalAppendResult.Appended, journal.MarkSent(refs[i], 1));
            Assert.Equal(JournalAppendResult.Appended, journal.MarkAcknowledged(refs[1], 2));
            Assert.Equal(JournalAppendResult.Appended, journal.MarkFilled(refs[1], 3));
            Assert.Equal(JournalAppendResult.Appended, journal.MarkAcknowledged(refs[5], 2)); // ack seen, sent mark lost
            Assert.Equal(JournalAppendResult.Appended, journal.MarkCancelled(refs[6], 2));
            Assert.Equal(JournalAppendResult.Duplicate, journal.MarkSent(refs[0], 9));
            Assert.Equal(JournalAppendResult.UnknownReference, journal.MarkSent(ReferenceIds.Sha256("binance:nope"u8), 1));
            Assert.Equal(IntentState.Journaled | IntentState.Sent | IntentState.Acknowledged | IntentState.Filled, journal.StateOf(refs[1]));
        }
        long expectedLength = Intents.HeaderSize + 10L * Intents.IntentRecordSize + 9L * Intents.StatusRecordSize;
        Assert.Equal(expectedLength, new FileInfo(path).Length);

        using var reopened = OrderIntentJournal.Open(path, NoSync);
        var pending = reopened.Recovery.PendingIntents;
        Assert.Equal(new long[] { 7, 8, 9 }, pending.Select(p => p.IntentId));
        Assert.Equal(IntentState.Journaled | IntentState.Sent, reopened.StateOf(refs[0]));
        // The engine re-sends the pending ones once and marks them; a second recovery has nothing left to send.
        foreach (var p in pending)
        {
            Assert.Equal(JournalAppendResult.Duplicate, reopened.TryAppend(p));
            Assert.Equal(JournalAppendResult.Appended, reopened.MarkSent(p.ReferenceId, 10));
        }
        reopened.Dispose();
        Assert.Empty(OrderIntentJournal.Recover(path).PendingIntents);
    }

    [Fact]
    public void Recover_WriterAbandonedMidRecord_KeepsCompleteRecordsAndResumes()
    {
        string path = WriteJournal("j.bin", 50);
        // A second writer that dies after writing part of a record: the bytes reach the OS, the stream is never disposed.
        byte[] record = FramedIntentRecord(Intents.Make(50));
        var abandoned = new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite, bufferSize: 1);
        abandoned.Write(record, 0, 60);
        abandoned.Flush();
        GC.KeepAlive(abandoned);

        var recovery = OrderIntentJournal.Recover(path);
        Assert.Equal(RecordFileTail.Torn, recovery.Tail);
        Assert.Equal(60, recovery.TornBytes);
        Assert.Equal(50, recovery.IntentCount);
        using var journal = OrderIntentJournal.Open(path, NoSync);
        Assert.Equal(JournalAppendResult.Appended, journal.TryAppend(Intents.Make(50)));
        Assert.Equal(51, journal.Count);
    }

    [Fact]
    public void Recover_ProcessKilledMidWrite_KeepsCompleteRecordsAndResumes()
    {
        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS()) return; // needs /bin/sh
        string path = WriteJournal("j.bin", 30);
        string recordFile = _dir.File("record.bin");
        File.WriteAllBytes(recordFile, FramedIntentRecord(Intents.Make(30)));
        // A real process appends 70 bytes of a 137-byte record and is killed with SIGKILL before writing the rest.
        var start = new ProcessStartInfo("/bin/sh") { UseShellExecute = false };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add("head -c 70 \"$1\" >> \"$2\"; kill -KILL $$; head -c 200 \"$1\" >> \"$2\"");
        start.ArgumentList.Add("sh");
        start.ArgumentList.Add(recordFile);
        start.ArgumentList.Add(path);
        using (var process = Process.Start(start)!)
        {
            Assert.True(process.WaitForExit(20_000));
            Assert.Equal(128 + 9, process.ExitCode); // killed by signal 9
        }
        Assert.Equal(Intents.HeaderSize + 30L * Intents.IntentRecordSize + 70, new FileInfo(path).Length);

        using var journal = OrderIntentJournal.Open(path, NoSync);
        Assert.Equal(RecordFileTail.Torn, journal.Recovery.Tail);
        Assert.Equal(70, journal.Recovery.TornBytes);
        Assert.Equal(30, journal.Recovery.IntentCount);
        Assert.Equal(JournalAppendResult.Duplicate, journal.TryAppend(Intents.Make(29)));
        Assert.Equal(JournalAppendResult.Appended, journal.TryAppend(Intents.Make(30)));
    }

    [Theory]
    [InlineData(FsyncPolicy.Never, 0)]
    [InlineData(FsyncPolicy.EveryRecord, 25)]
    public void TryAppend_FsyncPolicy_SyncsAsConfigured(FsyncPolicy policy, int expectedSyncs)
    {
        using var journal = OrderIntentJournal.Open(_dir.File("j.bin"), new JournalOptions { FsyncPolicy = policy, FsyncEveryN = 10 });
        for (int i = 0; i < 25; i++) journal.TryAppend(Intents.Make(i));
        Assert.Equal(expectedSyncs, journal.FsyncCount);
    }

    /// <summary>every-n runs on the background flusher: records 10 and 20 each wake it (two wakes may coalesce into one
    /// sync when the flusher is still busy), the 5 after them wait for the next wake or Dispose.</summary>
    [Fact]
    public void TryAppend_EveryN_BackgroundSyncsAfterEachNRecords()
    {
        using var journal = OrderIntentJournal.Open(_dir.File("j.bin"), new JournalOptions { FsyncPolicy = FsyncPolicy.EveryN, FsyncEveryN = 10 });
        for (int i = 0; i < 25; i++) journal.TryAppend(Intents.Make(i));
        Assert.True(SpinWait.SpinUntil(() => journal.FsyncCount >= 1, TimeSpan.FromSeconds(30)));
        Assert.InRange(journal.FsyncCount, 1, 2);
    }

    [Fact]
    public void TryAppend_IntervalPolicy_SyncsOnlyAfterInterval()
    {
        using (var never = OrderIntentJournal.Open(_dir.File("a.bin"), new JournalOptions { FsyncPolicy = FsyncPolicy.Interval, FsyncIntervalNs = long.MaxValue / 4 }))
        {
            for (int i = 0; i < 10; i++) never.TryAppend(Intents.Make(i));
            Assert.Equal(0, never.FsyncCount);
            Assert.True(never.FlushToDisk());
            Assert.Equal(1, never.FsyncCount);
        }
        // A short interval: the background flusher syncs soon after the appends (waited for, not timed), never on the appender.
        using var soon = OrderIntentJournal.Open(_dir.File("b.bin"), new JournalOptions { FsyncPolicy = FsyncPolicy.Interval, FsyncIntervalNs = 0 });
        for (int i = 0; i < 10; i++) soon.TryAppend(Intents.Make(i));
        Assert.True(SpinWait.SpinUntil(() => soon.FsyncCount >= 1, TimeSpan.FromSeconds(30)));
    }

    [Fact]
    public void TryAppend_FsyncNeverAfterWarmUp_AllocatesNothing()
    {
        using var journal = OrderIntentJournal.Open(_dir.File("j.bin"), new JournalOptions { FsyncPolicy = FsyncPolicy.Never, ExpectedIntents = 4096 });
        var intents = new OrderIntent[2100];
        for (int i = 0; i < intents.Length; i++) intents[i] = Intents.Make(i);
        for (int i = 0; i < 100; i++) journal.TryAppend(intents[i]);
        var refId = ReferenceIds.ForOrder(intents[0].Venue, intents[0].ClientOrderId);
        journal.MarkSent(refId, 1);
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 100; i < 2100; i++)
        {
            journal.TryAppend(intents[i]);
            journal.TryAppend(intents[i]); // duplicate path too
        }
        journal.MarkSent(refId, 2);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(0, allocated);
        Assert.Equal(2100, journal.Count);
    }

    /// <summary>A complete v1 intent record framed by hand (length, type, payload, CRC) — the bytes a writer would write.</summary>
    private static byte[] FramedIntentRecord(OrderIntent intent)
    {
        var payload = new byte[128];
        OrderIntentJournal.EncodeIntent(intent, ReferenceIds.ForOrder(intent.Venue, intent.ClientOrderId), payload);
        var record = new byte[Intents.IntentRecordSize];
        BitConverter.TryWriteBytes(record.AsSpan(0, 4), 128u);
        record[4] = (byte)JournalRecordType.Intent;
        payload.CopyTo(record, 5);
        BitConverter.TryWriteBytes(record.AsSpan(133, 4), BitwiseCrc32.Compute(record.AsSpan(0, 133)));
        return record;
    }
}

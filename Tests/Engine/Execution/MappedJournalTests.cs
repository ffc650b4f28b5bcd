using FastEngine.Execution;

namespace FastEngine.Tests.Engine.Execution;

/// <summary>
/// The journal's memory-mapped append path (fsync policies interval, every-n, never): durability contract and crash recovery.
/// Sizes come from the v1 format (<see cref="Intents"/>), not from the code.
/// </summary>
public class MappedJournalTests
{
    private static readonly JournalOptions Interval = new() { FsyncPolicy = FsyncPolicy.Interval, FsyncIntervalNs = 1_000_000 };

    /// <summary>A killed process loses nothing acknowledged: while the journal is still open (never disposed, nothing
    /// flushed by hand), another reader of the file already sees every appended intent; the pre-allocated zero tail reads as torn.</summary>
    [Fact]
    public void TryAppend_Interval_RecordsVisibleInFileBeforeAnyFlush()
    {
        using var dir = new TempDir();
        string path = dir.File("j.fej");
        using var journal = OrderIntentJournal.Open(path, Interval);
        for (int i = 1; i <= 50; i++) Assert.Equal(JournalAppendResult.Appended, journal.TryAppend(Intents.Make(i)));
        Assert.Equal(Intents.HeaderSize + 50 * Intents.IntentRecordSize, journal.Length);
        var seen = OrderIntentJournal.Recover(path, truncateTornTail: false);
        Assert.Equal(50, seen.IntentCount);
        Assert.Equal(Intents.HeaderSize + 50 * Intents.IntentRecordSize, seen.ValidLength);
        Assert.Equal(RecordFileTail.Torn, seen.Tail);   // the zero-filled, pre-allocated region
    }

    /// <summary>every-n: the N-th record wakes the background flusher, which syncs (waited for, not timed).</summary>
    [Fact]
    public void TryAppend_EveryN_BackgroundFlusherSyncs()
    {
        using var dir = new TempDir();
        using var journal = OrderIntentJournal.Open(dir.File("j.fej"), new JournalOptions { FsyncPolicy = FsyncPolicy.EveryN, FsyncEveryN = 4 });
        for (int i = 1; i <= 8; i++) journal.TryAppend(Intents.Make(i));
        Assert.True(SpinWait.SpinUntil(() => journal.FsyncCount >= 1, TimeSpan.FromSeconds(30)));
        Assert.False(journal.IsFaulted);
    }

    /// <summary>Dispose trims the pre-allocated tail: the file is exactly header + records, and reopens clean.</summary>
    [Fact]
    public void Dispose_TrimsToRecords_ReopensCleanAndRefusesDuplicates()
    {
        using var dir = new TempDir();
        string path = dir.File("j.fej");
        using (var journal = OrderIntentJournal.Open(path, Interval))
            for (int i = 1; i <= 20; i++) journal.TryAppend(Intents.Make(i));
        Assert.Equal(Intents.HeaderSize + 20 * Intents.IntentRecordSize, new FileInfo(path).Length);
        using var reopened = OrderIntentJournal.Open(path, Interval);
        Assert.Equal(RecordFileTail.Clean, reopened.Recovery.Tail);
        Assert.Equal(JournalAppendResult.Duplicate, reopened.TryAppend(Intents.Make(7)));
        Assert.Equal(JournalAppendResult.Appended, reopened.TryAppend(Intents.Make(21)));
    }

    /// <summary>
    /// A crash in the middle of a mapped append: the record's bytes are partly there but its length word (written last) is
    /// still zero, and the rest of the pre-allocated region is zeros. Recovery keeps the 30 complete intents, cuts the rest.
    /// </summary>
    [Fact]
    public void Recover_CrashMidMappedAppend_TornRecordCutCompleteOnesKept()
    {
        using var dir = new TempDir();
        string path = dir.File("j.fej");
        using (var journal = OrderIntentJournal.Open(path, Interval))
            for (int i = 1; i <= 31; i++) journal.TryAppend(Intents.Make(i));
        byte[] bytes = File.ReadAllBytes(path);
        int last = Intents.HeaderSize + 30 * Intents.IntentRecordSize;
        bytes[last] = bytes[last + 1] = bytes[last + 2] = bytes[last + 3] = 0;   // length word not yet published
        Array.Clear(bytes, last + 60, Intents.IntentRecordSize - 60);            // payload half copied
        var crashed = new byte[bytes.Length + (4 << 20)];                         // the zero-filled region after it
        bytes.CopyTo(crashed, 0);
        File.WriteAllBytes(path, crashed);

        var recovery = OrderIntentJournal.Recover(path);
        Assert.Equal(RecordFileTail.Torn, recovery.Tail);
        Assert.True(recovery.Truncated);
        Assert.Equal(30, recovery.IntentCount);
        Assert.Equal(last, new FileInfo(path).Length);
        using var reopened = OrderIntentJournal.Open(path, Interval);
        Assert.Equal(JournalAppendResult.Appended, reopened.TryAppend(Intents.Make(31)));
    }

    /// <summary>The append itself allocates nothing once warm (no system call, no buffer per record).</summary>
    [Fact]
    public void TryAppend_Mapped_AllocatesNothingAfterWarmup()
    {
        using var dir = new TempDir();
        using var journal = OrderIntentJournal.Open(dir.File("j.fej"), new JournalOptions { FsyncPolicy = FsyncPolicy.Interval, ExpectedIntents = 4096 });
        var intents = Enumerable.Range(1, 2_000).Select(i => Intents.Make(i)).ToArray();
        for (int i = 0; i < 100; i++) journal.TryAppend(intents[i]);
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 100; i < intents.Length; i++) journal.TryAppend(intents[i]);
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }
}

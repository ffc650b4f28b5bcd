using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using FastEngine.Model;

namespace FastEngine.Execution;

/// <summary>Record types of the order-intent journal (one byte on disk; values are part of file version 1).</summary>
public enum JournalRecordType : byte
{
    /// <summary>An <see cref="OrderIntent"/> (128-byte payload).</summary>
    Intent = 1,
    /// <summary>The intent was handed to the venue (or the paper broker). Payload: reference id + Unix ns.</summary>
    Sent = 2,
    /// <summary>The venue acknowledged the order.</summary>
    Acknowledged = 3,
    /// <summary>The order is completely filled (terminal).</summary>
    Filled = 4,
    /// <summary>The order ended without (complete) fill: cancelled, expired, IOC remainder, rejected (terminal).</summary>
    Cancelled = 5,
}

/// <summary>What the journal knows of one reference id (flags accumulate).</summary>
[Flags]
public enum IntentState : byte
{
    None = 0,
    Journaled = 1,
    Sent = 2,
    Acknowledged = 4,
    Filled = 8,
    Cancelled = 16,
    /// <summary>Any state that proves the venue may have the order: never send it again.</summary>
    Dispatched = Sent | Acknowledged | Filled | Cancelled,
}

/// <summary>Outcome of <see cref="OrderIntentJournal.TryAppend"/> and the <c>Mark…</c> methods.</summary>
public enum JournalAppendResult : byte
{
    /// <summary>The record was written (and synced per the policy).</summary>
    Appended = 0,
    /// <summary>The reference id (or this status of it) is already journaled; nothing was written.</summary>
    Duplicate = 1,
    /// <summary>A status for a reference id the journal never saw; nothing was written.</summary>
    UnknownReference = 2,
    /// <summary>The intent lacks a venue, a client order id, a side, an order type, a positive quantity, or (limit/IOC) a
    /// positive limit price; or the venue name is too long for a reference id.</summary>
    InvalidIntent = 3,
    /// <summary>The intent carries a reference id that is not SHA-256 of its <c>venue:clientOrderId</c>.</summary>
    ReferenceIdMismatch = 4,
    /// <summary>The write failed; the journal is now faulted (see <see cref="OrderIntentJournal.LastError"/>).</summary>
    IoError = 5,
    /// <summary>An earlier I/O error faulted the journal, or it is disposed: reopen it (recovery runs).</summary>
    Faulted = 6,
}

/// <summary>Options of an <see cref="OrderIntentJournal"/>.</summary>
public sealed record JournalOptions
{
    public FsyncPolicy FsyncPolicy { get; init; } = FsyncPolicy.EveryRecord;
    /// <summary>N of <see cref="FsyncPolicy.EveryN"/>.</summary>
    public int FsyncEveryN { get; init; } = 64;
    /// <summary>Interval of <see cref="FsyncPolicy.Interval"/>, ns.</summary>
    public long FsyncIntervalNs { get; init; } = 1_000_000;
    /// <summary>Reference ids the in-memory index holds before it grows (growing allocates: size it for a trading day).</summary>
    public int ExpectedIntents { get; init; } = 1 << 16;
}

/// <summary>
/// Append-only, idempotent journal of order intents: one CRC-checked record per intent plus status records
/// (<see cref="JournalRecordType"/>), in a versioned file (<see cref="RecordFile"/> framing, kind <c>FEOIJRNL</c> v1).
/// An intent is keyed by its <see cref="ReferenceId"/> = SHA-256(<c>venueName:clientOrderId</c>): a second intent with
/// the same key is refused as <see cref="JournalAppendResult.Duplicate"/> and not written, across restarts too.
/// </summary>
/// <remarks>
/// <para>Durability: a record is in the OS page cache when the call returns, so a killed process loses nothing
/// acknowledged. When it reaches stable storage is the <see cref="FsyncPolicy"/>'s choice: <see cref="FsyncPolicy.EveryRecord"/>
/// (config <c>every-record</c>, "always") writes and fsyncs on the caller, durable on return; <see cref="FsyncPolicy.Interval"/>
/// and <see cref="FsyncPolicy.EveryN"/> ("batch") append into a pre-allocated memory-mapped region with no system call and a
/// background flusher syncs within the interval / after every N records (<see cref="MappedRecordWriter"/>);
/// <see cref="FsyncPolicy.Never"/> leaves write-back to the kernel. While open, the file carries a zero-filled pre-allocated
/// tail (cut by recovery after a crash, trimmed by <see cref="Dispose"/>).</para>
/// <para>Recovery: <see cref="Open"/> first runs <see cref="Recover"/>, which keeps every complete record, truncates a torn
/// last record (a crash mid-write) and refuses to open a file damaged in the middle (<see cref="RecordFileTail.Corrupt"/>).
/// <see cref="JournalRecovery.PendingIntents"/> lists the intents journaled but never marked sent, acknowledged, filled or
/// cancelled: the engine re-sends each once, then calls <see cref="MarkSent"/>; re-appending them is refused as a duplicate.</para>
/// <para>Thread-safety: one writer thread (the execution gateway's). No method is safe to call concurrently.</para>
/// <para>Allocation: none per append while the index is within <see cref="JournalOptions.ExpectedIntents"/>.</para>
/// </remarks>
public sealed class OrderIntentJournal : IDisposable
{
    internal const ulong Magic = 0x4C4E524A49_4F4546; // "FEOIJRNL" little-endian
    internal const ushort Version = 1;
    internal const uint Kind = 1;
    internal const int StatusPayloadSize = ReferenceId.Size + 8;
    internal const int MaxPayload = OrderIntent.SizeInBytes;

    private readonly IRecordWriter _writer;
    private readonly Dictionary<ReferenceId, IntentState> _states;
    // Reference ids computed ahead of their intents (PrecomputeReferenceId, idle time): slot = (venue, client order id)
    // hashed into a small table; an append uses a slot only when both match exactly, else hashes as usual.
    private readonly PrecomputedReferenceId[] _precomputed = new PrecomputedReferenceId[PrecomputedSlots];
    private const int PrecomputedSlots = 64;

    private struct PrecomputedReferenceId
    {
        public VenueId Venue;
        public ClientOrderId ClientOrderId;
        public ReferenceId ReferenceId;
    }

    private OrderIntentJournal(string path, IRecordWriter writer, Dictionary<ReferenceId, IntentState> states, JournalRecovery recovery)
    {
        Path = path;
        _writer = writer;
        _states = states;
        Recovery = recovery;
        // One-off initialisations the first intent (or the first keep-warm dry run) would otherwise pay after warm-up:
        // the reference-id path, and the index's default comparer (created on the first lookup: 88 bytes).
        ReferenceIds.WarmUp();
        _ = EqualityComparer<ReferenceId>.Default.Equals(default, default);
    }

    public string Path { get; }
    /// <summary>What recovery found when this journal was opened.</summary>
    public JournalRecovery Recovery { get; }
    /// <summary>Reference ids known (journaled intents, this run and before).</summary>
    public int Count => _states.Count;
    public long AppendedCount { get; private set; }
    public long DuplicateCount { get; private set; }
    public long RejectedCount { get; private set; }
    public long FsyncCount => _writer.FsyncCount;
    /// <summary>Bytes in the file (header included).</summary>
    public long Length => _writer.Position;
    public bool IsFaulted => _writer.IsFaulted;

    /// <summary>Faults the journal as a failed write would (tests of the engine's fail-closed path).</summary>
    internal void MarkFaultedForTests(Exception e) => _writer.MarkFaulted(e);
    public Exception? LastError => _writer.LastError;

    /// <summary>
    /// Opens <paramref name="path"/> (creating it when missing), recovering first: see <see cref="Recover"/>.
    /// </summary>
    /// <exception cref="InvalidDataException">The file is not a v1 journal, or is damaged before its last record.</exception>
    public static OrderIntentJournal Open(string path, JournalOptions? options = null)
    {
        options ??= new JournalOptions();
        if (options.ExpectedIntents < 0) throw new ArgumentOutOfRangeException(nameof(options), options.ExpectedIntents, "ExpectedIntents: allowed 0..int.MaxValue");
        if (options.FsyncEveryN < 1) throw new ArgumentOutOfRangeException(nameof(options), options.FsyncEveryN, "FsyncEveryN: allowed 1..int.MaxValue");
        var states = new Dictionary<ReferenceId, IntentState>(options.ExpectedIntents);
        PrefaultIndex(states, options.ExpectedIntents);
        var recovery = RecoverInto(path, truncateTornTail: true, states);
        if (recovery.Tail is RecordFileTail.BadHeader or RecordFileTail.Corrupt)
            throw new InvalidDataException($"order-intent journal '{path}': {recovery.Tail} at byte {recovery.ValidLength} of {recovery.OriginalLength}; refusing to open (nothing was changed)");
        var handle = RecordFileWriter.OpenForAppend(path, Magic, Version, Kind, recovery.ValidLength, out long position);
        // every-record: write + fsync on the caller (durable on return). Otherwise: a memory-mapped region (an append is a
        // copy, no system call) with the fsync policy applied by a background flusher (see MappedRecordWriter).
        IRecordWriter writer;
        try
        {
            writer = options.FsyncPolicy == FsyncPolicy.EveryRecord
                ? new RecordFileWriter(handle, position, RecordFile.RecordOverhead + MaxPayload, options.FsyncPolicy, options.FsyncEveryN, options.FsyncIntervalNs)
                : new MappedRecordWriter(handle, position, RecordFile.RecordOverhead + MaxPayload, options.FsyncPolicy, options.FsyncEveryN, options.FsyncIntervalNs);
        }
        catch
        {
            handle.Dispose();
            throw;
        }
        return new OrderIntentJournal(path, writer, states, recovery);
    }

    /// <summary>
    /// Fills the index to its capacity with distinct placeholder keys, then clears it: every page of its bucket and entry
    /// arrays is then touched once at open, so an append's insert into a random bucket never takes a first-touch page fault
    /// on the trading thread (measured: two faults per append on a fresh engine, several µs each). A cleared dictionary
    /// behaves exactly as a new one (free list reset, entries refilled from the start). Cold path, once per open.
    /// </summary>
    private static void PrefaultIndex(Dictionary<ReferenceId, IntentState> states, int count)
    {
        Span<byte> key = stackalloc byte[ReferenceId.Size];
        key.Clear();
        for (int i = 0; i < count; i++)
        {
            BinaryPrimitives.WriteInt32LittleEndian(key, i);
            states.TryAdd(ReferenceId.FromBytes(key), IntentState.None);
        }
        states.Clear();
    }

    /// <summary>
    /// Reads every complete record of <paramref name="path"/>. A torn last record (length or CRC mismatch with nothing
    /// complete after it) ends the scan; with <paramref name="truncateTornTail"/> the file is cut back to the last good
    /// record (and fsynced), otherwise the tear is only reported. A file damaged in the middle or with a foreign header
    /// is reported (<see cref="JournalRecovery.Tail"/>) and never modified. A missing file recovers as empty.
    /// </summary>
    public static JournalRecovery Recover(string path, bool truncateTornTail = true) =>
        RecoverInto(path, truncateTornTail, new Dictionary<ReferenceId, IntentState>());

    private static JournalRecovery RecoverInto(string path, bool truncateTornTail, Dictionary<ReferenceId, IntentState> states)
    {
        var recovery = new JournalRecovery(path);
        if (!File.Exists(path)) return recovery;
        byte[] file = File.ReadAllBytes(path);
        recovery.OriginalLength = file.Length;
        if (file.Length < RecordFile.HeaderSize)
        {
            // A crash while the header was being created: nothing was ever journaled.
            recovery.Tail = file.Length == 0 ? RecordFileTail.Clean : RecordFileTail.Torn;
            recovery.ValidLength = 0;
            recovery.Truncated = file.Length > 0 && truncateTornTail;
            return recovery; // OpenForAppend rewrites the header
        }
        if (!RecordFile.IsValidHeader(file, Magic, Version, Kind))
        {
            recovery.Tail = RecordFileTail.BadHeader;
            return recovery;
        }

        var intents = new List<OrderIntent>();
        var reader = new RecordReader(file, MaxPayload);
        while (reader.TryRead(out byte type, out var payload))
        {
            recovery.RecordCount++;
            switch ((JournalRecordType)type)
            {
                case JournalRecordType.Intent when payload.Length == OrderIntent.SizeInBytes:
                    var intent = DecodeIntent(payload);
                    if (states.TryAdd(intent.ReferenceId, IntentState.Journaled))
                        intents.Add(intent);
                    else
                        recovery.DuplicateRecords++;
                    break;
                case JournalRecordType.Sent or JournalRecordType.Acknowledged or JournalRecordType.Filled or JournalRecordType.Cancelled
                    when payload.Length == StatusPayloadSize:
                    var refId = ReferenceId.FromBytes(payload[..ReferenceId.Size]);
                    ref var state = ref CollectionsMarshal.GetValueRefOrNullRef(states, refId);
                    if (Unsafe.IsNullRef(ref state)) recovery.UnknownReferenceRecords++;
                    else state |= StateOf((JournalRecordType)type);
                    break;
                default:
                    recovery.MalformedRecords++;
                    break;
            }
        }
        recovery.Tail = reader.Tail;
        recovery.ValidLength = reader.Offset;
        recovery.IntentCount = intents.Count;
        foreach (var intent in intents)
            if ((states[intent.ReferenceId] & IntentState.Dispatched) == 0)
                recovery.Pending.Add(intent);
        recovery.States = states;

        if (reader.Tail == RecordFileTail.Torn && truncateTornTail)
        {
            using var handle = File.OpenHandle(path, FileMode.Open, FileAccess.ReadWrite, FileShare.Read);
            RandomAccess.SetLength(handle, reader.Offset);
            RandomAccess.FlushToDisk(handle);
            recovery.Truncated = true;
        }
        return recovery;
    }

    /// <summary>
    /// Journals <paramref name="intent"/> unless its reference id is already known. When <see cref="OrderIntent.ReferenceId"/>
    /// is empty the journal computes it (SHA-256 of <c>venue:clientOrderId</c>) and stores it in the record; when set, it
    /// must equal that hash.
    /// </summary>
    // Runs once per intent: too rarely for tiered compilation to promote it during a session, so compile it optimized at once.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public JournalAppendResult TryAppend(in OrderIntent intent) => TryAppendCore(intent, stamp: false, out _);

    /// <summary><see cref="TryAppend(in OrderIntent)"/>, also returning the <see cref="System.Diagnostics.Stopwatch"/> stamp
    /// taken when the reference id was computed (0 when the intent was refused before): intent-path diagnostics.</summary>
    public JournalAppendResult TryAppend(in OrderIntent intent, out long referenceIdDoneTicks) => TryAppendCore(intent, stamp: true, out referenceIdDoneTicks);

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private JournalAppendResult TryAppendCore(in OrderIntent intent, bool stamp, out long referenceIdDoneTicks)
    {
        referenceIdDoneTicks = 0;
        if (_writer.IsFaulted) return JournalAppendResult.Faulted;
        if (!IsWellFormed(intent) || !TryReferenceId(intent.Venue, intent.ClientOrderId, out var refId))
            return Reject(JournalAppendResult.InvalidIntent);
        if (stamp) referenceIdDoneTicks = System.Diagnostics.Stopwatch.GetTimestamp();
        if (!intent.ReferenceId.IsEmpty && intent.ReferenceId != refId)
            return Reject(JournalAppendResult.ReferenceIdMismatch);
        if (_states.ContainsKey(refId))
        {
            DuplicateCount++;
            return JournalAppendResult.Duplicate;
        }
        Span<byte> payload = stackalloc byte[OrderIntent.SizeInBytes];
        EncodeIntent(intent, refId, payload);
        var status = _writer.Append((byte)JournalRecordType.Intent, payload);
        if (status != RecordWriteStatus.Ok) return status == RecordWriteStatus.IoError ? JournalAppendResult.IoError : JournalAppendResult.Faulted;
        _states.Add(refId, IntentState.Journaled);
        AppendedCount++;
        return JournalAppendResult.Appended;
    }

    /// <summary>
    /// Idle time: computes the reference id an intent for <paramref name="venue"/> with <paramref name="clientOrderId"/> will
    /// have (SHA-256 of <c>venue:clientOrderId</c>, <see cref="ReferenceIds.TryForOrder"/>) and keeps it, so that intent's
    /// append takes it from a table instead of hashing on the intent path. The table holds 64 ids (a newer one replaces
    /// an older one in its slot); an append whose venue and client order id do not both equal a kept entry hashes as
    /// before, so the journal's content never depends on what was precomputed. Returns true when it hashed, false when
    /// the id was already kept or the input is not valid. Writer thread only; allocation-free.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public bool PrecomputeReferenceId(VenueId venue, in ClientOrderId clientOrderId)
    {
        ref var slot = ref _precomputed[SlotOf(venue, clientOrderId)];
        if (!slot.Venue.IsNone && slot.Venue == venue && slot.ClientOrderId == clientOrderId) return false;
        if (!ReferenceIds.TryForOrder(venue, clientOrderId, out var refId)) return false;
        slot.Venue = venue;
        slot.ClientOrderId = clientOrderId;
        slot.ReferenceId = refId;
        PrecomputedCount++;
        return true;
    }

    /// <summary>Reference ids computed ahead by <see cref="PrecomputeReferenceId"/>.</summary>
    public long PrecomputedCount { get; private set; }
    /// <summary>Appends (and keep-warm samples) whose reference id came from the precomputed table.</summary>
    public long PrecomputedHits { get; private set; }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private bool TryReferenceId(VenueId venue, in ClientOrderId clientOrderId, out ReferenceId refId)
    {
        ref var slot = ref _precomputed[SlotOf(venue, clientOrderId)];
        if (!venue.IsNone && slot.Venue == venue && slot.ClientOrderId == clientOrderId)
        {
            refId = slot.ReferenceId;
            PrecomputedHits++;
            return true;
        }
        return ReferenceIds.TryForOrder(venue, clientOrderId, out refId);
    }

    // The engine's client order ids are decimal intent ids: their last bytes and the venue spread consecutive ids over slots.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int SlotOf(VenueId venue, in ClientOrderId clientOrderId)
    {
        var bytes = clientOrderId.AsSpan();
        int last = bytes.Length == 0 ? 0 : bytes[^1] + (bytes.Length > 1 ? bytes[^2] * 10 : 0);
        return (last + venue.Value * 7) & (PrecomputedSlots - 1);
    }

    /// <summary>
    /// Idle-time keep-warm: runs what <see cref="TryAppend(in OrderIntent)"/> would for <paramref name="sample"/> up to the
    /// write — reference id (SHA-256), index lookup, encode, frame and CRC into a stack scratch — and faults in the page the
    /// next record goes to (zeros written over zeros), without appending, indexing or counting anything. False when the
    /// sample is not a valid intent or the journal is faulted. Writer thread only; allocation-free.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public bool KeepWarm(in OrderIntent sample)
    {
        if (_writer.IsFaulted) return false;
        if (!IsWellFormed(sample) || !ReferenceIds.TryForOrder(sample.Venue, sample.ClientOrderId, out var refId)) return false;
        bool known = _states.ContainsKey(refId);
        Span<byte> record = stackalloc byte[RecordFile.RecordOverhead + OrderIntent.SizeInBytes];
        var payload = record[RecordFile.RecordOverhead..];
        EncodeIntent(sample, refId, payload);
        Span<byte> framed = stackalloc byte[RecordFile.RecordOverhead + OrderIntent.SizeInBytes];
        RecordFile.Frame(framed, (byte)JournalRecordType.Intent, payload);
        _writer.PrefaultAhead();
        return !known && framed[0] != 0;
    }

    /// <summary>Records that the order was handed to the venue. Call before (or atomically with) the send: a crash
    /// between send and mark would re-send on recovery, a crash between mark and send would not send at all — the engine
    /// marks first and reconciles with the venue's open orders on restart.</summary>
    public JournalAppendResult MarkSent(in ReferenceId refId, long timeNs) => Mark(refId, JournalRecordType.Sent, timeNs);
    public JournalAppendResult MarkAcknowledged(in ReferenceId refId, long timeNs) => Mark(refId, JournalRecordType.Acknowledged, timeNs);
    public JournalAppendResult MarkFilled(in ReferenceId refId, long timeNs) => Mark(refId, JournalRecordType.Filled, timeNs);
    public JournalAppendResult MarkCancelled(in ReferenceId refId, long timeNs) => Mark(refId, JournalRecordType.Cancelled, timeNs);

    /// <summary>The journal's knowledge of <paramref name="refId"/> (<see cref="IntentState.None"/> when unknown).</summary>
    public IntentState StateOf(in ReferenceId refId) => _states.TryGetValue(refId, out var s) ? s : IntentState.None;

    /// <summary>Forces written records to disk now (for <see cref="FsyncPolicy.Interval"/>/<see cref="FsyncPolicy.EveryN"/> on a quiet journal).</summary>
    public bool FlushToDisk() => _writer.FlushToDisk();

    private JournalAppendResult Mark(in ReferenceId refId, JournalRecordType type, long timeNs)
    {
        if (_writer.IsFaulted) return JournalAppendResult.Faulted;
        ref var state = ref CollectionsMarshal.GetValueRefOrNullRef(_states, refId);
        if (Unsafe.IsNullRef(ref state)) return Reject(JournalAppendResult.UnknownReference);
        var flag = StateOf(type);
        if ((state & flag) != 0)
        {
            DuplicateCount++;
            return JournalAppendResult.Duplicate;
        }
        Span<byte> payload = stackalloc byte[StatusPayloadSize];
        refId.AsSpan().CopyTo(payload);
        BinaryPrimitives.WriteInt64LittleEndian(payload[ReferenceId.Size..], timeNs);
        var status = _writer.Append((byte)type, payload);
        if (status != RecordWriteStatus.Ok) return status == RecordWriteStatus.IoError ? JournalAppendResult.IoError : JournalAppendResult.Faulted;
        state |= flag;
        AppendedCount++;
        return JournalAppendResult.Appended;
    }

    private static IntentState StateOf(JournalRecordType type) => type switch
    {
        JournalRecordType.Sent => IntentState.Sent,
        JournalRecordType.Acknowledged => IntentState.Acknowledged,
        JournalRecordType.Filled => IntentState.Filled,
        JournalRecordType.Cancelled => IntentState.Cancelled,
        _ => IntentState.Journaled,
    };

    private static bool IsWellFormed(in OrderIntent intent) =>
        !intent.Venue.IsNone
        && intent.Quantity > 0
        && intent.Side is OrderSide.Buy or OrderSide.Sell
        && intent.OrderType is OrderType.Limit or OrderType.Market or OrderType.Ioc or OrderType.PostOnly
        && (intent.OrderType == OrderType.Market || intent.LimitPrice > 0)
        && !intent.ClientOrderId.IsEmpty;

    [MethodImpl(MethodImplOptions.NoInlining)]
    private JournalAppendResult Reject(JournalAppendResult reason)
    {
        RejectedCount++;
        return reason;
    }

    /// <summary>Writes the v1 on-disk image of an intent (explicit little-endian fields, same offsets as the struct).</summary>
    // Runs once per intent: too rarely for tiered compilation to promote it during a session, so compile it optimized at once.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void EncodeIntent(in OrderIntent intent, in ReferenceId refId, Span<byte> p)
    {
        p[..OrderIntent.SizeInBytes].Clear();
        BinaryPrimitives.WriteInt64LittleEndian(p, intent.IntentId);
        BinaryPrimitives.WriteInt64LittleEndian(p[8..], intent.LimitPrice);
        BinaryPrimitives.WriteInt64LittleEndian(p[16..], intent.Quantity);
        BinaryPrimitives.WriteInt64LittleEndian(p[24..], intent.CreatedTimeNs);
        BinaryPrimitives.WriteInt64LittleEndian(p[32..], intent.TickReceiveTimeNs);
        BinaryPrimitives.WriteUInt16LittleEndian(p[40..], intent.Venue.Value);
        BinaryPrimitives.WriteUInt16LittleEndian(p[42..], intent.StrategyId);
        BinaryPrimitives.WriteInt32LittleEndian(p[44..], intent.Instrument.Value);
        p[48] = (byte)intent.Side;
        p[49] = (byte)intent.OrderType;
        p[50] = (byte)intent.Origin;
        intent.ClientOrderId.AsSpan().CopyTo(p[56..88]);
        refId.AsSpan().CopyTo(p[88..120]);
    }

    internal static OrderIntent DecodeIntent(ReadOnlySpan<byte> p)
    {
        var intent = new OrderIntent
        {
            IntentId = BinaryPrimitives.ReadInt64LittleEndian(p),
            LimitPrice = BinaryPrimitives.ReadInt64LittleEndian(p[8..]),
            Quantity = BinaryPrimitives.ReadInt64LittleEndian(p[16..]),
            CreatedTimeNs = BinaryPrimitives.ReadInt64LittleEndian(p[24..]),
            TickReceiveTimeNs = BinaryPrimitives.ReadInt64LittleEndian(p[32..]),
            Venue = new VenueId(BinaryPrimitives.ReadUInt16LittleEndian(p[40..])),
            StrategyId = BinaryPrimitives.ReadUInt16LittleEndian(p[42..]),
            Instrument = new InstrumentId(BinaryPrimitives.ReadInt32LittleEndian(p[44..])),
            Side = (OrderSide)p[48],
            OrderType = (OrderType)p[49],
            Origin = (IntentOrigin)p[50],
        };
        var coid = p[56..88];
        int n = coid.IndexOf((byte)0);
        ClientOrderId.TryCreate(n < 0 ? coid : coid[..n], out intent.ClientOrderId);
        intent.ReferenceId = ReferenceId.FromBytes(p[88..120]);
        return intent;
    }

    public void Dispose() => _writer.Dispose();
}

/// <summary>
/// What <see cref="OrderIntentJournal.Recover"/> found. <see cref="PendingIntents"/> is in journal order and holds each
/// reference id at most once.
/// </summary>
public sealed class JournalRecovery
{
    internal JournalRecovery(string path) => Path = path;

    public string Path { get; }
    public RecordFileTail Tail { get; internal set; }
    /// <summary>Bytes kept: header plus every complete record (0 when the file is missing or its header was torn).</summary>
    public long ValidLength { get; internal set; }
    public long OriginalLength { get; internal set; }
    /// <summary>Bytes after <see cref="ValidLength"/>: the torn tail (removed when <see cref="Truncated"/>).</summary>
    public long TornBytes => Tail == RecordFileTail.Torn ? OriginalLength - ValidLength : 0;
    public bool Truncated { get; internal set; }
    /// <summary>Complete records read.</summary>
    public int RecordCount { get; internal set; }
    /// <summary>Distinct intents journaled.</summary>
    public int IntentCount { get; internal set; }
    /// <summary>Intent records whose reference id was already journaled (never written by this journal; counted, ignored).</summary>
    public int DuplicateRecords { get; internal set; }
    /// <summary>Status records for a reference id with no intent record (counted, ignored).</summary>
    public int UnknownReferenceRecords { get; internal set; }
    /// <summary>CRC-valid records of an unknown type or wrong payload size (counted, skipped).</summary>
    public int MalformedRecords { get; internal set; }

    internal List<OrderIntent> Pending { get; } = new();
    internal Dictionary<ReferenceId, IntentState> States { get; set; } = new();

    /// <summary>Intents journaled but never marked sent, acknowledged, filled or cancelled: re-send each exactly once.</summary>
    public IReadOnlyList<OrderIntent> PendingIntents => Pending;

    public IntentState StateOf(in ReferenceId refId) => States.TryGetValue(refId, out var s) ? s : IntentState.None;
}

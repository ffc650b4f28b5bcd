using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using FastEngine.Model;

namespace FastEngine.Execution;

/// <summary>A position that was closed, as the execution side reports it to settlement. Blittable.</summary>
public struct ClosedPosition
{
    public VenueId Venue;
    public InstrumentId Instrument;
    /// <summary>The venue's (or the paper broker's) position id; with the venue it forms the settlement key.</summary>
    public long PositionId;
    /// <summary>Realized P&amp;L mantissa × 10^-<see cref="PnlScale"/> (positive: profit), in the collateral currency.</summary>
    public long RealizedPnl;
    public byte PnlScale;
    /// <summary>Closed quantity mantissa (instrument scale), for the record.</summary>
    public long Quantity;
    public long ClosedTimeNs;
}

/// <summary>What settlement does with a closed position.</summary>
public enum SettlementAction : byte
{
    None = 0,
    /// <summary>Profit (or a flat close, amount 0): credit the amount.</summary>
    Credit = 1,
    /// <summary>Loss within the collateral: seize the whole loss.</summary>
    Seize = 2,
    /// <summary>Loss above the collateral: seize the collateral, record the rest as <see cref="SettleResult.Shortfall"/>.</summary>
    SeizeCapped = 3,
}

public enum SettleStatus : byte
{
    Settled = 0,
    /// <summary>This <c>venue:positionId</c> was settled before (this run or any earlier one): nothing done.</summary>
    Duplicate = 1,
    /// <summary>No venue, negative collateral, or a P&amp;L of <see cref="long.MinValue"/> (its loss does not fit).</summary>
    Invalid = 2,
    /// <summary>The write failed; nothing may be considered settled and the bridge is faulted.</summary>
    IoError = 3,
    Faulted = 4,
}

/// <summary>Outcome of <see cref="SettlementBridge.TrySettle"/>; amounts are mantissas at the position's <see cref="ClosedPosition.PnlScale"/>.</summary>
public readonly record struct SettleResult(SettleStatus Status, SettlementAction Action, long Amount, long Shortfall, ReferenceId ReferenceId)
{
    public bool IsSettled => Status == SettleStatus.Settled;
}

/// <summary>A settlement as persisted (and recovered).</summary>
public readonly record struct SettlementRecord(ReferenceId ReferenceId, ClosedPosition Position, long Collateral, SettlementAction Action, long Amount, long Shortfall);

/// <summary>
/// Maps closed positions to settlement actions exactly once. The key is SHA-256 of <c>venueName:positionId</c>
/// (<see cref="ReferenceIds.TryForPosition"/>); every settlement is appended to its own CRC-framed file (kind
/// <c>FESETTLE</c> v1, fsync per record by default) <em>before</em> <see cref="TrySettle"/> returns Settled, so a
/// restart recovers the keys and cannot settle the same position twice.
/// </summary>
/// <remarks>
/// Rules: P&amp;L ≥ 0 → <see cref="SettlementAction.Credit"/> of the P&amp;L; a loss L ≤ collateral C →
/// <see cref="SettlementAction.Seize"/> of L; L &gt; C → <see cref="SettlementAction.SeizeCapped"/> of C with shortfall L − C.
/// Integer arithmetic only. Recovery on open follows <see cref="OrderIntentJournal.Recover"/>: a torn last record is cut
/// away (that settlement did not happen), damage in the middle refuses to open. One writer thread; not thread-safe.
/// </remarks>
public sealed class SettlementBridge : IDisposable
{
    internal const ulong Magic = 0x454C545445534546; // "FESETTLE" little-endian
    internal const ushort Version = 1;
    internal const uint Kind = 2;
    internal const byte SettlementRecordType = 1;
    internal const int PayloadSize = 32 + 2 + 4 + 8 + 8 + 1 + 8 + 8 + 8 + 1 + 8 + 8; // 96

    private readonly RecordFileWriter _writer;
    private readonly Dictionary<ReferenceId, SettlementRecord> _settled;

    private SettlementBridge(string path, RecordFileWriter writer, Dictionary<ReferenceId, SettlementRecord> settled, RecordFileTail tail, long tornBytes)
    {
        Path = path;
        _writer = writer;
        _settled = settled;
        RecoveredTail = tail;
        RecoveredTornBytes = tornBytes;
    }

    public string Path { get; }
    public int Count => _settled.Count;
    public long DuplicateCount { get; private set; }
    public long RejectedCount { get; private set; }
    /// <summary>How the file ended when it was opened (<see cref="RecordFileTail.Torn"/>: bytes were cut away).</summary>
    public RecordFileTail RecoveredTail { get; }
    public long RecoveredTornBytes { get; }
    public bool IsFaulted => _writer.IsFaulted;

    /// <summary>Opens or creates the settlement file at <paramref name="path"/>, recovering every settled key.</summary>
    /// <exception cref="InvalidDataException">Not a v1 settlement file, or damaged before its last record.</exception>
    public static SettlementBridge Open(string path, FsyncPolicy fsyncPolicy = FsyncPolicy.EveryRecord, int expectedSettlements = 4096)
    {
        var settled = new Dictionary<ReferenceId, SettlementRecord>(expectedSettlements);
        long validLength = 0;
        var tail = RecordFileTail.Clean;
        long tornBytes = 0;
        if (File.Exists(path))
        {
            byte[] file = File.ReadAllBytes(path);
            if (file.Length >= RecordFile.HeaderSize)
            {
                if (!RecordFile.IsValidHeader(file, Magic, Version, Kind))
                    throw new InvalidDataException($"settlement file '{path}' has no v1 settlement header; refusing to open (nothing was changed)");
                var reader = new RecordReader(file, PayloadSize);
                while (reader.TryRead(out byte type, out var payload))
                {
                    if (type != SettlementRecordType || payload.Length != PayloadSize) continue; // unknown record kinds are skipped
                    var record = Decode(payload);
                    settled.TryAdd(record.ReferenceId, record);
                }
                if (reader.Tail == RecordFileTail.Corrupt)
                    throw new InvalidDataException($"settlement file '{path}' is damaged at byte {reader.Offset} of {file.Length}; refusing to open (nothing was changed)");
                tail = reader.Tail;
                validLength = reader.Offset;
                tornBytes = file.Length - validLength;
            }
            else if (file.Length > 0)
            {
                tail = RecordFileTail.Torn;
                tornBytes = file.Length;
            }
        }
        var handle = RecordFileWriter.OpenForAppend(path, Magic, Version, Kind, validLength, out long position);
        var writer = new RecordFileWriter(handle, position, RecordFile.RecordOverhead + PayloadSize, fsyncPolicy, 1, 0);
        return new SettlementBridge(path, writer, settled, tail, tornBytes);
    }

    /// <summary>Decides and persists the settlement of <paramref name="position"/> against <paramref name="collateral"/>
    /// (a mantissa at the position's P&amp;L scale).</summary>
    public SettleResult TrySettle(in ClosedPosition position, long collateral)
    {
        if (_writer.IsFaulted) return new SettleResult(SettleStatus.Faulted, SettlementAction.None, 0, 0, default);
        if (collateral < 0 || position.RealizedPnl == long.MinValue || !ReferenceIds.TryForPosition(position.Venue, position.PositionId, out var refId))
            return Reject();
        if (_settled.TryGetValue(refId, out var previous))
        {
            DuplicateCount++;
            return new SettleResult(SettleStatus.Duplicate, previous.Action, previous.Amount, previous.Shortfall, refId);
        }
        Decide(position.RealizedPnl, collateral, out var action, out long amount, out long shortfall);
        var record = new SettlementRecord(refId, position, collateral, action, amount, shortfall);
        Span<byte> payload = stackalloc byte[PayloadSize];
        Encode(record, payload);
        var status = _writer.Append(SettlementRecordType, payload);
        if (status != RecordWriteStatus.Ok)
            return new SettleResult(status == RecordWriteStatus.IoError ? SettleStatus.IoError : SettleStatus.Faulted, SettlementAction.None, 0, 0, refId);
        _settled.Add(refId, record);
        return new SettleResult(SettleStatus.Settled, action, amount, shortfall, refId);
    }

    public bool TryGetSettlement(in ReferenceId refId, out SettlementRecord record) => _settled.TryGetValue(refId, out record);

    /// <summary>The settlement rule (pure): see the type's remarks.</summary>
    public static void Decide(long realizedPnl, long collateral, out SettlementAction action, out long amount, out long shortfall)
    {
        shortfall = 0;
        if (realizedPnl >= 0)
        {
            action = SettlementAction.Credit;
            amount = realizedPnl;
            return;
        }
        long loss = -realizedPnl;
        if (loss <= collateral)
        {
            action = SettlementAction.Seize;
            amount = loss;
            return;
        }
        action = SettlementAction.SeizeCapped;
        amount = collateral;
        shortfall = loss - collateral;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private SettleResult Reject()
    {
        RejectedCount++;
        return new SettleResult(SettleStatus.Invalid, SettlementAction.None, 0, 0, default);
    }

    private static void Encode(in SettlementRecord r, Span<byte> p)
    {
        var pos = r.Position;
        r.ReferenceId.AsSpan().CopyTo(p);
        int o = 32;
        BinaryPrimitives.WriteUInt16LittleEndian(p[o..], pos.Venue.Value); o += 2;
        BinaryPrimitives.WriteInt32LittleEndian(p[o..], pos.Instrument.Value); o += 4;
        BinaryPrimitives.WriteInt64LittleEndian(p[o..], pos.PositionId); o += 8;
        BinaryPrimitives.WriteInt64LittleEndian(p[o..], pos.RealizedPnl); o += 8;
        p[o++] = pos.PnlScale;
        BinaryPrimitives.WriteInt64LittleEndian(p[o..], pos.Quantity); o += 8;
        BinaryPrimitives.WriteInt64LittleEndian(p[o..], pos.ClosedTimeNs); o += 8;
        BinaryPrimitives.WriteInt64LittleEndian(p[o..], r.Collateral); o += 8;
        p[o++] = (byte)r.Action;
        BinaryPrimitives.WriteInt64LittleEndian(p[o..], r.Amount); o += 8;
        BinaryPrimitives.WriteInt64LittleEndian(p[o..], r.Shortfall);
    }

    private static SettlementRecord Decode(ReadOnlySpan<byte> p)
    {
        var refId = ReferenceId.FromBytes(p[..32]);
        int o = 32;
        var pos = new ClosedPosition();
        pos.Venue = new VenueId(BinaryPrimitives.ReadUInt16LittleEndian(p[o..])); o += 2;
        pos.Instrument = new InstrumentId(BinaryPrimitives.ReadInt32LittleEndian(p[o..])); o += 4;
        pos.PositionId = BinaryPrimitives.ReadInt64LittleEndian(p[o..]); o += 8;
        pos.RealizedPnl = BinaryPrimitives.ReadInt64LittleEndian(p[o..]); o += 8;
        pos.PnlScale = p[o++];
        pos.Quantity = BinaryPrimitives.ReadInt64LittleEndian(p[o..]); o += 8;
        pos.ClosedTimeNs = BinaryPrimitives.ReadInt64LittleEndian(p[o..]); o += 8;
        long collateral = BinaryPrimitives.ReadInt64LittleEndian(p[o..]); o += 8;
        var action = (SettlementAction)p[o++];
        long amount = BinaryPrimitives.ReadInt64LittleEndian(p[o..]); o += 8;
        long shortfall = BinaryPrimitives.ReadInt64LittleEndian(p[o..]);
        return new SettlementRecord(refId, pos, collateral, action, amount, shortfall);
    }

    public void Dispose() => _writer.Dispose();
}

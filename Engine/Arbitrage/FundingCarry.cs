using System.Runtime.CompilerServices;
using FastEngine.Books;
using FastEngine.Model;

namespace FastEngine.Arbitrage;

/// <summary>Funding/basis carry settings (from config).</summary>
/// <param name="FundingIntervalNs">Time between fundings of the perpetual (8 h on Binance, OKX, Bybit, BitMEX: 3 a day, 1,095 a year).</param>
/// <param name="SignPersistenceCount">K: the last K funding observations must all have the current rate's sign (no zero) before the carry counts.</param>
/// <param name="MinTimeToFundingNs">The next funding must be at least this far away: closer than that a position cannot be built
/// before the funding timestamp, and the predicted rate is about to be fixed and reset.</param>
/// <param name="MaxQuoteAgeNs">Books, mark and index older than this are not used (fail closed).</param>
/// <param name="MinCarryBps">Minimum |annualized carry| in basis points.</param>
public sealed record FundingCarryConfig(
    long FundingIntervalNs = 8L * 3600 * 1_000_000_000,
    int SignPersistenceCount = 3,
    long MinTimeToFundingNs = 5L * 60 * 1_000_000_000,
    long MaxQuoteAgeNs = 5_000_000_000,
    double MinCarryBps = 0);

/// <summary>Where the basis came from.</summary>
public enum BasisSource : byte
{
    None = 0,
    /// <summary>Perp book mid against the spot book mid.</summary>
    Books,
    /// <summary>The perp venue's mark price against its index (spot reference) price, when a book is unusable.</summary>
    MarkIndex,
}

/// <summary>Why a carry did not count.</summary>
public enum CarryRejectReason : byte
{
    None = 0,
    NoFundingRate,
    TooFewObservations,
    SignNotPersistent,
    NextFundingUnknown,
    FundingTooClose,
    NoPrices,
    BelowMinCarry,
}

/// <summary>One carry evaluation. Rates in parts per million (1 % = 10,000 ppm).</summary>
public struct CarrySignal
{
    public VenueId PerpVenue, SpotVenue;
    public InstrumentId Perp, Spot;
    /// <summary>Latest funding rate per interval × 10^<see cref="MarketEvent.FundingRateScale"/>.</summary>
    public long FundingRate;
    /// <summary>Funding rate × fundings per year.</summary>
    public long AnnualizedFundingPpm;
    /// <summary>(perp mid − spot mid) / spot mid: what a short-perp/long-spot position gains as the two converge.</summary>
    public long BasisPpm;
    /// <summary><see cref="AnnualizedFundingPpm"/> + <see cref="BasisPpm"/>; positive: short the perp and buy spot (longs pay
    /// shorts and the premium decays); negative: the reverse.</summary>
    public long CarryPpm;
    public BasisSource Source;
    public long TimeToFundingNs;
    public long EvaluatedAtNs;
    /// <summary>+1: short perp / long spot; −1: long perp / short spot.</summary>
    public readonly int Direction => CarryPpm >= 0 ? 1 : -1;
}

/// <summary>
/// Funding-rate and basis carry of one perpetual against a spot reference (same venue or another):
/// annualized carry = funding rate × fundings per year + (perp mid − spot mid) / spot mid. It counts only when the funding
/// sign has persisted over the last K observations and the next funding is not too close.
/// </summary>
/// <remarks>
/// Fed by <see cref="OnEvent"/> with the perp's <see cref="MarketEventKind.Funding"/>, <see cref="MarketEventKind.MarkPrice"/>
/// and <see cref="MarketEventKind.IndexPrice"/> events; reads the books from the <see cref="BookKeeper"/>. Single-threaded
/// (signal stage), integer-only, allocation-free after construction. Times are the event clock passed in.
/// </remarks>
public sealed class FundingCarry
{
    /// <summary>365 days in nanoseconds: the year the annualization uses.</summary>
    public const long YearNs = 365L * 24 * 3600 * 1_000_000_000;

    private readonly IBookSource _books;
    private readonly Instrument _perp, _spot;
    private readonly FundingCarryConfig _config;
    private readonly long _minCarryPpm;
    private readonly long[] _history;   // last K funding rates (ring)
    private int _historyCount, _historyNext;
    private long _rate, _nextFundingMs;
    private bool _hasRate;
    private long _mark, _markNs, _index, _indexNs;
    private OrderBook? _perpBook, _spotBook;
    private readonly long[] _rejects = new long[8];

    public FundingCarry(IBookSource books, VenueId perpVenue, Instrument perp, VenueId spotVenue, Instrument spot, FundingCarryConfig? config = null)
    {
        _config = config ?? new FundingCarryConfig();
        if (_config.FundingIntervalNs <= 0) throw new ArgumentOutOfRangeException(nameof(config), _config.FundingIntervalNs, "FundingIntervalNs must be > 0");
        if (_config.SignPersistenceCount < 1) throw new ArgumentOutOfRangeException(nameof(config), _config.SignPersistenceCount, "SignPersistenceCount must be ≥ 1");
        _books = books;
        PerpVenue = perpVenue;
        SpotVenue = spotVenue;
        _perp = perp;
        _spot = spot;
        _history = new long[_config.SignPersistenceCount];
        _minCarryPpm = (long)Math.Ceiling(_config.MinCarryBps * 100);
    }

    public VenueId PerpVenue { get; }
    public VenueId SpotVenue { get; }
    public Instrument Perp => _perp;
    public Instrument Spot => _spot;
    public long RejectedBy(CarryRejectReason reason) => _rejects[(int)reason];
    public long Accepted { get; private set; }

    /// <summary>Takes the perp's funding, mark and index events; other events are ignored.</summary>
    public void OnEvent(ref MarketEvent e)
    {
        if (e.Venue != PerpVenue || e.Instrument != _perp.Id) return;
        switch (e.Kind)
        {
            case MarketEventKind.Funding:
                _rate = e.FundingRate;
                _nextFundingMs = e.NextFundingTimeMs;
                _hasRate = true;
                _history[_historyNext] = e.FundingRate;
                _historyNext = (_historyNext + 1) % _history.Length;
                if (_historyCount < _history.Length) _historyCount++;
                break;
            case MarketEventKind.MarkPrice:
                _mark = e.Price;
                _markNs = e.ReceiveTimeNs;
                break;
            case MarketEventKind.IndexPrice:
                _index = e.Price;
                _indexNs = e.ReceiveTimeNs;
                break;
        }
    }

    /// <summary>Funding rate (scale 12) × fundings per year, in ppm. 0.0001 per 8 h → 109,500 ppm (10.95 %).</summary>
    public static long AnnualizeFundingPpm(long fundingRate, long fundingIntervalNs) =>
        (long)((Int128)fundingRate * YearNs / fundingIntervalNs / 1_000_000);

    /// <summary>
    /// Evaluates the carry at <paramref name="nowNs"/>; true when it is stable and large enough. <paramref name="signal"/>
    /// is filled whenever a rate and prices exist, even when the carry does not count, so a report can show it.
    /// </summary>
    public bool TryEvaluate(long nowNs, out CarrySignal signal)
    {
        signal = default;
        signal.PerpVenue = PerpVenue;
        signal.SpotVenue = SpotVenue;
        signal.Perp = _perp.Id;
        signal.Spot = _spot.Id;
        signal.EvaluatedAtNs = nowNs;
        if (!_hasRate) return Reject(CarryRejectReason.NoFundingRate);
        signal.FundingRate = _rate;
        signal.AnnualizedFundingPpm = AnnualizeFundingPpm(_rate, _config.FundingIntervalNs);
        if (!TryBasis(nowNs, out signal.BasisPpm, out signal.Source)) return Reject(CarryRejectReason.NoPrices);
        signal.CarryPpm = signal.AnnualizedFundingPpm + signal.BasisPpm;
        signal.TimeToFundingNs = _nextFundingMs > 0 ? _nextFundingMs * 1_000_000 - nowNs : 0;

        if (_historyCount < _history.Length) return Reject(CarryRejectReason.TooFewObservations);
        int sign = Math.Sign(_rate);
        for (int i = 0; i < _history.Length; i++)
            if (sign == 0 || Math.Sign(_history[i]) != sign) return Reject(CarryRejectReason.SignNotPersistent);
        if (_nextFundingMs <= 0) return Reject(CarryRejectReason.NextFundingUnknown);
        if (signal.TimeToFundingNs < _config.MinTimeToFundingNs) return Reject(CarryRejectReason.FundingTooClose);
        if (Math.Abs(signal.CarryPpm) < _minCarryPpm) return Reject(CarryRejectReason.BelowMinCarry);
        Accepted++;
        return true;
    }

    /// <summary>The basis alone at <paramref name="nowNs"/> (no funding needed): (perp mid − spot mid) / spot mid in ppm from
    /// the books, else (mark − index) / index. Allocation-free.</summary>
    public bool TryGetBasis(long nowNs, out long basisPpm, out BasisSource source) => TryBasis(nowNs, out basisPpm, out source);

    /// <summary>(perp mid − spot mid) / spot mid in ppm from the books, else (mark − index) / index.</summary>
    private bool TryBasis(long nowNs, out long basisPpm, out BasisSource source)
    {
        _perpBook ??= _books.TryGetBook(PerpVenue, _perp.Id);
        _spotBook ??= _books.TryGetBook(SpotVenue, _spot.Id);
        if (Usable(_perpBook, nowNs) && Usable(_spotBook, nowNs))
        {
            // Mids doubled (bid + ask) so nothing is rounded; each side brought to the other's price scale.
            Int128 perp2 = (Int128)(_perpBook!.Bids.Best.Price + _perpBook.Asks.Best.Price) * Pow10(_spot.PriceScale);
            Int128 spot2 = (Int128)(_spotBook!.Bids.Best.Price + _spotBook.Asks.Best.Price) * Pow10(_perp.PriceScale);
            basisPpm = (long)((perp2 - spot2) * 1_000_000 / spot2);
            source = BasisSource.Books;
            return true;
        }
        if (_mark > 0 && _index > 0 && nowNs - _markNs <= _config.MaxQuoteAgeNs && nowNs - _indexNs <= _config.MaxQuoteAgeNs)
        {
            basisPpm = (long)((Int128)(_mark - _index) * 1_000_000 / _index);
            source = BasisSource.MarkIndex;
            return true;
        }
        basisPpm = 0;
        source = BasisSource.None;
        return false;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private bool Usable(OrderBook? book, long nowNs) =>
        book is not null && book.IsSynced && !book.Bids.IsEmpty && !book.Asks.IsEmpty && nowNs - book.LastReceiveTimeNs <= _config.MaxQuoteAgeNs;

    private bool Reject(CarryRejectReason reason)
    {
        _rejects[(int)reason]++;
        return false;
    }

    private static long Pow10(int n) => FixedPoint.Pow10(n);
}

/// <summary>Why an open carry position was unwound (summary key names: <see cref="CarryUnwindReasons.NameOf"/>).</summary>
public enum CarryUnwindReason : byte
{
    None = 0,
    /// <summary>The annualized carry, in the direction the position was opened, fell below <c>carry.exitCarryBps</c>.</summary>
    BelowExitCarry = 1,
    /// <summary>The funding rate's sign is the opposite of its sign when the position was opened.</summary>
    FundingSignFlip = 2,
    /// <summary><c>carry.maxHoldFundings</c> funding timestamps passed while the position was held.</summary>
    MaxHoldFundings = 3,
}

public static class CarryUnwindReasons
{
    public const int Count = 4;
    /// <summary>Stable snake_case names used as summary keys.</summary>
    public static string NameOf(CarryUnwindReason reason) => reason switch
    {
        CarryUnwindReason.BelowExitCarry => "below_exit_carry",
        CarryUnwindReason.FundingSignFlip => "funding_sign_flip",
        CarryUnwindReason.MaxHoldFundings => "max_hold_fundings",
        _ => "none",
    };
}

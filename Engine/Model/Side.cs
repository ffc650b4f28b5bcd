namespace FastEngine.Model;

/// <summary>Book side or trade aggressor side. One byte in <see cref="MarketEvent"/>.</summary>
public enum Side : byte
{
    None = 0,
    /// <summary>Bid side of a book; for a trade, a buyer-initiated (aggressive buy) trade.</summary>
    Bid = 1,
    /// <summary>Ask (offer) side of a book; for a trade, a seller-initiated trade.</summary>
    Ask = 2,
}

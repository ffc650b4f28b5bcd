using FastEngine.Model;

namespace FastEngine.Books;

/// <summary>
/// Where the decision side finds a venue's book of an instrument: the authoritative <see cref="BookKeeper"/> in the fused
/// topology, the decision thread's <see cref="BookMirror"/> in the staged one. Detectors, the consolidated view and the
/// router resolve a book through it once (then cache the <see cref="OrderBook"/>), so the lookup is off the hot path.
/// </summary>
/// <remarks>Single-threaded: called on the thread that reads the books it returns.</remarks>
public interface IBookSource
{
    /// <summary>The book, or null while the source has none for this venue and instrument.</summary>
    OrderBook? TryGetBook(VenueId venue, InstrumentId instrument);
}

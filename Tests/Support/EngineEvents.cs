using FastEngine.Hosting;
using FastEngine.Model;

namespace FastEngine.Tests.Support;

/// <summary>Hand-built market messages fed straight into a <see cref="DecisionEngine"/> (no parser, no ring).</summary>
public static class EngineEvents
{
    /// <summary>A snapshot message: a header with <see cref="MarketEventFlags.Snapshot"/>, then one level per entry, the
    /// last one ending the message. All at receive time <paramref name="timeNs"/>, with no producer stamp.</summary>
    public static void Snapshot(DecisionEngine engine, VenueId venue, InstrumentId id, long timeNs, params (Side Side, long Price, long Size)[] levels)
    {
        var h = new MarketEvent { Kind = MarketEventKind.BookHeader, Venue = venue, Instrument = id, Flags = MarketEventFlags.Snapshot, ReceiveTimeNs = timeNs };
        engine.OnEvent(ref h, 0);
        for (int i = 0; i < levels.Length; i++)
        {
            var e = new MarketEvent { Kind = MarketEventKind.BookLevel, Venue = venue, Instrument = id, Side = levels[i].Side, Price = levels[i].Price, Size = levels[i].Size, ReceiveTimeNs = timeNs };
            if (i == levels.Length - 1) e.Flags = MarketEventFlags.EndOfMessage;
            engine.OnEvent(ref e, 0);
        }
    }
}

using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using FastEngine.Model;

namespace FastEngine.Tests.Engine.Model;

public class MarketEventTests
{
    [Fact]
    public void Size_IsOneCacheLine()
    {
        Assert.Equal(64, Unsafe.SizeOf<MarketEvent>());
        Assert.Equal(64, Marshal.SizeOf<MarketEvent>());
        Assert.False(RuntimeHelpers.IsReferenceOrContainsReferences<MarketEvent>());
    }

    [Theory]
    [InlineData(nameof(MarketEvent.Price), 0)]
    [InlineData(nameof(MarketEvent.Size), 8)]
    [InlineData(nameof(MarketEvent.Sequence), 16)]
    [InlineData(nameof(MarketEvent.PrevSequence), 24)]
    [InlineData(nameof(MarketEvent.ExchangeTimeNs), 32)]
    [InlineData(nameof(MarketEvent.ReceiveTimeNs), 40)]
    [InlineData(nameof(MarketEvent.Instrument), 48)]
    [InlineData(nameof(MarketEvent.Checksum), 52)]
    [InlineData(nameof(MarketEvent.Venue), 56)]
    [InlineData(nameof(MarketEvent.Flags), 58)]
    [InlineData(nameof(MarketEvent.Kind), 60)]
    [InlineData(nameof(MarketEvent.Side), 61)]
    [InlineData(nameof(MarketEvent.PriceDecimals), 62)]
    [InlineData(nameof(MarketEvent.SizeDecimals), 63)]
    [InlineData(nameof(MarketEvent.FirstSequence), 0)]
    [InlineData(nameof(MarketEvent.FundingRate), 8)]
    [InlineData(nameof(MarketEvent.NextFundingTimeMs), 24)]
    [InlineData(nameof(MarketEvent.Reason), 62)]
    public void FieldOffsets_MatchDocumentedLayout(string field, int offset)
    {
        Assert.Equal(offset, (int)Marshal.OffsetOf<MarketEvent>(field));
    }

    [Fact]
    public void Aliases_ShareStorage()
    {
        var e = new MarketEvent { FirstSequence = 42, FundingRate = 7, NextFundingTimeMs = 9, Reason = InvalidateReason.SequenceGap };
        Assert.Equal(42, e.Price);
        Assert.Equal(7, e.Size);
        Assert.Equal(9, e.PrevSequence);
        Assert.Equal((byte)InvalidateReason.SequenceGap, e.PriceDecimals);
    }
}

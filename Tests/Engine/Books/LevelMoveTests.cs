using FastEngine.Books;
using FsCheck;
using FsCheck.Fluent;

namespace FastEngine.Tests.Engine.Books;

/// <summary>
/// <see cref="BookSide.Move"/> (the book's own overlapping level move, 16/32-byte loads and stores in place of the
/// runtime's memmove) against <see cref="Array.Copy(Array, int, Array, int, int)"/>, which the runtime documents as
/// correct for overlapping runs within one array: every length class (one level, 2, 3–5, more than 5 and long runs),
/// both directions, every shift distance, and the levels outside the destination untouched.
/// </summary>
public class LevelMoveTests
{
    private static BookLevel[] Filled(int length)
    {
        var levels = new BookLevel[length];
        for (int i = 0; i < length; i++)
        {
            levels[i] = new BookLevel
            {
                Price = 1_000_000L * i + 17,
                Size = -3L * i - 5,
                PriceDecimals = (byte)(i * 7),
                SizeDecimals = (byte)(i * 11 + 1),
                ChecksumTextLength = (ushort)(i * 13 + 2),
                ChecksumTextCrc = (uint)(i * 2_654_435_761u),
            };
        }
        return levels;
    }

    private static bool Same(int length, int from, int to, int count)
    {
        var expected = Filled(length);
        var actual = Filled(length);
        Array.Copy(expected, from, expected, to, count);
        BookSide.Move(actual, from, to, count);
        return expected.AsSpan().SequenceEqual(actual);
    }

    [Fact]
    public void RandomRuns_EqualArrayCopy()
    {
        var runs = from length in Gen.Choose(1, 400)
                   from count in Gen.Choose(0, length)
                   from from_ in Gen.Choose(0, length - count)
                   from to in Gen.Frequency(
                       (3, Gen.Choose(Math.Max(0, from_ - 2), Math.Min(length - count, from_ + 2))),
                       (1, Gen.Choose(0, length - count)))
                   select (length, from_, to, count);
        Prop.ForAll(runs.ToArbitrary(), r => Same(r.length, r.from_, r.to, r.count))
            .Check(Config.QuickThrowOnFailure.WithMaxTest(2_000).WithEndSize(400));
    }

    [Fact]
    public void EveryShortRunAndShift_EqualsArrayCopy()
    {
        // Every count up to 12 levels (288 bytes: each of the short-run size classes and the first loop lengths), every
        // source and destination within a 40-level array.
        const int length = 40;
        for (int count = 0; count <= 12; count++)
            for (int from = 0; from + count <= length; from++)
                for (int to = 0; to + count <= length; to++)
                    Assert.True(Same(length, from, to, count), $"count {count} from {from} to {to}");
    }

    [Fact]
    public void OutOfRange_Throws_AndMovesNothing()
    {
        var levels = Filled(8);
        Assert.Throws<InvalidOperationException>(() => BookSide.Move(levels, 4, 5, 4));
        Assert.Throws<InvalidOperationException>(() => BookSide.Move(levels, -1, 0, 2));
        Assert.Throws<InvalidOperationException>(() => BookSide.Move(levels, 0, 7, 2));
        Assert.True(levels.AsSpan().SequenceEqual(Filled(8)));
    }
}

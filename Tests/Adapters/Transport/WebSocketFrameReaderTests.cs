using System.Buffers;
using FastEngine.Adapters.Transport;

namespace FastEngine.Tests.Adapters.Transport;

public class WebSocketFrameReaderTests
{
    // RFC 6455 §5.7 examples (unmasked, i.e. server-to-client).
    internal static readonly byte[] RfcHello = [0x81, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f];
    internal static readonly byte[] RfcFragment1 = [0x01, 0x03, 0x48, 0x65, 0x6c];
    internal static readonly byte[] RfcFragment2 = [0x80, 0x02, 0x6c, 0x6f];
    internal static readonly byte[] RfcPing = [0x89, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f];
    internal static readonly byte[] Rfc256Header = [0x82, 0x7E, 0x01, 0x00];
    internal static readonly byte[] Rfc64KiBHeader = [0x82, 0x7F, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00];

    private static OperationStatus Read(byte[] bytes, out WebSocketFrameHeader header, out WebSocketRejectReason reason,
        long max = long.MaxValue, bool rsv1 = false) =>
        WebSocketFrameReader.TryReadHeader(new ReadOnlySequence<byte>(bytes), max, rsv1, out header, out reason);

    [Fact]
    public void TryReadHeader_RfcSingleFrameHello_DecodesFinTextLength5()
    {
        Assert.Equal(OperationStatus.Done, Read(RfcHello, out var header, out _));
        Assert.True(header.Fin);
        Assert.Equal(WebSocketOpcode.Text, header.Opcode);
        Assert.Equal(5, header.PayloadLength);
        Assert.Equal(2, header.HeaderLength);
    }

    [Fact]
    public void TryReadHeader_RfcFragments_FirstNotFinThenContinuationFin()
    {
        Assert.Equal(OperationStatus.Done, Read(RfcFragment1, out var first, out _));
        Assert.False(first.Fin);
        Assert.Equal(WebSocketOpcode.Text, first.Opcode);
        Assert.Equal(3, first.PayloadLength);
        Assert.Equal(OperationStatus.Done, Read(RfcFragment2, out var second, out _));
        Assert.True(second.Fin);
        Assert.Equal(WebSocketOpcode.Continuation, second.Opcode);
        Assert.Equal(2, second.PayloadLength);
    }

    [Fact]
    public void TryReadHeader_Rfc16And64BitLengths_Decoded()
    {
        Assert.Equal(OperationStatus.Done, Read(Rfc256Header, out var h16, out _));
        Assert.Equal(256, h16.PayloadLength);
        Assert.Equal(4, h16.HeaderLength);
        Assert.Equal(OperationStatus.Done, Read(Rfc64KiBHeader, out var h64, out _));
        Assert.Equal(65536, h64.PayloadLength);
        Assert.Equal(10, h64.HeaderLength);
    }

    [Fact]
    public void TryReadHeader_EveryIncompletePrefix_NeedMoreData()
    {
        foreach (byte[] frame in new[] { RfcHello, Rfc256Header, Rfc64KiBHeader })
        {
            // Only the header bytes matter to this reader; every shorter prefix of the header needs more data.
            Read(frame, out var full, out _);
            for (int length = 0; length < full.HeaderLength; length++)
                Assert.Equal(OperationStatus.NeedMoreData, Read(frame[..length], out _, out _));
        }
    }

    [Fact]
    public void TryReadHeader_HeaderSplitAcrossSegments_SameResultAtEverySplit()
    {
        foreach (byte[] frame in new[] { RfcHello, Rfc256Header, Rfc64KiBHeader })
        {
            for (int split = 0; split <= frame.Length; split++)
            {
                var sequence = Sequences.SplitAt(frame, split);
                Assert.Equal(OperationStatus.Done, WebSocketFrameReader.TryReadHeader(sequence, long.MaxValue, false, out var h, out _));
                Read(frame, out var expected, out _);
                Assert.Equal(expected, h);
            }
            Assert.Equal(OperationStatus.Done,
                WebSocketFrameReader.TryReadHeader(Sequences.OneBytePerSegment(frame), long.MaxValue, false, out _, out _));
        }
    }

    [Theory]
    [InlineData(new byte[] { 0xC1, 0x00 }, WebSocketRejectReason.ReservedBitsSet)] // RSV1 without deflate
    [InlineData(new byte[] { 0xA1, 0x00 }, WebSocketRejectReason.ReservedBitsSet)] // RSV2
    [InlineData(new byte[] { 0x91, 0x00 }, WebSocketRejectReason.ReservedBitsSet)] // RSV3
    [InlineData(new byte[] { 0x83, 0x00 }, WebSocketRejectReason.UnknownOpcode)]
    [InlineData(new byte[] { 0x87, 0x00 }, WebSocketRejectReason.UnknownOpcode)]
    [InlineData(new byte[] { 0x8B, 0x00 }, WebSocketRejectReason.UnknownOpcode)]
    [InlineData(new byte[] { 0x8F, 0x00 }, WebSocketRejectReason.UnknownOpcode)]
    [InlineData(new byte[] { 0x89, 0x7E, 0x00, 0x7E }, WebSocketRejectReason.ControlFrameTooLong)]
    [InlineData(new byte[] { 0x09, 0x00 }, WebSocketRejectReason.ControlFrameFragmented)]
    [InlineData(new byte[] { 0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d }, WebSocketRejectReason.MaskedServerFrame)]
    [InlineData(new byte[] { 0x82, 0x7F, 0x80, 0, 0, 0, 0, 0, 0, 1 }, WebSocketRejectReason.InvalidPayloadLength)]
    public void TryReadHeader_RuleViolation_InvalidDataWithReason(byte[] bytes, WebSocketRejectReason expected)
    {
        Assert.Equal(OperationStatus.InvalidData, Read(bytes, out _, out var reason));
        Assert.Equal(expected, reason);
    }

    [Fact]
    public void TryReadHeader_FirstByteAlreadyInvalid_RejectedWithoutWaitingForMore()
    {
        Assert.Equal(OperationStatus.InvalidData, Read([0x83], out _, out var reason));
        Assert.Equal(WebSocketRejectReason.UnknownOpcode, reason);
    }

    [Fact]
    public void TryReadHeader_Rsv1WithDeflate_AllowedOnFirstDataFrameOnly()
    {
        Assert.Equal(OperationStatus.Done, Read([0xC1, 0x00], out var header, out _, rsv1: true));
        Assert.True(header.Rsv1);
        Assert.Equal(OperationStatus.InvalidData, Read([0xC0, 0x00], out _, out var continuation, rsv1: true));
        Assert.Equal(WebSocketRejectReason.ReservedBitsSet, continuation);
        Assert.Equal(OperationStatus.InvalidData, Read([0xC9, 0x00], out _, out var control, rsv1: true));
        Assert.Equal(WebSocketRejectReason.ReservedBitsSet, control);
    }

    [Fact]
    public void TryReadHeader_DeclaredLengthOverLimit_RejectedBeforePayloadArrives()
    {
        // Only the 10 header bytes of a 64 KiB frame are present: the limit decides without buffering the payload.
        Assert.Equal(OperationStatus.InvalidData, Read(Rfc64KiBHeader, out _, out var reason, max: 65535));
        Assert.Equal(WebSocketRejectReason.MessageTooBig, reason);
        Assert.Equal(OperationStatus.Done, Read(Rfc64KiBHeader, out _, out _, max: 65536));
    }
}

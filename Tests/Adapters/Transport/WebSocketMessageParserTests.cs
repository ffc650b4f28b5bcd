using System.Buffers;
using System.IO.Pipelines;
using System.Text;
using FastEngine.Adapters.Transport;

namespace FastEngine.Tests.Adapters.Transport;

public class WebSocketMessageParserTests
{
    /// <summary>Feeds chunks through a real Pipe exactly as PipeWebSocket does (TryRead, Parse, AdvanceTo).</summary>
    internal static WebSocketParseStatus FeedThroughPipe(WebSocketMessageParser parser, IEnumerable<byte[]> chunks,
        IWebSocketMessageHandler handler, IWebSocketControlHandler? control = null)
    {
        var pipe = new Pipe(new PipeOptions(pauseWriterThreshold: 0, resumeWriterThreshold: 0, minimumSegmentSize: 16,
            readerScheduler: PipeScheduler.Inline, writerScheduler: PipeScheduler.Inline, useSynchronizationContext: false));
        var status = WebSocketParseStatus.NeedMoreData;
        foreach (byte[] chunk in chunks)
        {
            if (chunk.Length == 0)
                continue;
            pipe.Writer.Write(chunk);
            pipe.Writer.FlushAsync().GetAwaiter().GetResult();
            Assert.True(pipe.Reader.TryRead(out ReadResult result));
            ReadOnlySequence<byte> buffer = result.Buffer;
            status = parser.Parse(ref buffer, ref handler, control, 42);
            pipe.Reader.AdvanceTo(buffer.Start, result.Buffer.End);
            if (status != WebSocketParseStatus.NeedMoreData)
                break;
        }
        return status;
    }

    private static WebSocketParseStatus ParseOnce(WebSocketMessageParser parser, ReadOnlySequence<byte> sequence,
        IWebSocketMessageHandler handler, IWebSocketControlHandler? control = null)
    {
        var buffer = sequence;
        return parser.Parse(ref buffer, ref handler, control, 42);
    }

    private static byte[] RfcStream => Frames.Concat(
        WebSocketFrameReaderTests.RfcHello,
        WebSocketFrameReaderTests.RfcFragment1,
        WebSocketFrameReaderTests.RfcPing, // a control frame may sit between fragments (§5.4)
        WebSocketFrameReaderTests.RfcFragment2);

    private static void AssertRfcStreamResult(RecordingHandler handler, RecordingControl control)
    {
        Assert.Equal(2, handler.Count);
        Assert.Equal("Hello", handler.TextAt(0));
        Assert.Equal("Hello", handler.TextAt(1));
        Assert.Single(control.Pings);
        Assert.Equal("Hello"u8.ToArray(), control.Pings[0]);
    }

    [Fact]
    public void Parse_RfcExamplesAsOneSegment_TwoHelloMessagesAndOnePing()
    {
        var handler = new RecordingHandler();
        var control = new RecordingControl();
        var parser = new WebSocketMessageParser(1 << 20);
        Assert.Equal(WebSocketParseStatus.NeedMoreData, ParseOnce(parser, new ReadOnlySequence<byte>(RfcStream), handler, control));
        AssertRfcStreamResult(handler, control);
        Assert.Equal(4, parser.FramesReceived);
    }

    [Fact]
    public void Parse_FragmentedMessage_HandedOverAsMultiSegmentSequenceWithoutHeaders()
    {
        var handler = new RecordingHandler();
        var parser = new WebSocketMessageParser(1 << 20);
        ParseOnce(parser, new ReadOnlySequence<byte>(RfcStream), handler, new RecordingControl());
        Assert.Equal(1, handler.Messages[0].Segments);
        Assert.Equal(2, handler.Messages[1].Segments); // "Hel" + "lo" stitched in place
    }

    [Fact]
    public void Parse_RfcStreamSplitAtEveryByte_SameMessages()
    {
        byte[] stream = RfcStream;
        for (int split = 0; split <= stream.Length; split++)
        {
            var handler = new RecordingHandler();
            var control = new RecordingControl();
            var parser = new WebSocketMessageParser(1 << 20);
            // As one two-segment sequence...
            ParseOnce(parser, Sequences.SplitAt(stream, split), handler, control);
            AssertRfcStreamResult(handler, control);
            // ...and as two pipe writes (need-more-data in between must consume nothing).
            handler = new RecordingHandler();
            control = new RecordingControl();
            FeedThroughPipe(new WebSocketMessageParser(1 << 20), [stream[..split], stream[split..]], handler, control);
            AssertRfcStreamResult(handler, control);
        }
    }

    [Fact]
    public void Parse_RfcStreamOneBytePerSegmentAndPerWrite_SameMessages()
    {
        byte[] stream = RfcStream;
        var handler = new RecordingHandler();
        var control = new RecordingControl();
        ParseOnce(new WebSocketMessageParser(1 << 20), Sequences.OneBytePerSegment(stream), handler, control);
        AssertRfcStreamResult(handler, control);

        handler = new RecordingHandler();
        control = new RecordingControl();
        FeedThroughPipe(new WebSocketMessageParser(1 << 20), stream.Select(b => new[] { b }), handler, control);
        AssertRfcStreamResult(handler, control);
    }

    [Fact]
    public void Parse_LargeFragmentedBinaryOneBytePerWrite_ReassembledExactly()
    {
        var payload = new byte[3000];
        new Random(3).NextBytes(payload);
        byte[] stream = Frames.Concat(
            WebSocketFrameWriter.BuildServerFrame(WebSocketOpcode.Binary, payload.AsSpan(0, 200), fin: false),
            WebSocketFrameWriter.BuildServerFrame(WebSocketOpcode.Continuation, payload.AsSpan(200, 0), fin: false),
            WebSocketFrameWriter.BuildServerFrame(WebSocketOpcode.Continuation, payload.AsSpan(200, 2000), fin: false),
            WebSocketFrameWriter.BuildServerFrame(WebSocketOpcode.Pong, "x"u8),
            WebSocketFrameWriter.BuildServerFrame(WebSocketOpcode.Continuation, payload.AsSpan(2200), fin: true));
        var handler = new RecordingHandler();
        var control = new RecordingControl();
        FeedThroughPipe(new WebSocketMessageParser(1 << 20), stream.Chunk(7), handler, control);
        Assert.Single(handler.Messages);
        Assert.Equal(WebSocketMessageType.Binary, handler.Messages[0].Type);
        Assert.Equal(payload, handler.Messages[0].Payload);
        Assert.Single(control.Pongs);
    }

    public static TheoryData<byte[], WebSocketRejectReason, WebSocketCloseCode> Violations() => new()
    {
        { WebSocketFrameReaderTests.RfcFragment2, WebSocketRejectReason.ContinuationWithoutStart, WebSocketCloseCode.ProtocolError },
        { Frames.Concat(WebSocketFrameReaderTests.RfcFragment1, WebSocketFrameReaderTests.RfcHello),
            WebSocketRejectReason.DataFrameDuringFragmentedMessage, WebSocketCloseCode.ProtocolError },
        { new byte[] { 0x88, 0x01, 0x03 }, WebSocketRejectReason.ClosePayloadTooShort, WebSocketCloseCode.ProtocolError },
        { Frames.Close(999), WebSocketRejectReason.InvalidCloseCode, WebSocketCloseCode.ProtocolError },
        { Frames.Close(1004), WebSocketRejectReason.InvalidCloseCode, WebSocketCloseCode.ProtocolError },
        { Frames.Close(1005), WebSocketRejectReason.InvalidCloseCode, WebSocketCloseCode.ProtocolError },
        { Frames.Close(1006), WebSocketRejectReason.InvalidCloseCode, WebSocketCloseCode.ProtocolError },
        { Frames.Close(1015), WebSocketRejectReason.InvalidCloseCode, WebSocketCloseCode.ProtocolError },
        { Frames.Close(2000), WebSocketRejectReason.InvalidCloseCode, WebSocketCloseCode.ProtocolError },
        { Frames.Close(5000), WebSocketRejectReason.InvalidCloseCode, WebSocketCloseCode.ProtocolError },
        { new byte[] { 0x88, 0x04, 0x03, 0xE8, 0xC0, 0xAF }, WebSocketRejectReason.InvalidUtf8CloseReason, WebSocketCloseCode.InvalidPayloadData },
        { new byte[] { 0x81, 0x02, 0xC0, 0xAF }, WebSocketRejectReason.InvalidUtf8Text, WebSocketCloseCode.InvalidPayloadData },
        // Invalid UTF-8 whose bad sequence straddles two fragments.
        { new byte[] { 0x01, 0x02, 0x41, 0xE2, 0x80, 0x02, 0x41, 0x41 }, WebSocketRejectReason.InvalidUtf8Text, WebSocketCloseCode.InvalidPayloadData },
        { new byte[] { 0xC1, 0x00 }, WebSocketRejectReason.ReservedBitsSet, WebSocketCloseCode.ProtocolError },
        { new byte[] { 0x8C, 0x00 }, WebSocketRejectReason.UnknownOpcode, WebSocketCloseCode.ProtocolError },
        { new byte[] { 0x81, 0x80, 1, 2, 3, 4 }, WebSocketRejectReason.MaskedServerFrame, WebSocketCloseCode.ProtocolError },
        { new byte[] { 0x0A, 0x00 }, WebSocketRejectReason.ControlFrameFragmented, WebSocketCloseCode.ProtocolError },
        { new byte[] { 0x8A, 0x7E, 0x00, 0x80 }, WebSocketRejectReason.ControlFrameTooLong, WebSocketCloseCode.ProtocolError },
    };

    [Theory]
    [MemberData(nameof(Violations))]
    public void Parse_RuleViolation_CountedWithReasonAndRightCloseCode(byte[] stream, WebSocketRejectReason reason, WebSocketCloseCode code)
    {
        var parser = new WebSocketMessageParser(1 << 20);
        var handler = new RecordingHandler();
        Assert.Equal(WebSocketParseStatus.ProtocolViolation, ParseOnce(parser, new ReadOnlySequence<byte>(stream), handler));
        Assert.Equal(reason, parser.RejectReason);
        Assert.Equal(code, parser.RejectCloseCode);
        Assert.Equal(1, parser.Rejections[reason]);
        Assert.Equal(1, parser.Rejections.Total);
        Assert.Empty(handler.Messages);
        // Also when every byte arrives separately.
        var split = new WebSocketMessageParser(1 << 20);
        Assert.Equal(WebSocketParseStatus.ProtocolViolation, FeedThroughPipe(split, stream.Select(b => new[] { b }), new RecordingHandler()));
        Assert.Equal(reason, split.RejectReason);
    }

    [Fact]
    public void Parse_MessageOverLimitAcrossFragments_RejectedWith1009BeforeLastFragmentArrives()
    {
        var parser = new WebSocketMessageParser(maxMessageSize: 100);
        byte[] stream = Frames.Concat(
            WebSocketFrameWriter.BuildServerFrame(WebSocketOpcode.Binary, new byte[60], fin: false),
            WebSocketFrameWriter.BuildServerFrame(WebSocketOpcode.Continuation, new byte[60], fin: true)[..4]); // header only
        Assert.Equal(WebSocketParseStatus.ProtocolViolation, ParseOnce(parser, new ReadOnlySequence<byte>(stream), new RecordingHandler()));
        Assert.Equal(WebSocketRejectReason.MessageTooBig, parser.RejectReason);
        Assert.Equal(WebSocketCloseCode.MessageTooBig, parser.RejectCloseCode);
    }

    [Fact]
    public void Parse_MessageExactlyAtLimit_Delivered()
    {
        var parser = new WebSocketMessageParser(maxMessageSize: 100);
        var handler = new RecordingHandler();
        ParseOnce(parser, new ReadOnlySequence<byte>(WebSocketFrameWriter.BuildServerFrame(WebSocketOpcode.Binary, new byte[100])), handler);
        Assert.Single(handler.Messages);
    }

    [Fact]
    public void Parse_InvalidUtf8WithValidationOff_Delivered()
    {
        var parser = new WebSocketMessageParser(1 << 20, validateUtf8: false);
        var handler = new RecordingHandler();
        Assert.Equal(WebSocketParseStatus.NeedMoreData, ParseOnce(parser, new ReadOnlySequence<byte>(new byte[] { 0x81, 0x02, 0xC0, 0xAF }), handler));
        Assert.Single(handler.Messages);
    }

    [Theory]
    [InlineData((ushort)1000, "bye")]
    [InlineData((ushort)1001, "")]
    [InlineData((ushort)1011, "server error")]
    [InlineData((ushort)1014, "")]
    [InlineData((ushort)3000, "registered")]
    [InlineData((ushort)4999, "private κ")]
    public void Parse_ValidCloseFrame_CloseReceivedWithCodeAndReason(ushort code, string reason)
    {
        var parser = new WebSocketMessageParser(1 << 20);
        Assert.Equal(WebSocketParseStatus.CloseReceived, ParseOnce(parser, new ReadOnlySequence<byte>(Frames.Close(code, reason)), new RecordingHandler()));
        Assert.Equal((WebSocketCloseCode)code, parser.CloseCode);
        Assert.Equal(reason, parser.CloseReason);
    }

    [Fact]
    public void Parse_EmptyCloseFrame_NoStatusReceived()
    {
        var parser = new WebSocketMessageParser(1 << 20);
        Assert.Equal(WebSocketParseStatus.CloseReceived, ParseOnce(parser, new ReadOnlySequence<byte>(new byte[] { 0x88, 0x00 }), new RecordingHandler()));
        Assert.Equal(WebSocketCloseCode.NoStatusReceived, parser.CloseCode);
    }

    [Fact]
    public void Parse_PerMessageDeflateRfc7692Example_InflatesHello()
    {
        // RFC 7692 §7.2.3.1: "Hello" compressed in one frame: 0xc1 0x07 0xf2 0x48 0xcd 0xc9 0xc9 0x07 0x00
        byte[] frame = [0xc1, 0x07, 0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00];
        // §7.2.3.1 also gives the same message fragmented: 0x41 0x03 0xf2 0x48 0xcd / 0x80 0x04 0xc9 0xc9 0x07 0x00
        byte[] fragmented = [0x41, 0x03, 0xf2, 0x48, 0xcd, 0x80, 0x04, 0xc9, 0xc9, 0x07, 0x00];
        // §7.2.3.2: a second "Hello" using the shared window (context takeover): 0xc1 0x05 0xf2 0x00 0x11 0x00 0x00
        byte[] takeover = [0xc1, 0x05, 0xf2, 0x00, 0x11, 0x00, 0x00];
        using var inflater = new PerMessageDeflateInflater();
        var parser = new WebSocketMessageParser(1 << 20, inflater: inflater);
        var handler = new RecordingHandler();
        FeedThroughPipe(parser, [frame, fragmented, takeover], handler);
        Assert.Equal(3, handler.Count);
        Assert.All(Enumerable.Range(0, 3), i => Assert.Equal("Hello", handler.TextAt(i)));
    }

    [Fact]
    public void Parse_CompressedGarbage_InvalidCompressedData1007()
    {
        using var inflater = new PerMessageDeflateInflater();
        var parser = new WebSocketMessageParser(1 << 20, inflater: inflater);
        Assert.Equal(WebSocketParseStatus.ProtocolViolation,
            ParseOnce(parser, new ReadOnlySequence<byte>(new byte[] { 0xC2, 0x04, 0xFF, 0xFF, 0xFF, 0xFF }), new RecordingHandler()));
        Assert.Equal(WebSocketRejectReason.InvalidCompressedData, parser.RejectReason);
        Assert.Equal(WebSocketCloseCode.InvalidPayloadData, parser.RejectCloseCode);
    }

    [Fact]
    public void Parse_CompressedBombOverLimit_MessageTooBig()
    {
        // 1 MB of zeros deflates to ~1 KB; with a 64 KB limit the inflated size must trip 1009.
        var compressed = new MemoryStream();
        using (var deflate = new System.IO.Compression.DeflateStream(compressed, System.IO.Compression.CompressionLevel.Optimal, leaveOpen: true))
        {
            deflate.Write(new byte[1 << 20]);
            deflate.Flush();
        }
        byte[] body = compressed.ToArray();
        using var inflater = new PerMessageDeflateInflater(4096);
        var parser = new WebSocketMessageParser(64 * 1024, inflater: inflater);
        byte[] frame = WebSocketFrameWriter.BuildServerFrame(WebSocketOpcode.Binary, body, rsv1: true);
        Assert.Equal(WebSocketParseStatus.ProtocolViolation, ParseOnce(parser, new ReadOnlySequence<byte>(frame), new RecordingHandler()));
        Assert.Equal(WebSocketRejectReason.MessageTooBig, parser.RejectReason);
    }

    [Fact]
    public void Parse_TextWithEncodingStrings_DeliveredAsSent()
    {
        string text = "{\"e\":\"trade\",\"s\":\"BTCUSDT\",\"p\":\"57000.01\",\"note\":\"κόσμε\"}";
        var handler = new RecordingHandler();
        ParseOnce(new WebSocketMessageParser(1 << 20), new ReadOnlySequence<byte>(Frames.Server(WebSocketOpcode.Text, text)), handler);
        Assert.Equal(text, Encoding.UTF8.GetString(handler.Messages[0].Payload));
    }
}

using System.Buffers;
using System.Buffers.Binary;
using System.Text.Unicode;
using FastEngine.Adapters.Transport;

namespace FastEngine.Tests.Adapters.Transport;

public class WebSocketFrameFuzzTests
{
    private const long MaxMessage = 4096;

    /// <summary>
    /// Independent, deliberately naive RFC 6455 checker written from the RFC text (byte array in, first violation
    /// out), with the same documented precedence as the reader: first-byte rules, mask, control rules, length,
    /// size, fragmentation state, close body, UTF-8.
    /// </summary>
    private static WebSocketRejectReason Reference(byte[] data, out int messages, out bool closed)
    {
        messages = 0;
        closed = false;
        int pos = 0;
        bool inMessage = false;
        bool isText = false;
        var text = new List<byte>();
        long messageLength = 0;
        while (pos < data.Length)
        {
            byte b0 = data[pos];
            int opcode = b0 & 0xF;
            if (opcode is not (0 or 1 or 2 or 8 or 9 or 10))
                return WebSocketRejectReason.UnknownOpcode;
            if ((b0 & 0x70) != 0)
                return WebSocketRejectReason.ReservedBitsSet;
            if (pos + 1 >= data.Length)
                return WebSocketRejectReason.None;
            byte b1 = data[pos + 1];
            bool fin = (b0 & 0x80) != 0, control = opcode >= 8;
            int len7 = b1 & 0x7F;
            if ((b1 & 0x80) != 0)
                return WebSocketRejectReason.MaskedServerFrame;
            if (control && !fin)
                return WebSocketRejectReason.ControlFrameFragmented;
            if (control && len7 > 125)
                return WebSocketRejectReason.ControlFrameTooLong;
            int header = 2;
            long length = len7;
            if (len7 == 126)
            {
                if (pos + 4 > data.Length)
                    return WebSocketRejectReason.None;
                length = (data[pos + 2] << 8) | data[pos + 3];
                header = 4;
            }
            else if (len7 == 127)
            {
                if (pos + 10 > data.Length)
                    return WebSocketRejectReason.None;
                ulong l = BinaryPrimitives.ReadUInt64BigEndian(data.AsSpan(pos + 2, 8));
                if (l >> 63 != 0)
                    return WebSocketRejectReason.InvalidPayloadLength;
                length = (long)Math.Min(l, long.MaxValue);
                header = 10;
            }
            if (length > MaxMessage)
                return WebSocketRejectReason.MessageTooBig;
            if (!control)
            {
                if (opcode == 0 && !inMessage)
                    return WebSocketRejectReason.ContinuationWithoutStart;
                if (opcode != 0 && inMessage)
                    return WebSocketRejectReason.DataFrameDuringFragmentedMessage;
                if (opcode == 0 && messageLength + length > MaxMessage)
                    return WebSocketRejectReason.MessageTooBig;
            }
            if (pos + header + length > data.Length)
                return WebSocketRejectReason.None;
            byte[] payload = data.AsSpan(pos + header, (int)length).ToArray();
            pos += header + (int)length;
            if (opcode == 8)
            {
                if (payload.Length == 1)
                    return WebSocketRejectReason.ClosePayloadTooShort;
                if (payload.Length >= 2)
                {
                    int code = (payload[0] << 8) | payload[1];
                    bool valid = code is (>= 1000 and <= 1003) or (>= 1007 and <= 1014) or (>= 3000 and <= 4999);
                    if (!valid)
                        return WebSocketRejectReason.InvalidCloseCode;
                    if (!Utf8.IsValid(payload.AsSpan(2)))
                        return WebSocketRejectReason.InvalidUtf8CloseReason;
                }
                closed = true;
                return WebSocketRejectReason.None;
            }
            if (control)
                continue;
            if (opcode != 0)
            {
                inMessage = true;
                isText = opcode == 1;
                text.Clear();
                messageLength = 0;
            }
            messageLength += length;
            text.AddRange(payload);
            if (fin)
            {
                inMessage = false;
                if (isText && !Utf8.IsValid(text.ToArray()))
                    return WebSocketRejectReason.InvalidUtf8Text;
                messages++;
            }
        }
        return WebSocketRejectReason.None;
    }

    private static readonly byte[][] Seeds =
    [
        WebSocketFrameReaderTests.RfcHello,
        Frames.Concat(WebSocketFrameReaderTests.RfcFragment1, WebSocketFrameReaderTests.RfcPing, WebSocketFrameReaderTests.RfcFragment2),
        Frames.Server(WebSocketOpcode.Text, "{\"e\":\"depthUpdate\",\"b\":[[\"57000.01\",\"1.5\"]],\"note\":\"κόσμε\"}"),
        WebSocketFrameWriter.BuildServerFrame(WebSocketOpcode.Binary, new byte[300]),
        Frames.Close(1000, "bye"),
        Frames.Concat(Frames.Server(WebSocketOpcode.Pong, "p"), Frames.Server(WebSocketOpcode.Text, "ok")),
        [0x82, 0x7F, 0, 0, 0, 0, 0, 0, 0, 3, 1, 2, 3],
    ];

    private sealed class CountingHandler : IWebSocketMessageHandler
    {
        public int Count;
        public void OnMessage(WebSocketMessageType type, in ReadOnlySequence<byte> payload, long receiveTimestamp) => Count++;
    }

    [Fact]
    public void Parse_100000MutatedFrames_NoExceptionEveryRejectionCountedWithReferenceReasonAndCode()
    {
        var random = new Random(20260101);
        var counters = new WebSocketRejectionCounters();
        var expectedCounts = new long[WebSocketRejectReasons.Count];
        var handler = new CountingHandler();
        int rejected = 0;
        for (int iteration = 0; iteration < 100_000; iteration++)
        {
            byte[] data = Mutate(Seeds[random.Next(Seeds.Length)], random);
            WebSocketRejectReason expected = Reference(data, out int expectedMessages, out bool expectedClosed);

            var parser = new WebSocketMessageParser(MaxMessage, rejections: counters);
            handler.Count = 0;
            ReadOnlySequence<byte> buffer = (iteration % 4) switch
            {
                0 => new ReadOnlySequence<byte>(data),
                1 => Sequences.SplitAt(data, random.Next(data.Length + 1)),
                2 when data.Length < 64 => Sequences.OneBytePerSegment(data),
                _ => new ReadOnlySequence<byte>(data),
            };
            IWebSocketMessageHandler h = handler;
            WebSocketParseStatus status = parser.Parse(ref buffer, ref h, null, 0);

            Assert.Equal(expected, parser.RejectReason);
            if (expected != WebSocketRejectReason.None)
            {
                rejected++;
                expectedCounts[(int)expected]++;
                Assert.Equal(WebSocketParseStatus.ProtocolViolation, status);
                Assert.Equal(ExpectedCloseCode(expected), parser.RejectCloseCode);
            }
            else
            {
                Assert.Equal(expectedClosed ? WebSocketParseStatus.CloseReceived : WebSocketParseStatus.NeedMoreData, status);
                Assert.Equal(expectedMessages, handler.Count);
            }
        }
        Assert.True(rejected > 10_000, $"mutations should break rules often, got {rejected}");
        for (int reason = 1; reason < WebSocketRejectReasons.Count; reason++)
            Assert.Equal(expectedCounts[reason], counters[(WebSocketRejectReason)reason]);
        Assert.Equal(rejected, counters.Total);
        // The mutations reach most rules (compressed data needs deflate and is tested elsewhere).
        Assert.True(expectedCounts.Count(c => c > 0) >= 10);
    }

    /// <summary>RFC 6455 §7.4.1 as written in the test: 1009 too big, 1007 inconsistent data, 1002 otherwise.</summary>
    private static WebSocketCloseCode ExpectedCloseCode(WebSocketRejectReason reason) => reason switch
    {
        WebSocketRejectReason.MessageTooBig => (WebSocketCloseCode)1009,
        WebSocketRejectReason.InvalidUtf8Text or WebSocketRejectReason.InvalidUtf8CloseReason => (WebSocketCloseCode)1007,
        _ => (WebSocketCloseCode)1002,
    };

    private static byte[] Mutate(byte[] seed, Random random)
    {
        var data = new List<byte>(seed);
        int mutations = random.Next(1, 4);
        for (int m = 0; m < mutations; m++)
        {
            switch (random.Next(6))
            {
                case 0 when data.Count > 0: // flip a bit, biased to the header
                    {
                        int i = random.Next(Math.Min(data.Count, random.Next(2) == 0 ? 4 : data.Count));
                        data[i] ^= (byte)(1 << random.Next(8));
                        break;
                    }
                case 1 when data.Count > 0:
                    data[random.Next(data.Count)] = (byte)random.Next(256);
                    break;
                case 2 when data.Count > 0:
                    data.RemoveRange(random.Next(data.Count), 1);
                    break;
                case 3:
                    data.Insert(random.Next(data.Count + 1), (byte)random.Next(256));
                    break;
                case 4 when data.Count > 1: // truncate (server vanished mid-frame)
                    {
                        int keep = random.Next(1, data.Count);
                        data.RemoveRange(keep, data.Count - keep);
                        break;
                    }
                default:
                    data.AddRange(Seeds[random.Next(Seeds.Length)]);
                    break;
            }
        }
        return data.ToArray();
    }
}

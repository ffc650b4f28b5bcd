namespace FastEngine.Adapters.Transport;

/// <summary>Kind of a complete data message handed to <see cref="IWebSocketMessageHandler"/>.</summary>
public enum WebSocketMessageType : byte
{
    Text = 1,
    Binary = 2,
}

/// <summary>RFC 6455 §5.2 opcodes. Values 3-7 and 11-15 are reserved and rejected.</summary>
public enum WebSocketOpcode : byte
{
    Continuation = 0x0,
    Text = 0x1,
    Binary = 0x2,
    Close = 0x8,
    Ping = 0x9,
    Pong = 0xA,
}

/// <summary>RFC 6455 §7.4.1 close status codes used by this client (IANA registry for 1012-1014).</summary>
public enum WebSocketCloseCode : ushort
{
    None = 0,
    NormalClosure = 1000,
    GoingAway = 1001,
    ProtocolError = 1002,
    UnsupportedData = 1003,
    /// <summary>Reserved: "no status code was present". Never sent on the wire.</summary>
    NoStatusReceived = 1005,
    /// <summary>Reserved: "closed without a close frame". Never sent on the wire.</summary>
    AbnormalClosure = 1006,
    InvalidPayloadData = 1007,
    PolicyViolation = 1008,
    MessageTooBig = 1009,
    MandatoryExtension = 1010,
    InternalServerError = 1011,
}

/// <summary>Why a frame or message from the server was rejected. One value per RFC 6455 / RFC 7692 rule;
/// <see cref="WebSocketRejectReasons.CloseCodeFor"/> maps each to the close code the client sends.</summary>
public enum WebSocketRejectReason : byte
{
    None = 0,
    /// <summary>RSV1/RSV2/RSV3 set without a negotiated extension that defines it (§5.2), or RSV1 on a
    /// control or continuation frame under permessage-deflate (RFC 7692 §6).</summary>
    ReservedBitsSet,
    /// <summary>Opcode 0x3-0x7 or 0xB-0xF (§5.2).</summary>
    UnknownOpcode,
    /// <summary>Control frame payload over 125 bytes (§5.5).</summary>
    ControlFrameTooLong,
    /// <summary>Control frame without FIN (§5.5: control frames MUST NOT be fragmented).</summary>
    ControlFrameFragmented,
    /// <summary>Server frame with the MASK bit set (§5.1: the client MUST close on a masked frame).</summary>
    MaskedServerFrame,
    /// <summary>64-bit payload length with the most significant bit set (§5.2).</summary>
    InvalidPayloadLength,
    /// <summary>Continuation frame with no message in progress (§5.4).</summary>
    ContinuationWithoutStart,
    /// <summary>Text or binary frame while a fragmented message is still open (§5.4).</summary>
    DataFrameDuringFragmentedMessage,
    /// <summary>Close payload of exactly one byte (§5.5.1: a body starts with a 2-byte code).</summary>
    ClosePayloadTooShort,
    /// <summary>Close code outside the ranges allowed on the wire (§7.4).</summary>
    InvalidCloseCode,
    /// <summary>Close reason that is not valid UTF-8 (§5.5.1).</summary>
    InvalidUtf8CloseReason,
    /// <summary>Text message that is not valid UTF-8 (§8.1).</summary>
    InvalidUtf8Text,
    /// <summary>Message (or one frame) larger than the configured maximum.</summary>
    MessageTooBig,
    /// <summary>permessage-deflate payload that does not inflate (RFC 7692 §7.2.2).</summary>
    InvalidCompressedData,
}

/// <summary>Helpers for <see cref="WebSocketRejectReason"/>.</summary>
public static class WebSocketRejectReasons
{
    /// <summary>Number of enum values (array size for per-reason counters).</summary>
    public const int Count = (int)WebSocketRejectReason.InvalidCompressedData + 1;

    /// <summary>The close code RFC 6455 asks for: 1009 for a too-big message, 1007 for data inconsistent with
    /// the message type (bad UTF-8, undecodable compressed data), 1002 for every other protocol error.</summary>
    public static WebSocketCloseCode CloseCodeFor(WebSocketRejectReason reason) => reason switch
    {
        WebSocketRejectReason.None => WebSocketCloseCode.NormalClosure,
        WebSocketRejectReason.MessageTooBig => WebSocketCloseCode.MessageTooBig,
        WebSocketRejectReason.InvalidUtf8Text or WebSocketRejectReason.InvalidUtf8CloseReason
            or WebSocketRejectReason.InvalidCompressedData => WebSocketCloseCode.InvalidPayloadData,
        _ => WebSocketCloseCode.ProtocolError,
    };
}

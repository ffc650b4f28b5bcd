using System.Buffers;
using System.IO.Pipelines;
using System.Runtime.InteropServices;

namespace FastEngine.Adapters.Transport;

public sealed partial class PipeWebSocket
{
    /// <summary>Sends the upgrade request and reads the answer through the receive pipe, so frame bytes that
    /// arrive in the same read as the headers stay in the pipe for the receive loop.</summary>
    private async Task<HandshakeResult> UpgradeAsync(WebSocketHandshake handshake, CancellationTokenSource timeout,
        CancellationToken userToken)
    {
        try
        {
            await _stream.WriteAsync(handshake.BuildRequest(), timeout.Token).ConfigureAwait(false);
            PipeReader reader = _pipe.Reader;
            while (true)
            {
                if (reader.TryRead(out ReadResult result))
                {
                    ReadOnlySequence<byte> buffer = result.Buffer;
                    if (WebSocketHandshake.TryFindHeaderEnd(buffer, out long headerLength))
                    {
                        byte[] headerBlock = buffer.Slice(0, headerLength).ToArray();
                        reader.AdvanceTo(buffer.GetPosition(headerLength));
                        _hasBufferedData = buffer.Length > headerLength;
                        return handshake.ValidateResponse(headerBlock);
                    }
                    if (buffer.Length > WebSocketHandshake.MaxResponseHeaderBytes)
                        throw new WebSocketConnectException(WebSocketConnectFailure.InvalidResponse,
                            $"Upgrade response headers exceed {WebSocketHandshake.MaxResponseHeaderBytes} bytes.");
                    reader.AdvanceTo(buffer.Start, buffer.End);
                }
                if (await FillAsync(timeout.Token).ConfigureAwait(false) == 0)
                    throw new WebSocketConnectException(WebSocketConnectFailure.ConnectionClosed,
                        "The server closed the connection before answering the WebSocket upgrade.");
            }
        }
        catch (OperationCanceledException) when (!userToken.IsCancellationRequested)
        {
            throw new WebSocketConnectException(WebSocketConnectFailure.HandshakeTimeout,
                $"No WebSocket upgrade answer within {_options.HandshakeTimeout}.");
        }
        catch (IOException e)
        {
            throw new WebSocketConnectException(WebSocketConnectFailure.ConnectionClosed,
                $"Connection failed during the WebSocket upgrade: {e.Message}", e);
        }
    }

    private async ValueTask<int> FillAsync(CancellationToken cancellationToken)
    {
        PipeWriter writer = _pipe.Writer;
        Memory<byte> memory = writer.GetMemory(_options.ReceiveBufferSize);
        int read = await _stream.ReadAsync(memory, cancellationToken).ConfigureAwait(false);
        if (read == 0)
            return 0;
        writer.Advance(read);
        await writer.FlushAsync(cancellationToken).ConfigureAwait(false);
        return read;
    }

    private const int MinimumReadSize = 4096;

    /// <summary>Blocking socket read into the pipe (receive thread). Returns 0 at end of stream.</summary>
    private int FillSync()
    {
        PipeWriter writer = _pipe.Writer;
        // A small size hint lets a read use what is left of the current segment instead of starting a new one for
        // every read (small reads under load would otherwise each pin a whole segment).
        Memory<byte> memory = writer.GetMemory(MinimumReadSize);
        // Pipe memory from the default pool is array-backed; the array overload avoids Stream's rent-and-copy
        // fallback for Span reads on streams that do not override Read(Span<byte>).
        int read = MemoryMarshal.TryGetArray(memory, out ArraySegment<byte> array)
            ? _stream.Read(array.Array!, array.Offset, array.Count)
            : _stream.Read(memory.Span);
        if (read == 0)
            return 0;
        Volatile.Write(ref _lastReceiveTimestamp, System.Diagnostics.Stopwatch.GetTimestamp());
        writer.Advance(read);
        // Never pauses (no pause threshold) and the reader is not awaiting, so this completes synchronously.
        ValueTask<FlushResult> flush = writer.FlushAsync();
        if (!flush.IsCompletedSuccessfully)
            flush.AsTask().GetAwaiter().GetResult();
        return read;
    }
}

using System.Buffers.Text;
using System.Text;

namespace BioDapr.Redis;

/// <summary>Reads RESP2 replies from a stream through its own buffer (no per-byte calls into the socket).</summary>
internal sealed class RespReader(Stream stream)
{
    private readonly byte[] _buffer = new byte[64 * 1024];
    private int _start;
    private int _end;

    /// <summary>Reads one complete reply. Throws <see cref="EndOfStreamException"/> when the connection closes.</summary>
    public async ValueTask<RedisReply> ReadAsync(CancellationToken cancellationToken)
    {
        var line = await ReadLineAsync(cancellationToken).ConfigureAwait(false);
        if (line.Length == 0)
        {
            throw new InvalidDataException("empty RESP line");
        }

        var prefix = line[0];
        switch (prefix)
        {
            case (byte)'+':
                return RedisReply.Simple(Encoding.UTF8.GetString(line, 1, line.Length - 1));
            case (byte)'-':
                return RedisReply.Error(Encoding.UTF8.GetString(line, 1, line.Length - 1));
            case (byte)':':
                return RedisReply.Int(ParseInt(line));
            case (byte)'$':
                var length = ParseInt(line);
                if (length < 0)
                {
                    return RedisReply.Null;
                }

                var bytes = new byte[length];
                await ReadExactAsync(bytes, cancellationToken).ConfigureAwait(false);
                await ReadLineAsync(cancellationToken).ConfigureAwait(false);
                return RedisReply.Bulk(bytes);
            case (byte)'*':
                var count = ParseInt(line);
                if (count < 0)
                {
                    return RedisReply.Null;
                }

                var items = new RedisReply[count];
                for (var i = 0; i < count; i++)
                {
                    items[i] = await ReadAsync(cancellationToken).ConfigureAwait(false);
                }

                return RedisReply.Array(items);
            default:
                throw new InvalidDataException($"unexpected RESP type byte 0x{prefix:x2}");
        }
    }

    private static long ParseInt(byte[] line) =>
        Utf8Parser.TryParse(line.AsSpan(1), out long value, out var consumed) && consumed == line.Length - 1
            ? value
            : throw new InvalidDataException("invalid RESP length or integer");

    private async ValueTask<byte[]> ReadLineAsync(CancellationToken cancellationToken)
    {
        var scanFrom = _start;
        while (true)
        {
            var index = Array.IndexOf(_buffer, (byte)'\n', scanFrom, _end - scanFrom);
            if (index >= 0)
            {
                var lineEnd = index > _start && _buffer[index - 1] == '\r' ? index - 1 : index;
                var line = _buffer.AsSpan(_start, lineEnd - _start).ToArray();
                _start = index + 1;
                return line;
            }

            scanFrom = _end;
            var consumedBefore = _start;
            await FillAsync(cancellationToken).ConfigureAwait(false);
            scanFrom -= consumedBefore - _start;
        }
    }

    private async ValueTask ReadExactAsync(byte[] destination, CancellationToken cancellationToken)
    {
        var copied = 0;
        while (copied < destination.Length)
        {
            if (_start == _end)
            {
                if (destination.Length - copied >= _buffer.Length)
                {
                    // Large values go straight from the socket into the destination.
                    var read = await stream.ReadAsync(destination.AsMemory(copied), cancellationToken).ConfigureAwait(false);
                    if (read == 0)
                    {
                        throw new EndOfStreamException("Redis closed the connection");
                    }

                    copied += read;
                    continue;
                }

                await FillAsync(cancellationToken).ConfigureAwait(false);
            }

            var take = Math.Min(_end - _start, destination.Length - copied);
            Buffer.BlockCopy(_buffer, _start, destination, copied, take);
            _start += take;
            copied += take;
        }
    }

    // Compacts the buffer and reads more bytes after the unread ones.
    private async ValueTask FillAsync(CancellationToken cancellationToken)
    {
        if (_start > 0)
        {
            Buffer.BlockCopy(_buffer, _start, _buffer, 0, _end - _start);
            _end -= _start;
            _start = 0;
        }

        if (_end == _buffer.Length)
        {
            throw new InvalidDataException("a RESP header line is longer than 64 KiB");
        }

        var read = await stream.ReadAsync(_buffer.AsMemory(_end), cancellationToken).ConfigureAwait(false);
        if (read == 0)
        {
            throw new EndOfStreamException("Redis closed the connection");
        }

        _end += read;
    }
}

using System.Net.Sockets;

namespace BioDapr.Redis;

/// <summary>Opens and authenticates one TCP connection to Redis.</summary>
internal static class RedisSocket
{
    public static async Task<(Socket Socket, NetworkStream Stream, RespReader Reader)> OpenAsync(RedisOptions options, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(options.ConnectTimeout);
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(options.Host, options.Port, timeout.Token).ConfigureAwait(false);
            var stream = new NetworkStream(socket, ownsSocket: false);
            var reader = new RespReader(stream);
            if (options.Password is not null)
            {
                await HandshakeAsync(stream, reader, options.Username is null ? ["AUTH", options.Password] : ["AUTH", options.Username, options.Password], timeout.Token).ConfigureAwait(false);
            }

            if (options.Database != 0)
            {
                await HandshakeAsync(stream, reader, ["SELECT", options.Database], timeout.Token).ConfigureAwait(false);
            }

            if (options.ClientName is not null)
            {
                await HandshakeAsync(stream, reader, ["CLIENT", "SETNAME", options.ClientName], timeout.Token).ConfigureAwait(false);
            }

            return (socket, stream, reader);
        }
        catch (Exception ex) when (ex is SocketException or IOException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            socket.Dispose();
            throw new RedisConnectionException($"cannot connect to Redis at {options.Host}:{options.Port}: {ex.Message}", ex);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    public static byte[] Encode(IReadOnlyList<RedisArg> command)
    {
        var writer = new System.Buffers.ArrayBufferWriter<byte>(64);
        RedisArg.WriteHeader(writer, (byte)'*', command.Count);
        foreach (var arg in command)
        {
            arg.WriteTo(writer);
        }

        return writer.WrittenSpan.ToArray();
    }

    private static async Task HandshakeAsync(NetworkStream stream, RespReader reader, RedisArg[] command, CancellationToken cancellationToken)
    {
        await stream.WriteAsync(Encode(command), cancellationToken).ConfigureAwait(false);
        var reply = await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
        if (reply.IsError)
        {
            throw new RedisServerException(reply.Text!);
        }
    }
}

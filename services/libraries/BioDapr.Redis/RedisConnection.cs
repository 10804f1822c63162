using System.Buffers;
using System.Collections.Concurrent;
using System.Net.Sockets;
using System.Threading.Channels;

namespace BioDapr.Redis;

/// <summary>
/// One pipelined connection to Redis. Any number of callers may send commands at once: commands are
/// written in order by one writer loop (coalesced into as few socket writes as possible) and replies
/// are matched to callers in the same order by one reader loop. A caller that cancels stops waiting;
/// its reply is still read and discarded, so the pipeline never gets out of step.
/// When the socket drops, commands in flight fail with <see cref="RedisConnectionException"/> and the
/// next command reconnects (with backoff), waiting at most <see cref="RedisOptions.ConnectTimeout"/>.
/// Blocking commands (XREADGROUP BLOCK, BLPOP) hold up everything behind them: run them on a
/// connection of their own.
/// </summary>
public sealed class RedisConnection : IAsyncDisposable
{
    private readonly RedisOptions _options;
    private readonly SemaphoreSlim _connectGate = new(1, 1);
    private readonly CancellationTokenSource _disposed = new();
    private Session? _session;
    private int _failures;

    private RedisConnection(RedisOptions options) => _options = options;

    /// <summary>The connection's options.</summary>
    public RedisOptions Options => _options;

    /// <summary>Connects (and authenticates) now, failing fast when Redis is unreachable.</summary>
    public static async Task<RedisConnection> ConnectAsync(RedisOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        var connection = new RedisConnection(options);
        await connection.GetSessionAsync(cancellationToken).ConfigureAwait(false);
        return connection;
    }

    /// <summary>Sends one command and returns its reply; an error reply throws <see cref="RedisServerException"/>.</summary>
    public async Task<RedisReply> ExecuteAsync(string command, IReadOnlyList<RedisArg> args, CancellationToken cancellationToken)
    {
        var full = new RedisArg[args.Count + 1];
        full[0] = command;
        for (var i = 0; i < args.Count; i++)
        {
            full[i + 1] = args[i];
        }

        var reply = await SendAsync(RedisSocket.Encode(full), 1, cancellationToken).ConfigureAwait(false);
        return reply[0].IsError ? throw new RedisServerException(reply[0].Text!) : reply[0];
    }

    /// <summary>
    /// Writes several commands in one go and returns every reply in order. Error replies are returned,
    /// not thrown, so the caller sees which command failed (MULTI/EXEC batches rely on this).
    /// </summary>
    public async Task<IReadOnlyList<RedisReply>> ExecuteBatchAsync(IReadOnlyList<IReadOnlyList<RedisArg>> commands, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(commands);
        var buffer = new ArrayBufferWriter<byte>();
        foreach (var command in commands)
        {
            buffer.Write(RedisSocket.Encode(command));
        }

        return await SendAsync(buffer.WrittenSpan.ToArray(), commands.Count, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await _disposed.CancelAsync().ConfigureAwait(false);
        var session = Interlocked.Exchange(ref _session, null);
        if (session is not null)
        {
            await session.CloseAsync(new ObjectDisposedException(nameof(RedisConnection))).ConfigureAwait(false);
        }

        _connectGate.Dispose();
        _disposed.Dispose();
    }

    private async Task<RedisReply[]> SendAsync(byte[] payload, int replies, CancellationToken cancellationToken)
    {
        var session = await GetSessionAsync(cancellationToken).ConfigureAwait(false);
        var pending = new Pending(payload, replies);
        if (!session.TryEnqueue(pending))
        {
            throw new RedisConnectionException($"the connection to Redis at {_options.Host}:{_options.Port} was lost");
        }

        return await pending.Completion.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    private async ValueTask<Session> GetSessionAsync(CancellationToken cancellationToken)
    {
        var current = Volatile.Read(ref _session);
        if (current is { IsAlive: true })
        {
            return current;
        }

        ObjectDisposedException.ThrowIf(_disposed.IsCancellationRequested, this);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _disposed.Token);
        deadline.CancelAfter(_options.ConnectTimeout);
        try
        {
            await _connectGate.WaitAsync(deadline.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new RedisConnectionException($"timed out waiting to reconnect to Redis at {_options.Host}:{_options.Port}");
        }

        try
        {
            current = Volatile.Read(ref _session);
            if (current is { IsAlive: true })
            {
                return current;
            }

            while (true)
            {
                try
                {
                    var (socket, stream, reader) = await RedisSocket.OpenAsync(_options, deadline.Token).ConfigureAwait(false);
                    var session = new Session(socket, stream, reader);
                    Volatile.Write(ref _session, session);
                    _failures = 0;
                    return session;
                }
                catch (RedisConnectionException) when (!deadline.IsCancellationRequested)
                {
                    // Exponential backoff between attempts, capped, within the connect timeout.
                    var delay = TimeSpan.FromMilliseconds(Math.Min(1000, 25 * Math.Pow(2, Math.Min(_failures++, 6))));
                    await Task.Delay(delay, deadline.Token).ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new RedisConnectionException($"cannot reconnect to Redis at {_options.Host}:{_options.Port} within {_options.ConnectTimeout.TotalSeconds:0.#} s");
        }
        finally
        {
            _connectGate.Release();
        }
    }

    private sealed class Pending(byte[] payload, int replies)
    {
        public byte[] Payload { get; } = payload;

        public int Replies { get; } = replies;

        public TaskCompletionSource<RedisReply[]> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    private sealed class Session
    {
        private readonly Socket _socket;
        private readonly NetworkStream _stream;
        private readonly RespReader _reader;
        private readonly Channel<Pending> _outgoing = Channel.CreateUnbounded<Pending>(new UnboundedChannelOptions { SingleReader = true });
        private readonly ConcurrentQueue<Pending> _awaitingReply = new();
        private readonly Task _writer;
        private readonly Task _readerLoop;
        private int _closed;

        public Session(Socket socket, NetworkStream stream, RespReader reader)
        {
            _socket = socket;
            _stream = stream;
            _reader = reader;
            _writer = Task.Run(WriteLoopAsync);
            _readerLoop = Task.Run(ReadLoopAsync);
        }

        public bool IsAlive => Volatile.Read(ref _closed) == 0;

        public bool TryEnqueue(Pending pending) => IsAlive && _outgoing.Writer.TryWrite(pending);

        public async Task CloseAsync(Exception reason)
        {
            if (Interlocked.Exchange(ref _closed, 1) == 1)
            {
                return;
            }

            _outgoing.Writer.TryComplete();
            _socket.Dispose();
            var failure = reason as RedisConnectionException ?? new RedisConnectionException($"the connection to Redis was lost: {reason.Message}", reason);
            while (_awaitingReply.TryDequeue(out var pending))
            {
                pending.Completion.TrySetException(failure);
            }

            while (_outgoing.Reader.TryRead(out var pending))
            {
                pending.Completion.TrySetException(failure);
            }
        }

        private async Task WriteLoopAsync()
        {
            var batch = new ArrayBufferWriter<byte>(16 * 1024);
            try
            {
                while (await _outgoing.Reader.WaitToReadAsync(CancellationToken.None).ConfigureAwait(false))
                {
                    batch.ResetWrittenCount();
                    while (batch.WrittenCount < 256 * 1024 && _outgoing.Reader.TryRead(out var pending))
                    {
                        // Enqueue for the reader before the bytes can reach Redis, so replies always find their caller.
                        _awaitingReply.Enqueue(pending);
                        batch.Write(pending.Payload);
                    }

                    await _stream.WriteAsync(batch.WrittenMemory, CancellationToken.None).ConfigureAwait(false);
                }
            }
            catch (Exception ex) when (ex is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
            {
                await CloseAsync(ex).ConfigureAwait(false);
            }
        }

        private async Task ReadLoopAsync()
        {
            try
            {
                while (true)
                {
                    var first = await _reader.ReadAsync(CancellationToken.None).ConfigureAwait(false);
                    if (!_awaitingReply.TryDequeue(out var pending))
                    {
                        throw new InvalidDataException("Redis sent a reply nobody asked for");
                    }

                    var replies = new RedisReply[pending.Replies];
                    replies[0] = first;
                    for (var i = 1; i < replies.Length; i++)
                    {
                        replies[i] = await _reader.ReadAsync(CancellationToken.None).ConfigureAwait(false);
                    }

                    pending.Completion.TrySetResult(replies);
                }
            }
            catch (Exception ex) when (ex is IOException or SocketException or EndOfStreamException or InvalidDataException or OperationCanceledException or ObjectDisposedException)
            {
                await CloseAsync(ex).ConfigureAwait(false);
            }
        }
    }
}

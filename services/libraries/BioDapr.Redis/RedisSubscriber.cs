using System.Collections.Concurrent;
using System.Net.Sockets;
using System.Threading.Channels;

namespace BioDapr.Redis;

/// <summary>
/// A pub/sub connection (SUBSCRIBE / PSUBSCRIBE). Messages are handed to the handlers in the order
/// Redis sent them, on a dispatch loop of their own, so a slow handler never stalls the socket.
/// When the connection drops it reconnects with backoff, subscribes to everything again and, once Redis
/// confirmed every subscription, calls <see cref="Reconnected"/> (messages published while disconnected
/// were missed, and a restarted server forgot its run-time settings: a consumer of keyspace
/// notifications should enable them and read its keys again there).
/// </summary>
public sealed class RedisSubscriber : IAsyncDisposable
{
    private readonly RedisOptions _options;
    private readonly ConcurrentDictionary<string, Func<RedisPubSubMessage, Task>> _channels = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Func<RedisPubSubMessage, Task>> _patterns = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, TaskCompletionSource> _confirmations = new(StringComparer.Ordinal);
    private readonly Channel<RedisPubSubMessage> _dispatch = Channel.CreateUnbounded<RedisPubSubMessage>(new UnboundedChannelOptions { SingleReader = true });
    private readonly SemaphoreSlim _writeGate = new(1, 1);
    private readonly CancellationTokenSource _disposed = new();
    private Socket _socket = null!;
    private NetworkStream _stream = null!;
    private RespReader _reader = null!;
    private Task _readLoop = Task.CompletedTask;
    private Task _dispatchLoop = Task.CompletedTask;

    private RedisSubscriber(RedisOptions options) => _options = options;

    /// <summary>Called after a reconnect, once every subscription is active again.</summary>
    public Func<Task>? Reconnected { get; set; }

    /// <summary>Called when a handler throws (the subscriber keeps going).</summary>
    public Action<Exception>? HandlerFailed { get; set; }

    /// <summary>Connects a subscriber.</summary>
    public static async Task<RedisSubscriber> ConnectAsync(RedisOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        var subscriber = new RedisSubscriber(options);
        await subscriber.OpenAsync(cancellationToken).ConfigureAwait(false);
        subscriber._readLoop = Task.Run(subscriber.ReadLoopAsync, CancellationToken.None);
        subscriber._dispatchLoop = Task.Run(subscriber.DispatchLoopAsync, CancellationToken.None);
        return subscriber;
    }

    /// <summary>Subscribes to a channel; returns once Redis confirmed.</summary>
    public Task SubscribeAsync(string channel, Func<RedisPubSubMessage, Task> handler, CancellationToken cancellationToken)
    {
        _channels[channel] = handler;
        return SendAndConfirmAsync("SUBSCRIBE", channel, "subscribe:", cancellationToken);
    }

    /// <summary>Subscribes to a pattern; returns once Redis confirmed.</summary>
    public Task PSubscribeAsync(string pattern, Func<RedisPubSubMessage, Task> handler, CancellationToken cancellationToken)
    {
        _patterns[pattern] = handler;
        return SendAndConfirmAsync("PSUBSCRIBE", pattern, "psubscribe:", cancellationToken);
    }

    /// <summary>Unsubscribes from a channel.</summary>
    public Task UnsubscribeAsync(string channel, CancellationToken cancellationToken)
    {
        _channels.TryRemove(channel, out _);
        return SendAndConfirmAsync("UNSUBSCRIBE", channel, "unsubscribe:", cancellationToken);
    }

    /// <summary>Unsubscribes from a pattern.</summary>
    public Task PUnsubscribeAsync(string pattern, CancellationToken cancellationToken)
    {
        _patterns.TryRemove(pattern, out _);
        return SendAndConfirmAsync("PUNSUBSCRIBE", pattern, "punsubscribe:", cancellationToken);
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await _disposed.CancelAsync().ConfigureAwait(false);
        _socket.Dispose();
        _dispatch.Writer.TryComplete();
        await Task.WhenAll(_readLoop, _dispatchLoop).ConfigureAwait(false);
        _writeGate.Dispose();
        _disposed.Dispose();
    }

    private async Task SendAndConfirmAsync(string command, string name, string confirmationPrefix, CancellationToken cancellationToken)
    {
        var confirmation = _confirmations.GetOrAdd(confirmationPrefix + name, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        await WriteAsync([command, name], cancellationToken).ConfigureAwait(false);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_options.ConnectTimeout);
        try
        {
            await confirmation.Task.WaitAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new RedisConnectionException($"Redis did not confirm {command} {name}");
        }
    }

    private async Task WriteAsync(RedisArg[] command, CancellationToken cancellationToken)
    {
        await _writeGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await _stream.WriteAsync(RedisSocket.Encode(command), cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or SocketException or ObjectDisposedException)
        {
            // The read loop notices the broken socket, reconnects and subscribes again.
        }
        finally
        {
            _writeGate.Release();
        }
    }

    private async Task OpenAsync(CancellationToken cancellationToken)
    {
        var (socket, stream, reader) = await RedisSocket.OpenAsync(_options, cancellationToken).ConfigureAwait(false);
        _socket = socket;
        _stream = stream;
        _reader = reader;
    }

    private async Task ReadLoopAsync()
    {
        var token = _disposed.Token;
        while (!token.IsCancellationRequested)
        {
            try
            {
                while (true)
                {
                    Handle(await _reader.ReadAsync(token).ConfigureAwait(false));
                }
            }
            catch (Exception ex) when (ex is IOException or SocketException or EndOfStreamException or InvalidDataException or ObjectDisposedException or OperationCanceledException)
            {
                if (token.IsCancellationRequested)
                {
                    return;
                }
            }

            await ReconnectAsync(token).ConfigureAwait(false);
        }
    }

    private async Task ReconnectAsync(CancellationToken token)
    {
        _socket.Dispose();
        var attempt = 0;
        while (!token.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(1000, 25 * Math.Pow(2, Math.Min(attempt++, 6)))), token).ConfigureAwait(false);
                await OpenAsync(token).ConfigureAwait(false);

                // Every subscription again, each confirmed by Redis before Reconnected runs, so a consumer
                // that re-reads its keys there cannot miss a change made between the re-read and the subscribe.
                var confirmations = new List<Task>();
                foreach (var channel in _channels.Keys)
                {
                    confirmations.Add(Expect("subscribe:" + channel));
                    await _stream.WriteAsync(RedisSocket.Encode(["SUBSCRIBE", channel]), token).ConfigureAwait(false);
                }

                foreach (var pattern in _patterns.Keys)
                {
                    confirmations.Add(Expect("psubscribe:" + pattern));
                    await _stream.WriteAsync(RedisSocket.Encode(["PSUBSCRIBE", pattern]), token).ConfigureAwait(false);
                }

                if (Reconnected is { } reconnected)
                {
                    // The read loop must go on to read the confirmations, so the callback waits on its own task.
                    _ = Task.Run(
                        async () =>
                        {
                            try
                            {
                                await Task.WhenAll(confirmations).WaitAsync(_options.ConnectTimeout, token).ConfigureAwait(false);
                            }
                            catch (TimeoutException)
                            {
                                // The connection dropped again before Redis confirmed: the next reconnect calls back.
                                return;
                            }
                            catch (OperationCanceledException)
                            {
                                return;
                            }

                            try
                            {
                                await reconnected().ConfigureAwait(false);
                            }
                            catch (Exception ex) when (ex is not OutOfMemoryException)
                            {
                                HandlerFailed?.Invoke(ex);
                            }
                        },
                        CancellationToken.None);
                }

                return;
            }
            catch (Exception ex) when (ex is RedisConnectionException or IOException or SocketException)
            {
                // Keep trying until disposed.
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private Task Expect(string confirmation) =>
        _confirmations.GetOrAdd(confirmation, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task;

    private void Handle(RedisReply reply)
    {
        if (reply.Kind != RedisReplyKind.Array || reply.Items.Count < 3)
        {
            return;
        }

        var kind = reply.Items[0].AsString();
        switch (kind)
        {
            case "message":
                _dispatch.Writer.TryWrite(new RedisPubSubMessage(reply.Items[1].AsString()!, null, reply.Items[2].AsBytes() ?? []));
                break;
            case "pmessage" when reply.Items.Count >= 4:
                _dispatch.Writer.TryWrite(new RedisPubSubMessage(reply.Items[2].AsString()!, reply.Items[1].AsString(), reply.Items[3].AsBytes() ?? []));
                break;
            case "subscribe" or "psubscribe" or "unsubscribe" or "punsubscribe":
                if (_confirmations.TryRemove(kind + ":" + reply.Items[1].AsString(), out var confirmation))
                {
                    confirmation.TrySetResult();
                }

                break;
        }
    }

    private async Task DispatchLoopAsync()
    {
        await foreach (var message in _dispatch.Reader.ReadAllAsync().ConfigureAwait(false))
        {
            var handler = message.Pattern is null
                ? _channels.GetValueOrDefault(message.Channel)
                : _patterns.GetValueOrDefault(message.Pattern);
            if (handler is null)
            {
                continue;
            }

            try
            {
                await handler(message).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                HandlerFailed?.Invoke(ex);
            }
        }
    }
}

using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace BioDapr.Cortex.Recycling;

/// <summary>
/// Removes the dead letters older than the retention from the dead-letter stream (<c>XTRIM MINID</c>, the rule of
/// <see cref="BioDapr.Contracts.DeadLetterRetention"/>, shared with the operator's <c>./biodapr deadletters trim</c>; idempotent). One multiplexed connection, opened on first
/// use, that reconnects by itself after Redis restarts.
/// </summary>
public sealed partial class DeadLetterTrimmer(IOptions<DeadLetterOptions> options, TimeProvider time, ILogger<DeadLetterTrimmer> logger) : IAsyncDisposable
{
    private readonly SemaphoreSlim _connecting = new(1, 1);
    private ConnectionMultiplexer? _redis;

    /// <summary>Whether there is a stream to trim (a Redis is configured).</summary>
    public bool Enabled => !string.IsNullOrWhiteSpace(options.Value.Redis);

    /// <summary>Removes the dead letters older than the retention; returns how many (0 when not <see cref="Enabled"/>).</summary>
    /// <exception cref="RedisException">Redis refused or could not be reached (logged).</exception>
    public async Task<long> TrimAsync(CancellationToken cancellationToken)
    {
        var settings = options.Value;
        if (!Enabled)
        {
            return 0;
        }

        var now = time.GetUtcNow();
        var cutoff = now - settings.Retention;
        var minId = BioDapr.Contracts.DeadLetterRetention.MinId(now, settings.Retention);
        try
        {
            var redis = await ConnectAsync(settings.Redis!, cancellationToken);
            var removed = (long)await redis.GetDatabase().ExecuteAsync("XTRIM", settings.Stream, "MINID", minId);
            Log.Trimmed(logger, removed, settings.Stream, cutoff);
            return removed;
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            Log.Failed(logger, settings.Stream, ex.Message);
            throw;
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (_redis is not null)
        {
            await _redis.DisposeAsync();
        }

        _connecting.Dispose();
    }

    private async Task<ConnectionMultiplexer> ConnectAsync(string configuration, CancellationToken cancellationToken)
    {
        if (_redis is { } connected)
        {
            return connected;
        }

        await _connecting.WaitAsync(cancellationToken);
        try
        {
            if (_redis is null)
            {
                var config = ConfigurationOptions.Parse(configuration);
                config.AbortOnConnectFail = false;
                _redis = await ConnectionMultiplexer.ConnectAsync(config);
            }

            return _redis;
        }
        finally
        {
            _connecting.Release();
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 661, Level = LogLevel.Information, Message = "Trimmed {Removed} dead letters from {Stream} (dead-lettered before {Cutoff:O})")]
        public static partial void Trimmed(ILogger logger, long removed, string stream, DateTimeOffset cutoff);

        [LoggerMessage(EventId = 662, Level = LogLevel.Warning, Message = "Could not trim the dead letters of {Stream}: {Reason}; the next reminder tries again")]
        public static partial void Failed(ILogger logger, string stream, string reason);
    }
}

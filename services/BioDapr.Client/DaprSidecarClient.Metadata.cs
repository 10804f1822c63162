using System.Text;
using Microsoft.Extensions.Logging;

namespace BioDapr.Client;

public sealed partial class DaprSidecarClient
{
    /// <summary>How often <see cref="WaitForSidecarAsync"/> asks the sidecar, in milliseconds.</summary>
    public const int HealthPollIntervalMilliseconds = 200;

    /// <summary>The longest a single health probe may take, in milliseconds.</summary>
    public const int HealthProbeTimeoutMilliseconds = 2000;

    /// <inheritdoc />
    public async Task<DaprMetadata> GetMetadataAsync(CancellationToken cancellationToken = default)
    {
        var metadata = await _transport.SendForProtocolJsonAsync(
            _transport.CreateRequest(HttpMethod.Get, DaprRequestPath.V1().Literal("metadata")),
            DaprProtocolJsonContext.Default.DaprMetadata,
            cancellationToken).ConfigureAwait(false);
        return metadata ?? new DaprMetadata();
    }

    /// <inheritdoc />
    public Task SetMetadataAsync(string key, string value, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        ArgumentNullException.ThrowIfNull(value);
        var path = DaprRequestPath.V1().Literal("metadata").Segment(key);
        var content = DaprHttpContent.Bytes(Encoding.UTF8.GetBytes(value), DaprContentTypes.TextPlain);
        return _transport.SendWithoutResultAsync(_transport.CreateRequest(HttpMethod.Put, path, content), cancellationToken);
    }

    /// <inheritdoc />
    public async Task<bool> CheckHealthAsync(CancellationToken cancellationToken = default) =>
        (await ProbeAsync("healthz", cancellationToken).ConfigureAwait(false)).Healthy;

    /// <inheritdoc />
    public async Task<bool> CheckOutboundHealthAsync(CancellationToken cancellationToken = default) =>
        (await ProbeAsync("healthz/outbound", cancellationToken).ConfigureAwait(false)).Healthy;

    /// <inheritdoc />
    public async Task WaitForSidecarAsync(TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        var limit = timeout ?? _startupTimeout;
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(limit, TimeSpan.Zero, nameof(timeout));

        var started = _time.GetTimestamp();
        for (var attempt = 1; ; attempt++)
        {
            var probe = await ProbeAsync("healthz/outbound", cancellationToken).ConfigureAwait(false);
            if (probe.Healthy)
            {
                Log.SidecarReady(_logger, Connection.HttpEndpoint, attempt);
                return;
            }

            var elapsed = _time.GetElapsedTime(started);
            Log.SidecarNotReady(_logger, Connection.HttpEndpoint, attempt, probe.Error);
            if (elapsed >= limit)
            {
                throw new DaprSidecarUnavailableException(Connection.HttpEndpoint, elapsed, probe.Error, probe.Exception);
            }

            var pause = TimeSpan.FromMilliseconds(HealthPollIntervalMilliseconds);
            await Task.Delay(pause < limit - elapsed ? pause : limit - elapsed, _time, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <inheritdoc />
    public Task ShutdownAsync(CancellationToken cancellationToken = default) =>
        _transport.SendWithoutResultAsync(_transport.CreateRequest(HttpMethod.Post, DaprRequestPath.V1().Literal("shutdown")), cancellationToken);

    private async Task<HealthProbe> ProbeAsync(string healthPath, CancellationToken cancellationToken)
    {
        // The per-probe limit guards against a sidecar that accepts connections but never answers;
        // it runs on the wall clock because it bounds real I/O, not the logical wait.
        using var probeTimeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        probeTimeout.CancelAfter(HealthProbeTimeoutMilliseconds);
        using var request = _transport.CreateRequest(HttpMethod.Get, DaprRequestPath.V1().Literal(healthPath));
        try
        {
            using var response = await _transport.SendUncheckedAsync(request, HttpCompletionOption.ResponseContentRead, probeTimeout.Token).ConfigureAwait(false);
            if (response.IsSuccessStatusCode)
            {
                return HealthProbe.Ready;
            }

            var error = await DaprHttpTransport.CreateExceptionAsync(request, response, probeTimeout.Token).ConfigureAwait(false);
            return new HealthProbe(false, error.Message, error);
        }
        catch (HttpRequestException ex)
        {
            return new HealthProbe(false, $"{ex.Message}{(ex.InnerException is null ? string.Empty : " (" + ex.InnerException.Message + ")")}", ex);
        }
        catch (OperationCanceledException ex) when (!cancellationToken.IsCancellationRequested)
        {
            return new HealthProbe(false, $"no answer within {HealthProbeTimeoutMilliseconds} ms", ex);
        }
    }

    private readonly record struct HealthProbe(bool Healthy, string Error, Exception? Exception)
    {
        public static HealthProbe Ready => new(true, string.Empty, null);
    }

    private static partial class Log
    {
        [LoggerMessage(Level = LogLevel.Debug, Message = "Dapr sidecar at {Endpoint} is ready after {Attempts} probe(s)")]
        public static partial void SidecarReady(ILogger logger, Uri endpoint, int attempts);

        [LoggerMessage(Level = LogLevel.Debug, Message = "Dapr sidecar at {Endpoint} is not ready yet (probe {Attempt}): {Error}")]
        public static partial void SidecarNotReady(ILogger logger, Uri endpoint, int attempt, string error);
    }
}

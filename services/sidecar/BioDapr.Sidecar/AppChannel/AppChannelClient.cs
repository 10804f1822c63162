using System.Net;
using System.Net.Sockets;

namespace BioDapr.Sidecar.AppChannel;

/// <summary>
/// Every call the sidecar makes to its app (daprd's "app channel"): deliveries, configuration updates,
/// <c>/dapr/subscribe</c>, <c>/dapr/config</c>, invocations, actor callbacks and health probes.
/// Adds <c>dapr-api-token: APP_API_TOKEN</c> to everything except health probes and applies
/// <c>--app-max-concurrency</c>.
/// </summary>
internal sealed class AppChannelClient : IDisposable
{
    /// <summary>Headers that describe one hop and are never forwarded.</summary>
    public static readonly HashSet<string> HopByHopHeaders = new(StringComparer.OrdinalIgnoreCase)
    {
        "Connection", "Keep-Alive", "Proxy-Authenticate", "Proxy-Authorization", "TE", "Trailer",
        "Transfer-Encoding", "Upgrade", "Proxy-Connection", "Content-Length", "Host",
    };

    private const string ApiTokenHeader = "dapr-api-token";

    private readonly HttpClient _client;
    private readonly SemaphoreSlim? _concurrency;
    private readonly string? _appApiToken;

    public AppChannelClient(string channelAddress, int appPort, string? appApiToken, int maxConcurrency, string healthCheckPath)
    {
        BaseAddress = new Uri($"http://{channelAddress}:{appPort}");
        Port = appPort;
        ChannelAddress = channelAddress;
        HealthCheckPath = healthCheckPath.StartsWith('/') ? healthCheckPath : "/" + healthCheckPath;
        _appApiToken = string.IsNullOrEmpty(appApiToken) ? null : appApiToken;
        _concurrency = maxConcurrency > 0 ? new SemaphoreSlim(maxConcurrency, maxConcurrency) : null;
        _client = new HttpClient(new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            UseCookies = false,
            UseProxy = false,
            AutomaticDecompression = DecompressionMethods.None,
            PooledConnectionIdleTimeout = TimeSpan.FromSeconds(90),
            ConnectTimeout = TimeSpan.FromSeconds(5),
            // The sidecar propagates its own spans (TraceContext); .NET must not add or replace trace headers.
            ActivityHeadersPropagator = null,
        })
        {
            BaseAddress = BaseAddress,
            Timeout = Timeout.InfiniteTimeSpan,
        };
    }

    /// <summary>The app's address.</summary>
    public Uri BaseAddress { get; }

    /// <summary>The app port.</summary>
    public int Port { get; }

    /// <summary>The app channel address.</summary>
    public string ChannelAddress { get; }

    /// <summary>The health probe path.</summary>
    public string HealthCheckPath { get; }

    /// <summary>
    /// Sends a request to the app and buffers the answer. Transport failures throw
    /// <see cref="HttpRequestException"/>; cancellation throws <see cref="OperationCanceledException"/>.
    /// </summary>
    public Task<AppResponse> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
        SendAsync(request, keepHeaders: true, cancellationToken);

    /// <summary>Like <see cref="SendAsync(HttpRequestMessage, CancellationToken)"/>; <paramref name="keepHeaders"/> false skips copying the response headers (deliveries do not need them).</summary>
    public async Task<AppResponse> SendAsync(HttpRequestMessage request, bool keepHeaders, CancellationToken cancellationToken)
    {
        request.Headers.Remove(ApiTokenHeader);
        if (_appApiToken is not null)
        {
            request.Headers.TryAddWithoutValidation(ApiTokenHeader, _appApiToken);
        }

        if (_concurrency is not null)
        {
            await _concurrency.WaitAsync(cancellationToken);
        }

        try
        {
            using var response = await _client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
            var body = await response.Content.ReadAsByteArrayAsync(cancellationToken);
            var headers = new List<KeyValuePair<string, string[]>>();
            foreach (var header in keepHeaders ? response.Headers.Concat(response.Content.Headers) : [])
            {
                if (!HopByHopHeaders.Contains(header.Key))
                {
                    headers.Add(new(header.Key, header.Value.ToArray()));
                }
            }

            return new AppResponse((int)response.StatusCode, headers, body);
        }
        finally
        {
            _concurrency?.Release();
        }
    }

    /// <summary>Probes the app's health path (no token, as daprd): true on any 2xx within the timeout.</summary>
    public async Task<bool> ProbeHealthAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, HealthCheckPath);
            using var response = await _client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, deadline.Token);
            return (int)response.StatusCode is >= 200 and < 300;
        }
        catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return false;
        }
    }

    /// <summary>Waits until the app port accepts TCP connections (daprd blocks startup on this).</summary>
    public async Task WaitForPortAsync(TimeProvider time, CancellationToken cancellationToken)
    {
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            try
            {
                using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                using var attempt = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                attempt.CancelAfter(TimeSpan.FromSeconds(1));
                await socket.ConnectAsync(ChannelAddress, Port, attempt.Token);
                return;
            }
            catch (Exception ex) when (ex is SocketException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(50), time, cancellationToken);
            }
        }
    }

    public void Dispose()
    {
        _client.Dispose();
        _concurrency?.Dispose();
    }
}

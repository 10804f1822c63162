using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;

namespace BioDapr.Control.Replicas;

/// <summary>
/// <see cref="IReplicaScaler"/> over the development runner's control API (<c>run -f</c>): the runner gives
/// every app its address and token (<see cref="UrlVariable"/>, <see cref="TokenVariable"/>). Scaling calls
/// wait for the change (a replica takes seconds to start), so give the <see cref="HttpClient"/> a long timeout.
/// </summary>
public sealed class RunnerReplicaScaler : IReplicaScaler
{
    /// <summary>The runner's control address in an app's environment.</summary>
    public const string UrlVariable = "BIODAPR_RUNNER_URL";

    /// <summary>The runner's control token in an app's environment.</summary>
    public const string TokenVariable = "BIODAPR_RUNNER_TOKEN";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private readonly HttpClient _http;
    private readonly string _token;

    /// <param name="http">The client (from IHttpClientFactory); its base address is set to <paramref name="runner"/>.</param>
    /// <param name="runner">The control address.</param>
    /// <param name="token">The control token.</param>
    public RunnerReplicaScaler(HttpClient http, Uri runner, string token)
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(runner);
        ArgumentException.ThrowIfNullOrEmpty(token);
        _http = http;
        _http.BaseAddress = runner;
        _token = token;
    }

    /// <summary>The scaler for the runner that started this process, or null when it was not started by one.</summary>
    public static RunnerReplicaScaler? FromEnvironment(HttpClient http, Func<string, string?> getEnvironmentVariable)
    {
        ArgumentNullException.ThrowIfNull(getEnvironmentVariable);
        return getEnvironmentVariable(UrlVariable) is { Length: > 0 } url
            && Uri.TryCreate(url, UriKind.Absolute, out var runner)
            && getEnvironmentVariable(TokenVariable) is { Length: > 0 } token
                ? new RunnerReplicaScaler(http, runner, token)
                : null;
    }

    /// <inheritdoc/>
    public async Task<IReadOnlyList<CellReplicas>> ListAsync(CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri("/v1.0/apps", UriKind.Relative));
        using var response = await SendAsync(request, cancellationToken);
        return await response.Content.ReadFromJsonAsync<List<CellReplicas>>(Json, cancellationToken) ?? [];
    }

    /// <inheritdoc/>
    public async Task<CellReplicas> ScaleAsync(string appId, int replicas, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(appId);
        using var request = new HttpRequestMessage(HttpMethod.Put, new Uri($"/v1.0/apps/{Uri.EscapeDataString(appId)}/replicas", UriKind.Relative))
        {
            Content = JsonContent.Create(new { replicas }, options: Json),
        };
        using var response = await SendAsync(request, cancellationToken);
        return await response.Content.ReadFromJsonAsync<CellReplicas>(Json, cancellationToken)
            ?? throw new ReplicaScalingException($"the runner answered the scale of '{appId}' with an empty body") { StatusCode = (int)response.StatusCode };
    }

    private async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _token);
        HttpResponseMessage response;
        try
        {
            response = await _http.SendAsync(request, cancellationToken);
        }
        catch (HttpRequestException ex)
        {
            throw new ReplicaScalingException($"the runner's control API at {_http.BaseAddress} cannot be reached: {ex.Message}", ex);
        }

        if (response.IsSuccessStatusCode)
        {
            return response;
        }

        using (response)
        {
            var body = await response.Content.ReadAsStringAsync(cancellationToken);
            string? detail = null;
            try
            {
                using var problem = JsonDocument.Parse(body);
                detail = problem.RootElement.ValueKind == JsonValueKind.Object && problem.RootElement.TryGetProperty("detail", out var d) ? d.GetString() : null;
            }
            catch (JsonException)
            {
                // Not a problem document: the raw body says it.
            }

            throw new ReplicaScalingException($"the runner refused {request.Method} {request.RequestUri}: {(int)response.StatusCode} {detail ?? body}") { StatusCode = (int)response.StatusCode };
        }
    }
}

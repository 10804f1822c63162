using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace BioDapr.Client;

/// <summary>
/// The HTTP plumbing every sidecar call goes through: absolute request URIs, sending, reading daprd's
/// JSON bodies and turning non-success answers into <see cref="DaprApiException"/>. Building blocks
/// (and later the actor API) only describe requests and shapes.
/// </summary>
internal sealed class DaprHttpTransport(HttpClient httpClient, DaprSidecarConnection connection)
{
    private const int MaxBodyCharsInMessage = 1000;

    public Uri Endpoint => connection.HttpEndpoint;

    public DaprSidecarConnection Connection => connection;

    public HttpRequestMessage CreateRequest(HttpMethod method, DaprRequestPath path, HttpContent? content = null) =>
        new(method, new Uri(Endpoint, path.ToString())) { Content = content };

    /// <summary>Sends without looking at the status; the caller owns the response.</summary>
    public Task<HttpResponseMessage> SendUncheckedAsync(HttpRequestMessage request, HttpCompletionOption completion, CancellationToken cancellationToken) =>
        httpClient.SendAsync(request, completion, cancellationToken);

    /// <summary>Sends and returns the response when it is a success; otherwise throws <see cref="DaprApiException"/>.</summary>
    public async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var response = await httpClient.SendAsync(request, HttpCompletionOption.ResponseContentRead, cancellationToken).ConfigureAwait(false);
        if (response.IsSuccessStatusCode)
        {
            return response;
        }

        using (response)
        {
            throw await CreateExceptionAsync(request, response, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Sends a request whose success answer carries nothing the caller needs.</summary>
    public async Task SendWithoutResultAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        using (request)
        using (await SendAsync(request, cancellationToken).ConfigureAwait(false))
        {
        }
    }

    /// <summary>Sends and reads a daprd JSON body; null when the answer is 204 or has no body.</summary>
    public async Task<T?> SendForProtocolJsonAsync<T>(HttpRequestMessage request, JsonTypeInfo<T> typeInfo, CancellationToken cancellationToken)
        where T : class
    {
        using (request)
        using (var response = await SendAsync(request, cancellationToken).ConfigureAwait(false))
        {
            return await ReadProtocolJsonAsync(request, response, typeInfo, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Reads a daprd JSON body; null when the answer is 204 or has no body.</summary>
    public static async Task<T?> ReadProtocolJsonAsync<T>(
        HttpRequestMessage request, HttpResponseMessage response, JsonTypeInfo<T> typeInfo, CancellationToken cancellationToken)
        where T : class
    {
        if (response.StatusCode == HttpStatusCode.NoContent)
        {
            return null;
        }

        var body = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
        if (body.Length == 0)
        {
            return null;
        }

        try
        {
            return JsonSerializer.Deserialize(body, typeInfo);
        }
        catch (JsonException ex)
        {
            throw new DaprApiException(
                $"{Describe(request)} answered {(int)response.StatusCode} {response.StatusCode} with a body that is not the expected JSON ({typeInfo.Type.Name}): {ex.Message}",
                response.StatusCode,
                errorCode: null,
                daprMessage: null,
                Encoding.UTF8.GetString(body),
                ex);
        }
    }

    /// <summary>Reads an application payload with the application's serializer options; default when there is no body.</summary>
    public static async Task<T?> ReadPayloadAsync<T>(
        HttpRequestMessage request, HttpResponseMessage response, JsonSerializerOptions options, CancellationToken cancellationToken)
    {
        var body = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
        return DeserializePayload<T>(body, options, () => Describe(request));
    }

    /// <summary>Deserializes an application payload; default for an empty body. JSON errors name <paramref name="describe"/>.</summary>
    public static T? DeserializePayload<T>(ReadOnlySpan<byte> body, JsonSerializerOptions options, Func<string> describe)
    {
        if (body.IsEmpty)
        {
            return default;
        }

        try
        {
            return JsonSerializer.Deserialize<T>(body, options);
        }
        catch (JsonException ex)
        {
            throw new JsonException($"{describe()}: the body could not be read as {typeof(T).Name}: {ex.Message}", ex);
        }
    }

    /// <summary>Maps a non-success answer to an exception: daprd's JSON error, the token failure, or the raw text.</summary>
    public static async Task<DaprApiException> CreateExceptionAsync(
        HttpRequestMessage request, HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var body = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        var status = response.StatusCode;
        var prefix = $"{Describe(request)} failed with {(int)status} {status}";

        var error = TryReadError(body);
        if (error is { ErrorCode: not null } or { Message: not null })
        {
            var code = error.ErrorCode is null ? string.Empty : error.ErrorCode + ": ";
            return new DaprApiException($"{prefix}: {code}{error.Message}", status, error.ErrorCode, error.Message, body);
        }

        if (status == HttpStatusCode.Unauthorized && body.Trim().Equals("invalid api token", StringComparison.OrdinalIgnoreCase))
        {
            var hint = request.Headers.Contains(DaprApiTokenHandler.HeaderName)
                ? "the sidecar rejected the dapr-api-token header. Set DAPR_API_TOKEN (or Dapr:ApiToken) to the token the sidecar was started with"
                : "the sidecar requires an API token and none was sent. Set DAPR_API_TOKEN (or Dapr:ApiToken) to the sidecar's token";
            return new DaprApiException($"{prefix}: invalid api token: {hint}.", status, null, null, body);
        }

        if (string.IsNullOrWhiteSpace(body))
        {
            return new DaprApiException($"{prefix} and an empty body.", status, null, null, body);
        }

        var shown = body.Length > MaxBodyCharsInMessage ? body[..MaxBodyCharsInMessage] + "…" : body;
        return new DaprApiException($"{prefix}: {shown.Trim()}", status, null, null, body);
    }

    /// <summary>For messages: the verb and path, never the query (it may carry metadata values).</summary>
    public static string Describe(HttpRequestMessage request) =>
        $"Dapr API {request.Method} {request.RequestUri?.AbsolutePath}";

    private static DaprErrorBody? TryReadError(string body)
    {
        var trimmed = body.AsSpan().TrimStart();
        if (trimmed.IsEmpty || trimmed[0] != '{')
        {
            return null;
        }

        try
        {
            return JsonSerializer.Deserialize(body, DaprProtocolJsonContext.Default.DaprErrorBody);
        }
        catch (JsonException)
        {
            return null;
        }
    }
}

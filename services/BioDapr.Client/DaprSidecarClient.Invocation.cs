namespace BioDapr.Client;

public sealed partial class DaprSidecarClient
{
    /// <inheritdoc />
    public HttpRequestMessage CreateInvokeMethodRequest(HttpMethod httpMethod, string appId, string methodName)
    {
        ArgumentNullException.ThrowIfNull(httpMethod);
        ArgumentException.ThrowIfNullOrEmpty(appId);
        ArgumentNullException.ThrowIfNull(methodName);

        var method = methodName.TrimStart('/');
        var query = string.Empty;
        var queryStart = method.IndexOf('?', StringComparison.Ordinal);
        if (queryStart >= 0)
        {
            query = method[(queryStart + 1)..];
            method = method[..queryStart];
        }

        ArgumentException.ThrowIfNullOrEmpty(method, nameof(methodName));
        var path = DaprRequestPath.V1().Literal("invoke").Segment(appId).Literal("method").Segments(method).RawQuery(query);
        return _transport.CreateRequest(httpMethod, path);
    }

    /// <inheritdoc />
    public HttpRequestMessage CreateInvokeMethodRequest<TRequest>(HttpMethod httpMethod, string appId, string methodName, TRequest data)
    {
        var request = CreateInvokeMethodRequest(httpMethod, appId, methodName);
        request.Content = DaprHttpContent.Serialize(data, _json, DaprContentTypes.Json);
        return request;
    }

    /// <inheritdoc />
    public Task<HttpResponseMessage> InvokeMethodWithResponseAsync(HttpRequestMessage request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        return _transport.SendUncheckedAsync(request, HttpCompletionOption.ResponseContentRead, cancellationToken);
    }

    /// <inheritdoc />
    public async Task InvokeMethodAsync(HttpRequestMessage request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        using var response = await _transport.SendAsync(request, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task<TResponse?> InvokeMethodAsync<TResponse>(HttpRequestMessage request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        using var response = await _transport.SendAsync(request, cancellationToken).ConfigureAwait(false);
        return await DaprHttpTransport.ReadPayloadAsync<TResponse>(request, response, _json, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task InvokeMethodAsync(HttpMethod httpMethod, string appId, string methodName, CancellationToken cancellationToken = default)
    {
        using var request = CreateInvokeMethodRequest(httpMethod, appId, methodName);
        await InvokeMethodAsync(request, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task<TResponse?> InvokeMethodAsync<TResponse>(HttpMethod httpMethod, string appId, string methodName, CancellationToken cancellationToken = default)
    {
        using var request = CreateInvokeMethodRequest(httpMethod, appId, methodName);
        return await InvokeMethodAsync<TResponse>(request, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task InvokeMethodAsync<TRequest>(HttpMethod httpMethod, string appId, string methodName, TRequest data, CancellationToken cancellationToken = default)
    {
        using var request = CreateInvokeMethodRequest(httpMethod, appId, methodName, data);
        await InvokeMethodAsync(request, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task<TResponse?> InvokeMethodAsync<TRequest, TResponse>(HttpMethod httpMethod, string appId, string methodName, TRequest data, CancellationToken cancellationToken = default)
    {
        using var request = CreateInvokeMethodRequest(httpMethod, appId, methodName, data);
        return await InvokeMethodAsync<TResponse>(request, cancellationToken).ConfigureAwait(false);
    }
}

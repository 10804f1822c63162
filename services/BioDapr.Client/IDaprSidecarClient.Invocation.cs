namespace BioDapr.Client;

public partial interface IDaprSidecarClient
{
    /// <summary>
    /// Creates a request for <c>/v1.0/invoke/{appId}/method/{methodName}</c> on this sidecar. Leading
    /// <c>/</c> of <paramref name="methodName"/> are dropped and each path segment is escaped; anything
    /// after a <c>?</c> is sent as the query string unchanged. Send it with
    /// <see cref="InvokeMethodWithResponseAsync"/> (or <see cref="InvokeMethodAsync(HttpRequestMessage, CancellationToken)"/>).
    /// </summary>
    HttpRequestMessage CreateInvokeMethodRequest(HttpMethod httpMethod, string appId, string methodName);

    /// <summary>Like <see cref="CreateInvokeMethodRequest(HttpMethod, string, string)"/>, with <paramref name="data"/> as a JSON body.</summary>
    HttpRequestMessage CreateInvokeMethodRequest<TRequest>(HttpMethod httpMethod, string appId, string methodName, TRequest data);

    /// <summary>
    /// Sends an invocation request and returns the response whatever its status, so resilience
    /// pipelines see the callee's status. The caller disposes the response.
    /// </summary>
    Task<HttpResponseMessage> InvokeMethodWithResponseAsync(HttpRequestMessage request, CancellationToken cancellationToken = default);

    /// <summary>Sends an invocation request; a non-success status throws <see cref="DaprApiException"/>.</summary>
    Task InvokeMethodAsync(HttpRequestMessage request, CancellationToken cancellationToken = default);

    /// <summary>Sends an invocation request and reads the JSON answer (default when empty); non-success throws.</summary>
    Task<TResponse?> InvokeMethodAsync<TResponse>(HttpRequestMessage request, CancellationToken cancellationToken = default);

    /// <summary>Invokes a method without a body; non-success throws.</summary>
    Task InvokeMethodAsync(HttpMethod httpMethod, string appId, string methodName, CancellationToken cancellationToken = default);

    /// <summary>Invokes a method without a body and reads the JSON answer; non-success throws.</summary>
    Task<TResponse?> InvokeMethodAsync<TResponse>(HttpMethod httpMethod, string appId, string methodName, CancellationToken cancellationToken = default);

    /// <summary>Invokes a method with a JSON body; non-success throws.</summary>
    Task InvokeMethodAsync<TRequest>(HttpMethod httpMethod, string appId, string methodName, TRequest data, CancellationToken cancellationToken = default);

    /// <summary>Invokes a method with a JSON body and reads the JSON answer; non-success throws.</summary>
    Task<TResponse?> InvokeMethodAsync<TRequest, TResponse>(HttpMethod httpMethod, string appId, string methodName, TRequest data, CancellationToken cancellationToken = default);
}

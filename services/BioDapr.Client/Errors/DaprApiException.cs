using System.Net;

namespace BioDapr.Client;

/// <summary>
/// The sidecar answered with a non-success status. Carries daprd's error body
/// (<c>{"errorCode":"ERR_…","message":"…"}</c>) when there is one, and the raw body always.
/// </summary>
public sealed class DaprApiException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">The full message.</param>
    /// <param name="statusCode">The HTTP status the sidecar returned.</param>
    /// <param name="errorCode">daprd's <c>errorCode</c>, when the body had one.</param>
    /// <param name="daprMessage">daprd's <c>message</c>, when the body had one.</param>
    /// <param name="responseBody">The response body as text (empty when there was none).</param>
    /// <param name="innerException">The cause, if any.</param>
    public DaprApiException(
        string message,
        HttpStatusCode statusCode,
        string? errorCode,
        string? daprMessage,
        string responseBody,
        Exception? innerException = null)
        : base(message, innerException)
    {
        StatusCode = statusCode;
        ErrorCode = errorCode;
        DaprMessage = daprMessage;
        ResponseBody = responseBody ?? string.Empty;
    }

    /// <summary>The HTTP status the sidecar returned.</summary>
    public HttpStatusCode StatusCode { get; }

    /// <summary>daprd's error code, for example <c>ERR_STATE_STORE_NOT_FOUND</c>; null when the body had none.</summary>
    public string? ErrorCode { get; }

    /// <summary>daprd's error message; null when the body had none.</summary>
    public string? DaprMessage { get; }

    /// <summary>The response body as text (empty when there was none).</summary>
    public string ResponseBody { get; }
}

using System.Buffers;
using System.Security.Cryptography;
using System.Text;
using BioDapr.Cell.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace BioDapr.Cell.Immune;

/// <summary>
/// The boundary between the cell's two callers. With a public port (<see cref="CellOptions.PublicPort"/>),
/// a request on it reaches only endpoints marked <see cref="PublicApiAttribute"/>, and a request on any other
/// port (the app port the sidecar uses) reaches only the Dapr callbacks; anything else is 404, so hormones,
/// subscriptions and actor calls are never reachable from the public ingress. Callbacks need
/// <c>dapr-api-token</c> equal to <c>APP_API_TOKEN</c> when one is set (401 ProblemDetails otherwise,
/// compared in constant time). The health endpoint answers on both ports without a token.
/// </summary>
internal sealed partial class SidecarTokenMiddleware(RequestDelegate next, IOptions<CellOptions> options, ILogger<SidecarTokenMiddleware> logger)
{
    private const string Header = "dapr-api-token";
    private readonly byte[]? _expected = string.IsNullOrEmpty(options.Value.AppApiToken) ? null : Encoding.UTF8.GetBytes(options.Value.AppApiToken);
    private readonly int? _publicPort = options.Value.PublicPort;

    // Not async: an admitted request (the hot path) goes on to the next middleware without a state machine.
    public Task InvokeAsync(HttpContext context)
    {
        if (context.Request.Path.Equals(options.Value.HealthPath, StringComparison.OrdinalIgnoreCase))
        {
            return next(context);
        }

        var isPublic = context.GetEndpoint()?.Metadata.GetMetadata<PublicApiAttribute>() is not null;
        if (_publicPort is { } publicPort && (context.Connection.LocalPort == publicPort) != isPublic)
        {
            // Not served on this port: answer as if the route did not exist.
            Log.WrongPort(logger, context.Connection.LocalPort, isPublic ? "a public endpoint" : "a sidecar callback");
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            return Task.CompletedTask;
        }

        if (isPublic || _expected is null)
        {
            return next(context);
        }

        var sent = context.Request.Headers[Header].ToString();
        if (Matches(sent, _expected))
        {
            return next(context);
        }

        Log.Rejected(logger, sent.Length > 0);
        return Results.Problem(
            title: "Missing or invalid sidecar token",
            detail: "This endpoint is called by the Dapr sidecar and requires the dapr-api-token header (APP_API_TOKEN).",
            statusCode: StatusCodes.Status401Unauthorized).ExecuteAsync(context);
    }

    // Constant time in the token's content; the UTF-8 bytes of a usual token stay on the stack.
    private static bool Matches(string sent, byte[] expected)
    {
        var length = Encoding.UTF8.GetMaxByteCount(sent.Length);
        var rented = length > 256 ? ArrayPool<byte>.Shared.Rent(length) : null;
        try
        {
            Span<byte> buffer = rented is null ? stackalloc byte[256] : rented;
            var written = Encoding.UTF8.GetBytes(sent, buffer);
            return CryptographicOperations.FixedTimeEquals(buffer[..written], expected);
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 140, Level = LogLevel.Warning, Message = "Rejected a sidecar callback: {Reason}")]
        private static partial void RejectedCore(ILogger logger, string reason);

        [LoggerMessage(EventId = 141, Level = LogLevel.Debug, Message = "Refused a request on port {Port}: it asked for {What}, which this port does not serve")]
        public static partial void WrongPort(ILogger logger, int port, string what);

        public static void Rejected(ILogger logger, bool tokenSent) =>
            RejectedCore(logger, tokenSent ? "wrong sidecar token" : "no sidecar token");
    }
}

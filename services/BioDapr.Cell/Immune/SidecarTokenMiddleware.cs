using System.Security.Cryptography;
using System.Text;
using BioDapr.Cell.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace BioDapr.Cell.Immune;

/// <summary>
/// Checks <c>dapr-api-token</c> against <c>APP_API_TOKEN</c> on every call that should come from the
/// sidecar (all but health checks and endpoints marked <see cref="AllowWithoutSidecarTokenAttribute"/>).
/// A missing or wrong token gets 401 ProblemDetails. No token configured: nothing is checked.
/// </summary>
internal sealed partial class SidecarTokenMiddleware(RequestDelegate next, IOptions<CellOptions> options, ILogger<SidecarTokenMiddleware> logger)
{
    private const string Header = "dapr-api-token";
    private readonly byte[]? _expected = string.IsNullOrEmpty(options.Value.AppApiToken) ? null : Encoding.UTF8.GetBytes(options.Value.AppApiToken);

    public async Task InvokeAsync(HttpContext context)
    {
        if (_expected is null || IsExempt(context))
        {
            await next(context);
            return;
        }

        var sent = Encoding.UTF8.GetBytes(context.Request.Headers[Header].ToString());
        if (CryptographicOperations.FixedTimeEquals(sent, _expected))
        {
            await next(context);
            return;
        }

        Log.Rejected(logger, context.Request.Path, sent.Length > 0);
        await Results.Problem(
            title: "Missing or invalid sidecar token",
            detail: "This endpoint is called by the Dapr sidecar and requires the dapr-api-token header (APP_API_TOKEN).",
            statusCode: StatusCodes.Status401Unauthorized).ExecuteAsync(context);
    }

    private bool IsExempt(HttpContext context) =>
        context.GetEndpoint()?.Metadata.GetMetadata<AllowWithoutSidecarTokenAttribute>() is not null
        || context.Request.Path.Equals(options.Value.HealthPath, StringComparison.OrdinalIgnoreCase);

    private static partial class Log
    {
        [LoggerMessage(EventId = 140, Level = LogLevel.Warning, Message = "Rejected a call to {Path}: {Reason}")]
        private static partial void RejectedCore(ILogger logger, PathString path, string reason);

        public static void Rejected(ILogger logger, PathString path, bool tokenSent) =>
            RejectedCore(logger, path, tokenSent ? "wrong sidecar token" : "no sidecar token");
    }
}

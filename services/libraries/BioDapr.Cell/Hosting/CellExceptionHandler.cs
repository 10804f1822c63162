using System.Text.Json;
using Dapr;
using Grpc.Core;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace BioDapr.Cell.Hosting;

/// <summary>
/// Answers failed requests with ProblemDetails that name the kind of failure and never carry a stack trace:
/// a request that could not be read (malformed JSON, a body over the limit) keeps its 4xx; a request that
/// failed because the sidecar could not be used (unreachable, or a building block that failed) becomes 503
/// with <c>Retry-After</c>, so callers and pathways see "unavailable, try again" (a subscriber's unreadable message
/// never gets here: <see cref="Events.CloudEventsPipeline"/> answers it DROP). Other exceptions fall through to the default handler (500 ProblemDetails). The exception itself goes to the log only.
/// </summary>
internal sealed partial class CellExceptionHandler(IProblemDetailsService problems, ILogger<CellExceptionHandler> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        var (status, title, detail) = exception switch
        {
            BadHttpRequestException bad => (bad.StatusCode, "Bad request", "The request could not be read: check its body, content type and size."),
            JsonException => (StatusCodes.Status400BadRequest, "Bad request", "The request could not be read: check its body, content type and size."),
            HttpRequestException or RpcException { StatusCode: StatusCode.Unavailable } => (StatusCodes.Status503ServiceUnavailable, "Temporarily unavailable", "The cell's sidecar could not be reached; try again."),
            DaprException => (StatusCodes.Status503ServiceUnavailable, "Temporarily unavailable", "A building block of this cell is unavailable; try again."),
            _ => (0, string.Empty, string.Empty),
        };
        if (status == 0)
        {
            return false;
        }

        Log.Answered(logger, status, exception.GetType().Name, exception.Message);
        httpContext.Response.StatusCode = status;
        if (status == StatusCodes.Status503ServiceUnavailable)
        {
            httpContext.Response.Headers.RetryAfter = "1";
        }

        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = httpContext,
            ProblemDetails = { Status = status, Title = title, Detail = detail },
        });
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 160, Level = LogLevel.Warning, Message = "Answered {Status}: {Exception}: {Reason}")]
        public static partial void Answered(ILogger logger, int status, string exception, string reason);
    }
}

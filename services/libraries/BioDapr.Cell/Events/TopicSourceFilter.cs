using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace BioDapr.Cell.Events;

/// <summary>Answers DROP, and logs it, for an event whose CloudEvent <c>source</c> is not an accepted publisher.</summary>
internal sealed partial class TopicSourceFilter(IReadOnlySet<string> accepted) : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var attributes = CloudEventAttributes.From(context.HttpContext.Request);
        if (!accepted.Contains(attributes.Source))
        {
            var logger = context.HttpContext.RequestServices.GetService<ILoggerFactory>()?.CreateLogger("BioDapr.Cell.Events");
            if (logger is not null)
            {
                Log.Dropped(logger, context.HttpContext.Request.Path, attributes.Id, attributes.Source, string.Join(", ", accepted));
            }

            return TopicResults.Drop();
        }

        return await next(context);
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 100, Level = LogLevel.Warning, Message = "Dropping a message delivered to {Path} (event id '{EventId}'): its source '{Source}' may not send it (accepted: {Accepted})")]
        public static partial void Dropped(ILogger logger, PathString path, string eventId, string source, string accepted);
    }
}

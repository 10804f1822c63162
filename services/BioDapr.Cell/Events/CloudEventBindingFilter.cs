using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace BioDapr.Cell.Events;

/// <summary>
/// Answers DROP for a CloudEvent that could not be read, and logs why: a poison message goes to the
/// dead-letter topic (when configured) instead of being retried forever or crashing the handler.
/// </summary>
internal sealed partial class CloudEventBindingFilter : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        foreach (var argument in context.Arguments)
        {
            if (argument is ICloudEvent { ReadError: { } error } cloudEvent)
            {
                var logger = context.HttpContext.RequestServices.GetService<ILoggerFactory>()?.CreateLogger("BioDapr.Cell.Events") ;
                if (logger is not null)
                {
                    Log.Dropped(logger, context.HttpContext.Request.Path, cloudEvent.Id, error);
                }

                return TopicResults.Drop();
            }
        }

        return await next(context);
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 100, Level = LogLevel.Warning, Message = "Dropping a message delivered to {Path} (event id '{EventId}'): {Reason}")]
        public static partial void Dropped(ILogger logger, PathString path, string eventId, string reason);
    }
}

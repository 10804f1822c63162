using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace BioDapr.Cell.Events;

/// <summary>
/// Answers DROP for a CloudEvent that could not be read, or that comes from a source the subscription does
/// not accept (<see cref="TopicOptions.AllowedSources"/>), and logs why: a poison or forged message goes to
/// the dead-letter topic (when configured) instead of being retried forever, crashing the handler or
/// changing state.
/// </summary>
internal sealed partial class CloudEventBindingFilter(TopicOptions options) : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        foreach (var argument in context.Arguments)
        {
            if (argument is not ICloudEvent cloudEvent)
            {
                continue;
            }

            var reason = cloudEvent.ReadError
                ?? (options.AllowedSources.Count > 0 && !options.AllowedSources.Contains(cloudEvent.Source)
                    ? $"its source '{cloudEvent.Source}' may not send it (allowed: {string.Join(", ", options.AllowedSources)})"
                    : null);
            if (reason is not null)
            {
                var logger = context.HttpContext.RequestServices.GetService<ILoggerFactory>()?.CreateLogger("BioDapr.Cell.Events");
                if (logger is not null)
                {
                    Log.Dropped(logger, context.HttpContext.Request.Path, cloudEvent.Id, reason);
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

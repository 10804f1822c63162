using System.Text.Json;
using Dapr;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace BioDapr.Cell.Events;

/// <summary>
/// Turns on Dapr.AspNetCore's CloudEvents middleware the way cells use it: the handler binds the event's data, and
/// the attributes in <see cref="CloudEventAttributes.Forwarded"/> arrive as <c>Cloudevent.*</c> headers. Headers of
/// that name that came with the request are removed first: the middleware only adds a header that is not there, so
/// otherwise a caller could claim any source. A message that cannot be read (an envelope that is not a JSON object,
/// bad <c>data_base64</c>, both <c>data</c> and <c>data_base64</c>, or data that does not bind to the handler's
/// parameter) is answered DROP on a subscriber (an endpoint with Dapr's topic metadata) and logged: a poison message
/// goes to the dead-letter topic instead of being redelivered forever. Elsewhere it is a 400.
/// </summary>
public static partial class CloudEventsPipeline
{
    private const string CloudEventsContentType = "application/cloudevents+json";

    private static readonly object GuardKey = new();

    /// <summary>Adds the header scrub, the DROP answer for unreadable messages and <c>UseCloudEvents</c>.</summary>
    public static IApplicationBuilder UseCellCloudEvents(this IApplicationBuilder app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.Use(static (context, next) =>
        {
            RemoveForgedAttributes(context.Request.Headers);
            var topic = context.GetEndpoint()?.Metadata.GetMetadata<ITopicMetadata>();
            // Most requests are neither a CloudEvent nor a delivery: nothing below can fail on their behalf, so they pass
            // without a state machine, a try block or the per-request marker (the cell's hot path).
            return topic is null && !IsCloudEvent(context.Request) ? next(context) : GuardAsync(context, next, topic);
        });
        app.UseCloudEvents(new CloudEventsMiddlewareOptions
        {
            ForwardCloudEventPropertiesAsHeaders = true,
            IncludedCloudEventPropertiesAsHeaders = CloudEventAttributes.Forwarded,
        });
        // Past this point an exception is the handler's, not the envelope's.
        app.Use(static (context, next) =>
        {
            // Only a guarded request carries the marker (read through the feature, so no other request allocates Items).
            if (context.Features.Get<IItemsFeature>()?.Items.TryGetValue(GuardKey, out var guard) == true && guard is Guard unwrapped)
            {
                unwrapped.Unwrapped = true;
            }

            return next(context);
        });
        return app;
    }

    // A delivery or a CloudEvent: an envelope or body that cannot be read is answered DROP (subscriber) or 400.
    private static async Task GuardAsync(HttpContext context, RequestDelegate next, ITopicMetadata? topic)
    {
        var guard = new Guard();
        context.Items[GuardKey] = guard;
        string? unreadable;
        try
        {
            await next(context);
            unreadable = !guard.Unwrapped && context.Response is { StatusCode: StatusCodes.Status400BadRequest, HasStarted: false } && IsCloudEvent(context.Request)
                ? "the CloudEvent envelope has both data and data_base64"
                : null;
        }
        catch (BadHttpRequestException ex) when (topic is not null && !context.Response.HasStarted)
        {
            unreadable = ex.Message;
        }
        catch (Exception ex) when (ex is InvalidOperationException or FormatException or JsonException && !guard.Unwrapped)
        {
            // Thrown by the CloudEvents middleware itself, before the handler: the envelope is at fault.
            if (topic is null || context.Response.HasStarted)
            {
                throw new BadHttpRequestException("the CloudEvent envelope could not be read: " + ex.Message, StatusCodes.Status400BadRequest, ex);
            }

            unreadable = "the CloudEvent envelope could not be read: " + ex.Message;
        }

        if (unreadable is null)
        {
            return;
        }

        if (topic is null)
        {
            throw new BadHttpRequestException(unreadable);
        }

        var logger = context.RequestServices.GetService<ILoggerFactory>()?.CreateLogger("BioDapr.Cell.Events");
        if (logger is not null)
        {
            Log.Dropped(logger, context.Request.Path, topic.PubsubName, topic.Name, context.Request.Headers[CloudEventAttributes.HeaderPrefix + "id"].ToString(), unreadable);
        }

        context.Response.Clear();
        context.Response.StatusCode = StatusCodes.Status200OK;
        await context.Response.WriteAsJsonAsync(new TopicResponse(TopicResults.DropStatus), context.RequestAborted);
    }

    private static bool IsCloudEvent(HttpRequest request) => request.ContentType?.StartsWith(CloudEventsContentType, StringComparison.OrdinalIgnoreCase) == true;

    private static void RemoveForgedAttributes(IHeaderDictionary headers)
    {
        List<string>? forged = null;
        foreach (var header in headers)
        {
            if (header.Key.StartsWith(CloudEventAttributes.HeaderPrefix, StringComparison.OrdinalIgnoreCase))
            {
                (forged ??= []).Add(header.Key);
            }
        }

        if (forged is null)
        {
            return;
        }

        foreach (var name in forged)
        {
            headers.Remove(name);
        }
    }

    // Set once the request got past the CloudEvents middleware: an exception after that point is the handler's.
    private sealed class Guard
    {
        public bool Unwrapped { get; set; }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 101, Level = LogLevel.Warning, Message = "Dropping a message delivered to {Path} ({PubSub}/{Topic}, event id '{EventId}'): it could not be read: {Reason}")]
        public static partial void Dropped(ILogger logger, PathString path, string pubSub, string topic, string eventId, string reason);
    }
}

using System.Reflection;
using Microsoft.AspNetCore.Http;

namespace BioDapr.Cell.Events;

/// <summary>
/// The CloudEvent attributes of the message being handled (<c>id</c>, <c>source</c>, <c>type</c>, <c>subject</c>),
/// as a handler parameter: Dapr.AspNetCore's <c>UseCloudEvents</c> hands the handler the event's <c>data</c> and
/// forwards these attributes as <c>Cloudevent.*</c> request headers (the cell turns that on and removes any such
/// header the request came with, so they can only come from the envelope).
/// </summary>
/// <param name="Id">The event id (a publisher's deduplication key).</param>
/// <param name="Source">Who published it: the publishing sidecar sets its app id.</param>
/// <param name="Type">The CloudEvent type (<c>biodapr.orders.placed.v1</c>).</param>
/// <param name="Subject">The optional subject.</param>
public sealed record CloudEventAttributes(string Id, string Source, string Type, string? Subject)
{
    /// <summary>The prefix of the headers <c>UseCloudEvents</c> writes.</summary>
    public const string HeaderPrefix = "Cloudevent.";

    /// <summary>The attributes forwarded as headers.</summary>
    internal static readonly string[] Forwarded = ["id", "source", "type", "subject"];

    /// <summary>Reads the attributes of the current request (empty strings when it was not a CloudEvent).</summary>
    public static CloudEventAttributes From(HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        string? Header(string name) => request.Headers.TryGetValue(HeaderPrefix + name, out var value) ? value.ToString() : null;
        return new CloudEventAttributes(Header("id") ?? string.Empty, Header("source") ?? string.Empty, Header("type") ?? string.Empty, Header("subject"));
    }

#pragma warning disable CA1000 // Minimal APIs look for BindAsync on the parameter type itself.
    /// <summary>Minimal-API binding: a handler takes a <see cref="CloudEventAttributes"/> parameter.</summary>
    public static ValueTask<CloudEventAttributes?> BindAsync(HttpContext context, ParameterInfo parameter)
    {
        ArgumentNullException.ThrowIfNull(context);
        return ValueTask.FromResult<CloudEventAttributes?>(From(context.Request));
    }
#pragma warning restore CA1000
}

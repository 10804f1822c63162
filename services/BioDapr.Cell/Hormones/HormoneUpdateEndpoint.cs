using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Logging;

namespace BioDapr.Cell.Hormones;

/// <summary>
/// <c>POST /configuration/{store}/{key}</c>: the sidecar's change notification,
/// <c>{"id":…,"items":{key:{value,version}}}</c> (a deleted key is <c>{}</c>). Answers exactly 200
/// (daprd counts 204 as a failure); a rejected value is still a delivered notification.
/// </summary>
internal static partial class HormoneUpdateEndpoint
{
    public static async Task<Results<Ok, ProblemHttpResult>> HandleAsync(
        string store, string key, HttpRequest request, HormoneRegistry registry, ILoggerFactory loggers)
    {
        var logger = loggers.CreateLogger("BioDapr.Cell.Hormones");
        JsonDocument document;
        try
        {
            document = await JsonDocument.ParseAsync(request.Body, cancellationToken: request.HttpContext.RequestAborted);
        }
        catch (JsonException ex)
        {
            return TypedResults.Problem($"the configuration update is not valid JSON: {ex.Message}", statusCode: 400, title: "Malformed configuration update");
        }

        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object
                || !document.RootElement.TryGetProperty("items", out var items) || items.ValueKind != JsonValueKind.Object)
            {
                return TypedResults.Problem("the configuration update must be an object with an 'items' map", statusCode: 400, title: "Malformed configuration update");
            }

            foreach (var item in items.EnumerateObject())
            {
                string? value = item.Value.ValueKind == JsonValueKind.Object && item.Value.TryGetProperty("value", out var v) && v.ValueKind == JsonValueKind.String
                    ? v.GetString()
                    : null;
                registry.Apply(store, item.Name, value);
            }
        }

        Log.Received(logger, store, key);
        return TypedResults.Ok();
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 130, Level = LogLevel.Debug, Message = "Configuration update for {Store}/{Key}")]
        public static partial void Received(ILogger logger, string store, string key);
    }
}

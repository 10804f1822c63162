using System.Text;
using BioDapr.Sidecar.Components;
using BioDapr.Sidecar.Runtime;
using BioDapr.Sidecar.Wire;
using BioDapr.Contracts.Hormones;

namespace BioDapr.Sidecar.Api;

/// <summary><c>GET /v1.0/metadata</c> in daprd's shape (empty fields omitted) and <c>PUT /v1.0/metadata/{key}</c>.</summary>
internal sealed class MetadataApi(SidecarRuntime runtime)
{
    public Task GetAsync(HttpContext context)
    {
        var settings = runtime.Settings;
        return ApiHttp.WriteEncodedJsonAsync(context.Response, StatusCodes.Status200OK, writer =>
        {
            writer.WriteStartObject();
            writer.WriteString("id", settings.AppId);
            writer.WriteString("runtimeVersion", SidecarRuntime.RuntimeVersion);
            writer.WriteStartArray("enabledFeatures");
            foreach (var feature in runtime.Configuration.Features.Where(f => f.Value).Select(f => f.Key).Order(StringComparer.Ordinal))
            {
                writer.WriteStringValue(feature);
            }

            writer.WriteEndArray();

            writer.WriteStartArray("components");
            foreach (var component in runtime.Components.All)
            {
                writer.WriteStartObject();
                writer.WriteString("name", component.Name);
                writer.WriteString("type", component.Type);
                writer.WriteString("version", component.Version);
                var capabilities = ComponentCapabilities.Reported(component);
                if (capabilities.Count > 0)
                {
                    writer.WriteStartArray("capabilities");
                    foreach (var capability in capabilities)
                    {
                        writer.WriteStringValue(capability);
                    }

                    writer.WriteEndArray();
                }

                writer.WriteEndObject();
            }

            writer.WriteEndArray();

            writer.WritePropertyName("extended");
            ApiHttp.WriteStringMap(writer, runtime.ExtendedMetadata);
            WriteActors(writer);

            var subscriptions = runtime.Subscriptions.Active;
            if (subscriptions.Count > 0)
            {
                writer.WriteStartArray("subscriptions");
                foreach (var subscription in subscriptions)
                {
                    writer.WriteStartObject();
                    writer.WriteString("pubsubname", subscription.PubsubName);
                    writer.WriteString("topic", subscription.Topic);
                    writer.WritePropertyName("metadata");
                    ApiHttp.WriteStringMap(writer, subscription.Metadata);
                    writer.WriteStartArray("rules");
                    foreach (var rule in subscription.Routes.Rules)
                    {
                        writer.WriteStartObject();
                        writer.WriteString("match", rule.Match);
                        writer.WriteString("path", rule.Path);
                        writer.WriteEndObject();
                    }

                    if (subscription.Routes.Default is { } defaultPath)
                    {
                        writer.WriteStartObject();
                        writer.WriteString("path", defaultPath);
                        writer.WriteEndObject();
                    }

                    writer.WriteEndArray();
                    if (!string.IsNullOrEmpty(subscription.DeadLetterTopic))
                    {
                        writer.WriteString("deadLetterTopic", subscription.DeadLetterTopic);
                    }

                    writer.WriteString("type", subscription.Kind.ToString().ToUpperInvariant());
                    writer.WriteEndObject();
                }

                writer.WriteEndArray();
            }

            if (runtime.AppChannel is { } channel)
            {
                writer.WriteStartObject("appConnectionProperties");
                writer.WriteNumber("port", channel.Port);
                writer.WriteString("protocol", settings.AppProtocol);
                writer.WriteString("channelAddress", channel.ChannelAddress);
                writer.WriteNumber("maxConcurrency", settings.AppMaxConcurrency);
                if (settings.EnableAppHealthCheck)
                {
                    writer.WriteStartObject("health");
                    writer.WriteString("healthCheckPath", settings.AppHealthCheckPath);
                    writer.WriteString("healthProbeInterval", GoDuration.Format(settings.AppHealthProbeInterval));
                    writer.WriteString("healthProbeTimeout", GoDuration.Format(settings.AppHealthProbeTimeout));
                    writer.WriteNumber("healthThreshold", settings.AppHealthThreshold);
                    writer.WriteEndObject();
                }

                writer.WriteEndObject();
            }

            if (runtime.ResiliencyNames.Count > 0)
            {
                writer.WriteStartArray("resiliencies");
                foreach (var name in runtime.ResiliencyNames)
                {
                    writer.WriteStartObject();
                    writer.WriteString("name", name);
                    writer.WriteEndObject();
                }

                writer.WriteEndArray();
            }

            writer.WriteEndObject();
        });
    }

    // daprd adds ACTOR to every state store that supports ETags and transactions.
    public async Task SetAsync(HttpContext context, string key)
    {
        var body = await ApiHttp.ReadBodyAsync(context.Request, runtime.Settings.MaxBodySize, context.RequestAborted);

        runtime.ExtendedMetadata[key] = Encoding.UTF8.GetString(body);
        ApiHttp.WriteEmpty(context.Response);
    }

    // daprd: the deprecated "actors" list and "actorRuntime" (status, active counts, placement).
    private void WriteActors(System.Text.Json.Utf8JsonWriter writer)
    {
        var actors = runtime.Actors;
        var counts = actors?.Counts ?? [];
        if (counts.Count > 0)
        {
            writer.WriteStartArray("actors");
            foreach (var (type, count) in counts)
            {
                writer.WriteStartObject();
                writer.WriteString("type", type);
                writer.WriteNumber("count", count);
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
        }

        writer.WriteStartObject("actorRuntime");
        writer.WriteString("runtimeStatus", actors is null ? (runtime.Components.ActorStateStore is null ? "DISABLED" : "INITIALIZING") : "RUNNING");
        if (counts.Count > 0)
        {
            writer.WriteStartArray("activeActors");
            foreach (var (type, count) in counts)
            {
                writer.WriteStartObject();
                writer.WriteString("type", type);
                writer.WriteNumber("count", count);
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
        }

        writer.WriteBoolean("hostReady", actors is not null);
        writer.WriteString("placement", actors is null ? string.Empty : "connected");
        writer.WriteEndObject();
    }
}

using System.Text.Json;
using BioDapr.Sidecar.Components.Configuration;
using BioDapr.Sidecar.Runtime;

namespace BioDapr.Sidecar.Api;

/// <summary>
/// The configuration API (<c>/v1.0/configuration/…</c> and <c>/v1.0-alpha1/…</c>): get, subscribe,
/// unsubscribe. Updates go to the app as one <c>POST /configuration/{store}/{key}</c> per changed key.
/// </summary>
internal sealed class ConfigurationApi(SidecarRuntime runtime)
{
    public async Task GetAsync(HttpContext context, string storeName)
    {
        if (Validate(storeName, out var store) is { } error)
        {
            await ApiHttp.WriteErrorAsync(context.Response, error);
            return;
        }

        var keys = Keys(context.Request);
        IReadOnlyDictionary<string, ConfigurationItem> items;
        try
        {
            var metadata = ApiHttp.Metadata(context.Request);
            items = await runtime.Resiliency.ForComponentOutbound(storeName, store.Type)
                .ExecuteAsync(ct => store.GetAsync(keys, metadata, ct), context.RequestAborted);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || ex is Resiliency.ResiliencyTimeoutException)
        {
            await ApiHttp.WriteErrorAsync(context.Response, DaprErrors.ConfigurationGet(keys, storeName, ex.Message));
            return;
        }

        if (items.Count == 0)
        {
            ApiHttp.WriteEmpty(context.Response);
            return;
        }

        await ApiHttp.WriteEncodedJsonAsync(context.Response, StatusCodes.Status200OK, writer => WriteItems(writer, items.Select(p => new KeyValuePair<string, ConfigurationItem?>(p.Key, p.Value))));
    }

    public async Task SubscribeAsync(HttpContext context, string storeName)
    {
        if (Validate(storeName, out var store) is { } error)
        {
            await ApiHttp.WriteErrorAsync(context.Response, error);
            return;
        }

        if (runtime.AppChannel is null)
        {
            await ApiHttp.WriteErrorAsync(context.Response, DaprErrors.AppChannelNil());
            return;
        }

        var keys = Keys(context.Request);
        string id;
        try
        {
            var metadata = ApiHttp.Metadata(context.Request);
            id = await runtime.Resiliency.ForComponentOutbound(storeName, store.Type).ExecuteAsync(
                ct => store.SubscribeAsync(keys, metadata, (update, token) => runtime.ConfigurationUpdates.DeliverAsync(storeName, store.Type, update, token), ct),
                runtime.Stopping);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || ex is Resiliency.ResiliencyTimeoutException)
        {
            await ApiHttp.WriteErrorAsync(context.Response, DaprErrors.ConfigurationSubscribe(keys, storeName, ex.Message));
            return;
        }

        runtime.ConfigurationUpdates.Track(storeName, id);
        await ApiHttp.WriteEncodedJsonAsync(context.Response, StatusCodes.Status200OK, writer =>
        {
            writer.WriteStartObject();
            writer.WriteString("id", id);
            writer.WriteEndObject();
        });
    }

    public async Task UnsubscribeAsync(HttpContext context, string storeName, string subscriptionId)
    {
        if (Validate(storeName, out var store) is { } error)
        {
            await ApiHttp.WriteErrorAsync(context.Response, error);
            return;
        }

        try
        {
            await runtime.Resiliency.ForComponentOutbound(storeName, store.Type).ExecuteAsync(
                async ct =>
                {
                    try
                    {
                        await store.UnsubscribeAsync(subscriptionId, ct);
                    }
                    catch (KeyNotFoundException ex)
                    {
                        throw new Resiliency.PermanentFailureException(ex.Message, ex);
                    }

                    return true;
                },
                context.RequestAborted);
            runtime.ConfigurationUpdates.Forget(storeName, subscriptionId);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || ex is Resiliency.ResiliencyTimeoutException)
        {
            var detail = ex is Resiliency.PermanentFailureException { InnerException: { } inner } ? inner.Message : ex.Message;
            await ApiHttp.WriteEncodedJsonAsync(context.Response, StatusCodes.Status500InternalServerError, writer =>
            {
                writer.WriteStartObject();
                writer.WriteString("message", $"failed to unsubscribe to configuration request {subscriptionId}: {detail}");
                writer.WriteEndObject();
            });
            return;
        }

        await ApiHttp.WriteEncodedJsonAsync(context.Response, StatusCodes.Status200OK, writer =>
        {
            writer.WriteStartObject();
            writer.WriteBoolean("ok", true);
            writer.WriteEndObject();
        });
    }

    /// <summary>Writes items the way the configuration API encodes them (empty fields omitted; a deleted key is <c>{}</c>).</summary>
    public static void WriteItems(Utf8JsonWriter writer, IEnumerable<KeyValuePair<string, ConfigurationItem?>> items)
    {
        writer.WriteStartObject();
        foreach (var (key, item) in items.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            writer.WriteStartObject(key);
            if (item is not null)
            {
                if (item.Value.Length > 0)
                {
                    writer.WriteString("value", item.Value);
                }

                if (item.Version.Length > 0)
                {
                    writer.WriteString("version", item.Version);
                }

                if (item.Metadata.Count > 0)
                {
                    writer.WritePropertyName("metadata");
                    ApiHttp.WriteStringMap(writer, item.Metadata);
                }
            }

            writer.WriteEndObject();
        }

        writer.WriteEndObject();
    }

    private static List<string> Keys(HttpRequest request) =>
        request.Query["key"].Where(k => k is not null).Select(k => k!).ToList();

    private DaprError? Validate(string storeName, out IConfigurationStore store)
    {
        store = null!;
        if (runtime.Components.ConfigurationStores.Count == 0)
        {
            return DaprErrors.ConfigurationStoresNotConfigured();
        }

        return runtime.Components.ConfigurationStores.TryGetValue(storeName, out store!) ? null : DaprErrors.ConfigurationStoreNotFound(storeName);
    }
}

using BioDapr.Sidecar.BuildingBlocks;
using BioDapr.Sidecar.Components.Configuration;
using BioDapr.Sidecar.Messaging;
using BioDapr.Sidecar.Runtime;
using BioDapr.Sidecar.Wire;

namespace BioDapr.Sidecar.Api;

/// <summary>
/// The configuration API (<c>/v1.0/configuration/…</c> and <c>/v1.0-alpha1/…</c>): get, subscribe,
/// unsubscribe. Updates go to the app as one <c>POST /configuration/{store}/{key}</c> per changed key.
/// </summary>
internal sealed class ConfigurationApi(SidecarRuntime runtime, ConfigurationService configuration)
{
    public async Task GetAsync(HttpContext context, string storeName)
    {
        try
        {
            var items = await configuration.GetAsync(storeName, Keys(context.Request), ApiHttp.Metadata(context.Request), context.RequestAborted);
            if (items.Count == 0)
            {
                ApiHttp.WriteEmpty(context.Response);
                return;
            }

            await ApiHttp.WriteEncodedJsonAsync(context.Response, StatusCodes.Status200OK, writer => ConfigurationItemsJson.Write(writer, items.Select(p => new KeyValuePair<string, ConfigurationItem?>(p.Key, p.Value))));
        }
        catch (DaprApiException ex)
        {
            await ApiHttp.WriteErrorAsync(context.Response, ex.Error);
        }
    }

    public async Task SubscribeAsync(HttpContext context, string storeName)
    {
        try
        {
            var store = configuration.Store(storeName);
            if (runtime.AppChannel is null)
            {
                await ApiHttp.WriteErrorAsync(context.Response, DaprErrors.AppChannelNil());
                return;
            }

            // Over HTTP, updates go to the app: one POST /configuration/{store}/{key} per changed key.
            var id = await configuration.SubscribeAsync(
                storeName,
                Keys(context.Request),
                ApiHttp.Metadata(context.Request),
                (update, token) => runtime.ConfigurationUpdates.DeliverAsync(storeName, store.Type, update, token));
            await ApiHttp.WriteEncodedJsonAsync(context.Response, StatusCodes.Status200OK, writer =>
            {
                writer.WriteStartObject();
                writer.WriteString("id", id);
                writer.WriteEndObject();
            });
        }
        catch (DaprApiException ex)
        {
            await ApiHttp.WriteErrorAsync(context.Response, ex.Error);
        }
    }

    public async Task UnsubscribeAsync(HttpContext context, string storeName, string subscriptionId)
    {
        try
        {
            await configuration.UnsubscribeAsync(storeName, subscriptionId, context.RequestAborted);
        }
        catch (DaprApiException ex) when (ex.Error.ErrorCode == "ERR_CONFIGURATION_UNSUBSCRIBE")
        {
            // daprd writes only the message here, without an error code.
            await ApiHttp.WriteEncodedJsonAsync(context.Response, StatusCodes.Status500InternalServerError, writer =>
            {
                writer.WriteStartObject();
                writer.WriteString("message", ex.Error.Message);
                writer.WriteEndObject();
            });
            return;
        }
        catch (DaprApiException ex)
        {
            await ApiHttp.WriteErrorAsync(context.Response, ex.Error);
            return;
        }

        await ApiHttp.WriteEncodedJsonAsync(context.Response, StatusCodes.Status200OK, writer =>
        {
            writer.WriteStartObject();
            writer.WriteBoolean("ok", true);
            writer.WriteEndObject();
        });
    }

    private static List<string> Keys(HttpRequest request) =>
        request.Query["key"].Where(k => k is not null).Select(k => k!).ToList();
}

using BioDapr.Sidecar.Components.Secrets;
using BioDapr.Sidecar.Runtime;

namespace BioDapr.Sidecar.Api;

/// <summary>The secrets API (<c>/v1.0/secrets/…</c>): 401 for an unknown store, 403 when denied by the Configuration's secret scopes.</summary>
internal sealed class SecretsApi(SidecarRuntime runtime)
{
    public async Task GetAsync(HttpContext context, string storeName, string name)
    {
        if (Validate(storeName, out var store) is { } error)
        {
            await ApiHttp.WriteErrorAsync(context.Response, error);
            return;
        }

        if (!runtime.Configuration.IsSecretAllowed(storeName, name))
        {
            await ApiHttp.WriteErrorAsync(context.Response, DaprErrors.SecretPermissionDenied(name, storeName));
            return;
        }

        IReadOnlyDictionary<string, string> secret;
        try
        {
            var metadata = ApiHttp.Metadata(context.Request);
            secret = await runtime.Resiliency.ForComponentOutbound(storeName, store.Type).ExecuteAsync(
                async ct =>
                {
                    try
                    {
                        return await store.GetSecretAsync(name, metadata, ct);
                    }
                    catch (SecretNotFoundException ex)
                    {
                        throw new Resiliency.PermanentFailureException(ex.Message, ex);
                    }
                },
                context.RequestAborted);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || ex is Resiliency.ResiliencyTimeoutException)
        {
            var detail = ex is Resiliency.PermanentFailureException { InnerException: { } inner } ? inner.Message : ex.Message;
            await ApiHttp.WriteErrorAsync(context.Response, DaprErrors.SecretGet(name, storeName, detail));
            return;
        }

        await ApiHttp.WriteEncodedJsonAsync(context.Response, StatusCodes.Status200OK, writer => ApiHttp.WriteStringMap(writer, secret));
    }

    public async Task BulkAsync(HttpContext context, string storeName)
    {
        if (Validate(storeName, out var store) is { } error)
        {
            await ApiHttp.WriteErrorAsync(context.Response, error);
            return;
        }

        IReadOnlyDictionary<string, IReadOnlyDictionary<string, string>> secrets;
        try
        {
            var metadata = ApiHttp.Metadata(context.Request);
            secrets = await runtime.Resiliency.ForComponentOutbound(storeName, store.Type)
                .ExecuteAsync(ct => store.GetBulkSecretsAsync(metadata, ct), context.RequestAborted);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || ex is Resiliency.ResiliencyTimeoutException)
        {
            await ApiHttp.WriteErrorAsync(context.Response, DaprErrors.BulkSecretGet(storeName, ex.Message));
            return;
        }

        // Secrets denied by scope are silently left out.
        var allowed = secrets.Where(s => runtime.Configuration.IsSecretAllowed(storeName, s.Key)).ToList();
        if (allowed.Count == 0)
        {
            ApiHttp.WriteEmpty(context.Response);
            return;
        }

        await ApiHttp.WriteEncodedJsonAsync(context.Response, StatusCodes.Status200OK, writer =>
        {
            writer.WriteStartObject();
            foreach (var (secretName, values) in allowed.OrderBy(p => p.Key, StringComparer.Ordinal))
            {
                writer.WritePropertyName(secretName);
                ApiHttp.WriteStringMap(writer, values);
            }

            writer.WriteEndObject();
        });
    }

    private DaprError? Validate(string storeName, out ISecretStore store)
    {
        store = null!;
        if (runtime.Components.SecretStores.Count == 0)
        {
            return DaprErrors.SecretStoresNotConfigured();
        }

        return runtime.Components.SecretStores.TryGetValue(storeName, out store!) ? null : DaprErrors.SecretStoreNotFound(storeName);
    }
}

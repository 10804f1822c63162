using BioDapr.Sidecar.BuildingBlocks;
using BioDapr.Sidecar.Wire;

namespace BioDapr.Sidecar.Api;

/// <summary>The secrets API (<c>/v1.0/secrets/…</c>): 401 for an unknown store, 403 when denied by the Configuration's secret scopes (<see cref="SecretsService"/>).</summary>
internal sealed class SecretsApi(SecretsService secrets)
{
    public async Task GetAsync(HttpContext context, string storeName, string name)
    {
        try
        {
            var secret = await secrets.GetAsync(storeName, name, ApiHttp.Metadata(context.Request), context.RequestAborted);
            await ApiHttp.WriteEncodedJsonAsync(context.Response, StatusCodes.Status200OK, writer => ApiHttp.WriteStringMap(writer, secret));
        }
        catch (DaprApiException ex)
        {
            await ApiHttp.WriteErrorAsync(context.Response, ex.Error);
        }
    }

    public async Task BulkAsync(HttpContext context, string storeName)
    {
        try
        {
            var allowed = await secrets.GetBulkAsync(storeName, ApiHttp.Metadata(context.Request), context.RequestAborted);
            if (allowed.Count == 0)
            {
                ApiHttp.WriteEmpty(context.Response);
                return;
            }

            await ApiHttp.WriteEncodedJsonAsync(context.Response, StatusCodes.Status200OK, writer =>
            {
                writer.WriteStartObject();
                foreach (var (secretName, values) in allowed)
                {
                    writer.WritePropertyName(secretName);
                    ApiHttp.WriteStringMap(writer, values);
                }

                writer.WriteEndObject();
            });
        }
        catch (DaprApiException ex)
        {
            await ApiHttp.WriteErrorAsync(context.Response, ex.Error);
        }
    }
}

namespace BioDapr.Sidecar.AppChannel;

/// <summary>daprd's actor callbacks over the HTTP app channel: <c>PUT /actors/{type}/{id}/{path}</c> and <c>DELETE /actors/{type}/{id}</c>.</summary>
internal sealed class HttpActorCallbackChannel(AppChannelClient channel) : IActorCallbackChannel
{
    public Task<AppResponse> CallAsync(string type, string id, string path, HttpRequestMessage request, CancellationToken cancellationToken)
    {
        request.Method = HttpMethod.Put;
        request.RequestUri = new Uri($"/actors/{Uri.EscapeDataString(type)}/{Uri.EscapeDataString(id)}/{path}", UriKind.Relative);
        return channel.SendAsync(request, cancellationToken);
    }

    public async Task<int> DeactivateAsync(string type, string id, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Delete, $"/actors/{Uri.EscapeDataString(type)}/{Uri.EscapeDataString(id)}");
        return (await channel.SendAsync(request, cancellationToken)).StatusCode;
    }
}

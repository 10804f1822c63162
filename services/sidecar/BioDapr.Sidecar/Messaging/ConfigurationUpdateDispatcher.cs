using System.Buffers;
using System.Text.Json;
using BioDapr.Sidecar.AppChannel;
using BioDapr.Sidecar.Components.Configuration;
using BioDapr.Sidecar.Resiliency;
using BioDapr.Sidecar.Runtime;
using BioDapr.Sidecar.Wire;

namespace BioDapr.Sidecar.Messaging;

/// <summary>
/// Sends configuration changes (hormones) to the app: one <c>POST /configuration/{store}/{key}</c> per
/// changed key, body <c>{"id":…,"items":{key:{value,version,metadata}}}</c>, under the configuration
/// component's inbound resiliency policy. The app must answer exactly 200 (204 counts as a failure).
/// Tracks subscriptions so they are closed when the sidecar stops.
/// </summary>
internal sealed partial class ConfigurationUpdateDispatcher(ComponentStore components, AppChannelClient? appChannel, ResiliencyProvider resiliency, ILogger logger, CancellationToken stopping)
{
    private readonly Lock _lock = new();
    private readonly List<(string Store, string Id)> _subscriptions = [];

    public void Track(string store, string id)
    {
        lock (_lock)
        {
            _subscriptions.Add((store, id));
        }
    }

    public void Forget(string store, string id)
    {
        lock (_lock)
        {
            _subscriptions.Remove((store, id));
        }
    }

    /// <summary>Unsubscribes everything (sidecar shutdown).</summary>
    public async Task CloseAllAsync(CancellationToken cancellationToken)
    {
        List<(string Store, string Id)> subscriptions;
        lock (_lock)
        {
            subscriptions = [.. _subscriptions];
            _subscriptions.Clear();
        }

        foreach (var (store, id) in subscriptions)
        {
            if (components.ConfigurationStores.TryGetValue(store, out var component))
            {
                try
                {
                    await component.UnsubscribeAsync(id, cancellationToken);
                }
                catch (KeyNotFoundException)
                {
                    // Already gone.
                }
            }
        }
    }

    /// <summary>The component's change handler.</summary>
    public async Task DeliverAsync(string storeName, string storeType, ConfigurationUpdateEvent update, CancellationToken cancellationToken)
    {
        if (appChannel is not { } channel)
        {
            Log.NoAppChannel(logger, storeName);
            return;
        }

        var body = Serialize(update);
        var policy = resiliency.ForComponentInbound(storeName, storeType);
        foreach (var key in update.Items.Keys)
        {
            try
            {
                await policy.ExecuteAsync(
                    async ct =>
                    {
                        using var request = new HttpRequestMessage(HttpMethod.Post, $"/configuration/{Uri.EscapeDataString(storeName)}/{Uri.EscapeDataString(key)}")
                        {
                            Content = new ByteArrayContent(body),
                        };
                        request.Content.Headers.TryAddWithoutValidation("Content-Type", ApiHttp.JsonContentType);
                        var response = await channel.SendAsync(request, ct);
                        return response.StatusCode == 200
                            ? true
                            : throw new Resiliency.StatusCodeFailureException(response.StatusCode, $"error sending configuration item to application, status {response.StatusCode}");
                    },
                    stopping);
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !stopping.IsCancellationRequested)
            {
                Log.UpdateFailed(logger, key, storeName, ex.Message);
            }
        }
    }

    private static byte[] Serialize(ConfigurationUpdateEvent update)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = GoJson.Encoder }))
        {
            writer.WriteStartObject();
            writer.WriteString("id", update.SubscriptionId);
            writer.WritePropertyName("items");
            ConfigurationItemsJson.Write(writer, update.Items);
            writer.WriteEndObject();
        }

        buffer.Write("\n"u8);
        return buffer.WrittenSpan.ToArray();
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 30, Level = LogLevel.Error, Message = "App channel is nil; unable to send configuration update from {Store}")]
        public static partial void NoAppChannel(ILogger logger, string store);

        [LoggerMessage(EventId = 31, Level = LogLevel.Error, Message = "Error sending configuration item {Key} of store {Store} to the app: {Reason}")]
        public static partial void UpdateFailed(ILogger logger, string key, string store, string reason);
    }
}

using System.Collections.Concurrent;
using BioDapr.Sidecar.BuildingBlocks;
using BioDapr.Sidecar.Components.Configuration;
using BioDapr.Sidecar.Runtime;
using BioDapr.Sidecar.Wire;
using Dapr.Client.Autogen.Grpc.v1;
using Grpc.Core;
using ConfigurationItem = BioDapr.Sidecar.Components.Configuration.ConfigurationItem;
using ProtoConfigurationItem = Dapr.Client.Autogen.Grpc.v1.ConfigurationItem;

namespace BioDapr.Sidecar.Grpc;

/// <summary>
/// Configuration over gRPC, translated onto <see cref="ConfigurationService"/> (daprd: <c>pkg/api/grpc/grpc.go</c>):
/// SubscribeConfiguration is a server stream whose first message carries only the subscription id and
/// whose later messages carry the changed items; it lasts until the caller disconnects, the subscription
/// is unsubscribed, or the sidecar stops. The Alpha1 names are the same methods.
/// </summary>
internal sealed class ConfigurationGrpc(SidecarRuntime runtime, ConfigurationService configuration)
{
    private readonly ConcurrentDictionary<string, CancellationTokenSource> _streams = new(StringComparer.Ordinal);

    public async Task<GetConfigurationResponse> GetConfigurationAsync(GetConfigurationRequest request, ServerCallContext call)
    {
        var items = await configuration.GetAsync(request.StoreName, request.Keys, request.Metadata, call.CancellationToken);
        var response = new GetConfigurationResponse();
        foreach (var (key, item) in items)
        {
            response.Items[key] = ToProto(item);
        }

        return response;
    }

    public async Task SubscribeConfigurationAsync(SubscribeConfigurationRequest request, IServerStreamWriter<SubscribeConfigurationResponse> stream, ServerCallContext call)
    {
        configuration.Store(request.StoreName);
        var ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var writeLock = new SemaphoreSlim(1, 1);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(call.CancellationToken, runtime.Stopping);
        var keys = request.Keys.Order(StringComparer.Ordinal).ToList();

        async Task OnUpdateAsync(ConfigurationUpdateEvent update, CancellationToken cancellationToken)
        {
            // Updates wait until the id went out first, as daprd's handler does.
            await ready.Task.WaitAsync(cancellationToken);
            var message = new SubscribeConfigurationResponse { Id = update.SubscriptionId };
            foreach (var (key, item) in update.Items)
            {
                message.Items[key] = item is null ? new ProtoConfigurationItem() : ToProto(item);
            }

            await writeLock.WaitAsync(cancellationToken);
            try
            {
                await stream.WriteAsync(message, cancellationToken);
            }
            finally
            {
                writeLock.Release();
            }
        }

        var id = await configuration.SubscribeAsync(request.StoreName, keys, request.Metadata, OnUpdateAsync);
        _streams[id] = stop;
        try
        {
            await stream.WriteAsync(new SubscribeConfigurationResponse { Id = id }, call.CancellationToken);
            ready.TrySetResult();
            await Task.Delay(Timeout.Infinite, stop.Token).ContinueWith(_ => { }, TaskScheduler.Default);
        }
        finally
        {
            ready.TrySetResult();
            _streams.TryRemove(id, out _);
            try
            {
                await configuration.UnsubscribeAsync(request.StoreName, id, CancellationToken.None);
            }
            catch (DaprApiException)
            {
                // Already gone (the sidecar closed every subscription while stopping).
            }
        }
    }

    /// <summary>Ends a SubscribeConfiguration stream; an unknown id answers ok=false with daprd's message, not an error.</summary>
    public Task<UnsubscribeConfigurationResponse> UnsubscribeConfigurationAsync(UnsubscribeConfigurationRequest request, ServerCallContext call)
    {
        _ = call;
        if (!_streams.TryRemove(request.Id, out var stop))
        {
            return Task.FromResult(new UnsubscribeConfigurationResponse
            {
                Ok = false,
                Message = $"failed to unsubscribe to configuration request {request.Id}: subscription does not exist",
            });
        }

        stop.Cancel();
        return Task.FromResult(new UnsubscribeConfigurationResponse { Ok = true });
    }

    private static ProtoConfigurationItem ToProto(ConfigurationItem item)
    {
        var proto = new ProtoConfigurationItem { Value = item.Value, Version = item.Version };
        proto.Metadata.Put(item.Metadata);
        return proto;
    }
}

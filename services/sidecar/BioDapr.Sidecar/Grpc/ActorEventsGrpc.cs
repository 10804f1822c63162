using System.Text.Json;
using BioDapr.Sidecar.Actors;
using BioDapr.Sidecar.AppChannel;
using BioDapr.Sidecar.Runtime;
using BioDapr.Sidecar.Wire;
using Dapr.Client.Autogen.Grpc.v1;
using Grpc.Core;
using BioDapr.Contracts.Hormones;

namespace BioDapr.Sidecar.Grpc;

/// <summary>
/// <c>SubscribeActorEventsAlpha1</c>: an app hosts actors over a stream it opens (daprd 1.18+,
/// <c>pkg/api/grpc/actorcallbacks.go</c>), so a gRPC app (or one without any server port) can host actors.
/// The first message registers the actor types and their settings (the same as <c>GET /dapr/config</c>);
/// the sidecar acknowledges it, hosts the types, and from then on sends the actors' callbacks down the
/// stream (<see cref="ActorCallbackStream"/>). When the stream ends the types stop being hosted here.
/// </summary>
internal sealed class ActorEventsGrpc(SidecarRuntime runtime)
{
    public async Task SubscribeAsync(
        IAsyncStreamReader<SubscribeActorEventsRequestAlpha1> requests,
        IServerStreamWriter<SubscribeActorEventsResponseAlpha1> responses,
        ServerCallContext call)
    {
        var callbacks = runtime.ActorCallbacks
            ?? throw new RpcException(new Status(StatusCode.FailedPrecondition, "actor callback streaming requires a gRPC app channel"));
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(call.CancellationToken, runtime.Stopping);
        if (!await requests.MoveNext(stop.Token))
        {
            return;
        }

        var initial = requests.Current.InitialRequest
            ?? throw new RpcException(new Status(StatusCode.InvalidArgument, "first message must be SubscribeActorEventsRequestInitialAlpha1"));
        if (runtime.Components.ActorStateStore is null)
        {
            throw new RpcException(new Status(StatusCode.Internal, "failed to register hosted actors: " + DaprErrors.ActorRuntimeNotFound().Message));
        }

        var configuration = ConfigurationJson(initial);
        var connection = callbacks.Register(configuration);
        try
        {
            await runtime.HostActorsAsync(callbacks, ActorAppConfig.Parse(configuration), stop.Token);
            await responses.WriteAsync(new SubscribeActorEventsResponseAlpha1 { InitialResponse = new SubscribeActorEventsResponseInitialAlpha1() }, stop.Token);
            var sending = SendAsync(connection, responses, stop.Token);
            try
            {
                while (await requests.MoveNext(stop.Token))
                {
                    connection.Deliver(requests.Current);
                }
            }
            finally
            {
                connection.Close();
                await sending;
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // The app went away, or the sidecar is stopping.
        }
        catch (IOException)
        {
            // The app's connection broke.
        }
        finally
        {
            // Stop routing to this app first, then host what the remaining stream registered, if any.
            var remaining = callbacks.Close(connection);
            if (!runtime.Stopping.IsCancellationRequested)
            {
                // With no stream left the runtime hosts nothing: calls answer daprd's "did not find address".
                var config = remaining is null ? ActorAppConfig.None : ActorAppConfig.Parse(remaining);
                await runtime.HostActorsAsync(callbacks, config, CancellationToken.None);
            }
        }
    }

    // Writes the connection's requests in order until it closes; a broken stream ends the call.
    private static async Task SendAsync(ActorCallbackStream.Connection connection, IServerStreamWriter<SubscribeActorEventsResponseAlpha1> responses, CancellationToken cancellationToken)
    {
        try
        {
            await foreach (var message in connection.Outbox.ReadAllAsync(cancellationToken))
            {
                await responses.WriteAsync(message, cancellationToken);
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or InvalidOperationException or IOException)
        {
            connection.Close();
        }
    }

    // The registration as the app's /dapr/config would say it, so both paths share one parser and its defaults.
    private static byte[] ConfigurationJson(SubscribeActorEventsRequestInitialAlpha1 initial)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteStartArray("entities");
            foreach (var entity in initial.Entities)
            {
                writer.WriteStringValue(entity);
            }

            writer.WriteEndArray();
            WriteSettings(writer, initial.ActorIdleTimeout, initial.Reentrancy);
            if (initial.HasDrainRebalancedActors)
            {
                writer.WriteBoolean("drainRebalancedActors", initial.DrainRebalancedActors);
            }

            if (initial.EntitiesConfig.Count > 0)
            {
                writer.WriteStartArray("entitiesConfig");
                foreach (var entry in initial.EntitiesConfig)
                {
                    writer.WriteStartObject();
                    writer.WriteStartArray("entities");
                    foreach (var entity in entry.Entities)
                    {
                        writer.WriteStringValue(entity);
                    }

                    writer.WriteEndArray();
                    WriteSettings(writer, entry.ActorIdleTimeout, entry.Reentrancy);
                    writer.WriteEndObject();
                }

                writer.WriteEndArray();
            }

            writer.WriteEndObject();
        }

        return buffer.ToArray();
    }

    private static void WriteSettings(Utf8JsonWriter writer, Google.Protobuf.WellKnownTypes.Duration? idleTimeout, ActorReentrancyConfig? reentrancy)
    {
        // daprd: an unset or zero duration means the default.
        if (idleTimeout is not null && idleTimeout.ToTimeSpan() > TimeSpan.Zero)
        {
            writer.WriteString("actorIdleTimeout", GoDuration.Format(idleTimeout.ToTimeSpan()));
        }

        if (reentrancy is not null)
        {
            writer.WriteStartObject("reentrancy");
            writer.WriteBoolean("enabled", reentrancy.Enabled);
            if (reentrancy.HasMaxStackDepth)
            {
                writer.WriteNumber("maxStackDepth", reentrancy.MaxStackDepth);
            }

            writer.WriteEndObject();
        }
    }
}

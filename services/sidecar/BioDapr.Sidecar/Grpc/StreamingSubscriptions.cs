using System.Collections.Concurrent;
using BioDapr.Sidecar.AppChannel;
using BioDapr.Sidecar.Messaging;
using BioDapr.Sidecar.Resources;
using BioDapr.Sidecar.Runtime;
using Dapr.AppCallback.Autogen.Grpc.v1;
using Dapr.Client.Autogen.Grpc.v1;
using Grpc.Core;

namespace BioDapr.Sidecar.Grpc;

/// <summary>
/// <c>SubscribeTopicEventsAlpha1</c>: a bidirectional stream that is a subscription (daprd:
/// <c>pkg/api/grpc/subscribe.go</c>, <c>pkg/runtime/subscription/postman/streaming</c>). The first request
/// names pubsub, topic, metadata and dead-letter topic; the sidecar answers with an initial response, then
/// sends each event (a <c>TopicEventRequest</c>) and waits for the client's SUCCESS/RETRY/DROP for that
/// event id. The subscription runs through the same <see cref="TopicSubscription"/> as app subscriptions,
/// so resiliency, dead letters and acknowledgement are the same; an event in flight when the stream ends
/// stays unacknowledged and is delivered again (to a new stream, after a restart too).
/// </summary>
internal sealed class StreamingSubscriptions(SidecarRuntime runtime)
{
    public async Task SubscribeAsync(
        IAsyncStreamReader<SubscribeTopicEventsRequestAlpha1> requests,
        IServerStreamWriter<SubscribeTopicEventsResponseAlpha1> responses,
        ServerCallContext call)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(call.CancellationToken, runtime.Stopping);
        if (!await requests.MoveNext(stop.Token))
        {
            throw Unknown("initial request is required");
        }

        var initial = requests.Current.InitialRequest ?? throw Unknown("initial request is required");
        if (initial.PubsubName.Length == 0)
        {
            throw Unknown("pubsubName is required");
        }

        if (initial.Topic.Length == 0)
        {
            throw Unknown("topic is required");
        }

        var definition = new SubscriptionDefinition(
            Name: initial.PubsubName + "||" + initial.Topic,
            PubsubName: initial.PubsubName,
            Topic: initial.Topic,
            Routes: new SubscriptionRoutes([], "/"),
            Metadata: new Dictionary<string, string>(initial.Metadata, StringComparer.Ordinal),
            DeadLetterTopic: string.IsNullOrEmpty(initial.DeadLetterTopic) ? null : initial.DeadLetterTopic,
            BulkSubscribe: null,
            Scopes: [],
            Kind: SubscriptionKind.Streaming,
            SourceFile: null);

        using var sink = new StreamSink(responses, stop.Token);
        IAsyncDisposable subscription;
        try
        {
            subscription = await runtime.Subscriptions.AddStreamingAsync(definition, sink, stop.Token);
        }
        catch (InvalidOperationException ex)
        {
            throw Unknown(ex.Message);
        }

        try
        {
            await sink.WriteAsync(new SubscribeTopicEventsResponseAlpha1 { InitialResponse = new SubscribeTopicEventsResponseInitialAlpha1() });
            while (await requests.MoveNext(stop.Token))
            {
                if (requests.Current.EventProcessed is { } processed)
                {
                    sink.Complete(processed.Id, processed.Status?.Status ?? TopicEventResponse.Types.TopicEventResponseStatus.Success);
                }
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException || (ex is RpcException && stop.IsCancellationRequested))
        {
            // The client went away or the sidecar is stopping.
        }
        finally
        {
            sink.Close();
            await subscription.DisposeAsync();
        }
    }

    private static RpcException Unknown(string message) => new(new global::Grpc.Core.Status(StatusCode.Unknown, message));

    /// <summary>Events go out on the stream; each delivery waits for the client's answer for its event id.</summary>
    private sealed class StreamSink(IServerStreamWriter<SubscribeTopicEventsResponseAlpha1> responses, CancellationToken streamToken) : IEventSink, IDisposable
    {
        private readonly ConcurrentDictionary<string, TaskCompletionSource<TopicEventResponse.Types.TopicEventResponseStatus>> _pending = new(StringComparer.Ordinal);
        private readonly SemaphoreSlim _writeLock = new(1, 1);
        private volatile bool _closed;

        public async Task<SinkReply> DeliverAsync(EventDelivery delivery, CancellationToken cancellationToken)
        {
            var message = GrpcAppChannel.TopicEvent(delivery.CloudEvent, delivery.Topic, delivery.PubsubName, delivery.Path);
            var answer = new TaskCompletionSource<TopicEventResponse.Types.TopicEventResponseStatus>(TaskCreationOptions.RunContinuationsAsynchronously);
            while (!_pending.TryAdd(message.Id, answer))
            {
                // The same event id is already waiting for an answer (a redelivery): wait for that one first.
                if (_pending.TryGetValue(message.Id, out var earlier))
                {
                    await earlier.Task.ContinueWith(_ => { }, TaskScheduler.Default).WaitAsync(cancellationToken);
                }
            }

            try
            {
                if (_closed)
                {
                    throw new EventSinkClosedException("the streaming subscriber disconnected");
                }

                await WriteAsync(new SubscribeTopicEventsResponseAlpha1 { EventMessage = message });
                var status = await answer.Task.WaitAsync(cancellationToken);
                return status switch
                {
                    TopicEventResponse.Types.TopicEventResponseStatus.Success => new SinkReply(DeliveryOutcome.Success, null, string.Empty),
                    TopicEventResponse.Types.TopicEventResponseStatus.Drop => new SinkReply(DeliveryOutcome.Drop, null, string.Empty),
                    _ => new SinkReply(DeliveryOutcome.Retry, null, $"RETRY status returned from app while processing pub/sub event {message.Id}"),
                };
            }
            catch (Exception ex) when (ex is InvalidOperationException or IOException or RpcException || (ex is OperationCanceledException && streamToken.IsCancellationRequested))
            {
                throw new EventSinkClosedException("the streaming subscriber disconnected: " + ex.Message);
            }
            finally
            {
                _pending.TryRemove(new KeyValuePair<string, TaskCompletionSource<TopicEventResponse.Types.TopicEventResponseStatus>>(message.Id, answer));
            }
        }

        public Task<IReadOnlyDictionary<string, DeliveryOutcome>> DeliverBulkAsync(BulkEventDelivery delivery, CancellationToken cancellationToken) =>
            throw new EventSinkClosedException("streaming subscriptions do not take bulk deliveries");

        public async Task WriteAsync(SubscribeTopicEventsResponseAlpha1 message)
        {
            await _writeLock.WaitAsync(streamToken);
            try
            {
                await responses.WriteAsync(message, streamToken);
            }
            finally
            {
                _writeLock.Release();
            }
        }

        public void Complete(string id, TopicEventResponse.Types.TopicEventResponseStatus status)
        {
            if (_pending.TryGetValue(id, out var answer))
            {
                answer.TrySetResult(status);
            }
        }

        public void Dispose() => _writeLock.Dispose();

        public void Close()
        {
            _closed = true;
            foreach (var answer in _pending.Values)
            {
                answer.TrySetException(new EventSinkClosedException("the streaming subscriber disconnected"));
            }
        }
    }
}

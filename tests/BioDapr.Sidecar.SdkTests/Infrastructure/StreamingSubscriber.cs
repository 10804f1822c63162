using System.Collections.Concurrent;
using Dapr.AppCallback.Autogen.Grpc.v1;
using Dapr.Client.Autogen.Grpc.v1;
using Grpc.Core;
using Grpc.Net.Client;
using DaprStub = Dapr.Client.Autogen.Grpc.v1.Dapr;

namespace BioDapr.Sidecar.SdkTests.Infrastructure;

/// <summary>
/// A streaming subscriber on <c>SubscribeTopicEventsAlpha1</c> through the generated Dapr client stub, with the
/// behaviour of the SDK's streaming client (Dapr.Messaging, not served here): it answers each event with the
/// status <see cref="Answer"/> picks and subscribes again when the stream breaks (a sidecar restart).
/// </summary>
internal sealed class StreamingSubscriber : IAsyncDisposable
{
    private readonly GrpcChannel _channel;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private readonly SubscribeTopicEventsRequestInitialAlpha1 _initial;

    public StreamingSubscriber(string grpcEndpoint, string pubsub, string topic, string? deadLetterTopic = null)
    {
        _channel = GrpcChannel.ForAddress(grpcEndpoint);
        _initial = new SubscribeTopicEventsRequestInitialAlpha1 { PubsubName = pubsub, Topic = topic, DeadLetterTopic = deadLetterTopic ?? string.Empty };
        _loop = RunAsync();
    }

    /// <summary>Every event received, in order (redeliveries included).</summary>
    public ConcurrentQueue<TopicEventRequest> Received { get; } = new();

    /// <summary>How many times the stream was (re)opened and acknowledged by the sidecar.</summary>
    public int Connections => _connections;

    /// <summary>The status for an event; null leaves it unanswered.</summary>
    public Func<TopicEventRequest, TopicEventResponse.Types.TopicEventResponseStatus?> Answer { get; set; } = _ => TopicEventResponse.Types.TopicEventResponseStatus.Success;

    private int _connections;

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _loop;
        _channel.Dispose();
        _stop.Dispose();
    }

    private async Task RunAsync()
    {
        var client = new DaprStub.DaprClient(_channel);
        while (!_stop.IsCancellationRequested)
        {
            try
            {
                using var call = client.SubscribeTopicEventsAlpha1(cancellationToken: _stop.Token);
                await call.RequestStream.WriteAsync(new SubscribeTopicEventsRequestAlpha1 { InitialRequest = _initial }, _stop.Token);
                await foreach (var response in call.ResponseStream.ReadAllAsync(_stop.Token))
                {
                    if (response.InitialResponse is not null)
                    {
                        Interlocked.Increment(ref _connections);
                        continue;
                    }

                    var message = response.EventMessage;
                    Received.Enqueue(message);
                    if (Answer(message) is { } status)
                    {
                        await call.RequestStream.WriteAsync(
                            new SubscribeTopicEventsRequestAlpha1 { EventProcessed = new SubscribeTopicEventsRequestProcessedAlpha1 { Id = message.Id, Status = new TopicEventResponse { Status = status } } },
                            _stop.Token);
                    }
                }
            }
            catch (Exception ex) when (ex is RpcException or IOException or InvalidOperationException or OperationCanceledException)
            {
                // The sidecar went away (or we are stopping): subscribe again, as the SDK's streaming client does.
            }

            try
            {
                await Task.Delay(200, _stop.Token);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }
}

using BioDapr.Testing;
using System.Collections.Concurrent;
using System.Text;
using BioDapr.Sidecar.Components.PubSub;
using Microsoft.Extensions.Logging;

namespace BioDapr.Sidecar.Tests.Components.PubSub;

public sealed class InMemoryPubSubTests : IAsyncDisposable
{
    private readonly ListLogger<InMemoryPubSub> _logger = new();
    private readonly InMemoryPubSub _pubsub;

    public InMemoryPubSubTests() => _pubsub = new InMemoryPubSub(TestComponents.Metadata(InMemoryPubSub.ComponentType), _logger);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public ValueTask DisposeAsync() => _pubsub.DisposeAsync();

    private static PubSubPublishRequest Message(string topic, string text, IReadOnlyDictionary<string, string>? metadata = null) =>
        new(topic, Encoding.UTF8.GetBytes(text), metadata);

    private Task<IAsyncDisposable> SubscribeAsync(string topic, PubSubHandler handler) =>
        _pubsub.SubscribeAsync(new PubSubSubscribeRequest(topic, new Dictionary<string, string>()), handler, Ct);

    private static string Text(PubSubMessage message) => Encoding.UTF8.GetString(message.Data.Span);

    [Fact]
    public void Identity_FromMetadata_ReportsWildcardCapability()
    {
        _pubsub.Name.ShouldBe("test-pubsub-in-memory");
        _pubsub.Type.ShouldBe("pubsub.in-memory");
        _pubsub.Version.ShouldBe("v1");
        _pubsub.Capabilities.ShouldBe(["SUBSCRIBE_WILDCARDS"]);
    }

    [Fact]
    public async Task PublishAsync_ManyMessages_DeliveredInPublishOrder()
    {
        var received = new ConcurrentQueue<string>();
        await using var subscription = await SubscribeAsync("orders", (m, _) =>
        {
            received.Enqueue(Text(m));
            return Task.CompletedTask;
        });

        for (var i = 0; i < 200; i++)
        {
            await _pubsub.PublishAsync(Message("orders", i.ToString(System.Globalization.CultureInfo.InvariantCulture)), Ct);
        }

        await Eventually.TrueAsync(() => received.Count == 200, because: "all 200 messages delivered");
        received.ShouldBe(Enumerable.Range(0, 200).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)));
    }

    [Fact]
    public async Task PublishAsync_TwoSubscribers_EachReceivesEveryMessage()
    {
        var first = new ConcurrentQueue<string>();
        var second = new ConcurrentQueue<string>();
        await using var a = await SubscribeAsync("orders", (m, _) => { first.Enqueue(Text(m)); return Task.CompletedTask; });
        await using var b = await SubscribeAsync("orders", (m, _) => { second.Enqueue(Text(m)); return Task.CompletedTask; });

        await _pubsub.PublishAsync(Message("orders", "x"), Ct);
        await _pubsub.PublishAsync(Message("orders", "y"), Ct);

        await Eventually.TrueAsync(() => first.Count == 2 && second.Count == 2, because: "both subscribers got both messages");
        first.ShouldBe(["x", "y"]);
        second.ShouldBe(["x", "y"]);
    }

    [Fact]
    public async Task PublishAsync_MessageFields_CarryTopicDataMetadataAndId()
    {
        var received = new TaskCompletionSource<PubSubMessage>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var subscription = await SubscribeAsync("orders", (m, _) => { received.TrySetResult(m); return Task.CompletedTask; });

        await _pubsub.PublishAsync(Message("orders", "payload", new Dictionary<string, string> { ["ttlInSeconds"] = "5" }), Ct);

        var message = await received.Task.WaitAsync(TimeSpan.FromSeconds(10), Ct);
        message.Topic.ShouldBe("orders");
        Text(message).ShouldBe("payload");
        message.Metadata["ttlInSeconds"].ShouldBe("5");
        message.Id.ShouldNotBeNullOrEmpty();
    }

    [Fact]
    public async Task PublishAsync_NullMetadata_DeliversEmptyMetadata()
    {
        var received = new TaskCompletionSource<PubSubMessage>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var subscription = await SubscribeAsync("orders", (m, _) => { received.TrySetResult(m); return Task.CompletedTask; });

        await _pubsub.PublishAsync(Message("orders", "payload"), Ct);

        (await received.Task.WaitAsync(TimeSpan.FromSeconds(10), Ct)).Metadata.ShouldBeEmpty();
    }

    [Fact]
    public async Task PublishAsync_CallerReusesBuffer_DeliveredDataUnchanged()
    {
        var received = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var subscription = await SubscribeAsync("orders", async (m, _) =>
        {
            await gate.Task;
            received.TrySetResult(Text(m));
        });
        var buffer = Encoding.UTF8.GetBytes("original");

        await _pubsub.PublishAsync(new PubSubPublishRequest("orders", buffer, null), Ct);
        Encoding.UTF8.GetBytes("scribble").CopyTo(buffer, 0);
        gate.SetResult();

        (await received.Task.WaitAsync(TimeSpan.FromSeconds(10), Ct)).ShouldBe("original");
    }

    [Fact]
    public async Task PublishAsync_OtherTopic_NotDelivered()
    {
        var orders = new ConcurrentQueue<string>();
        var marker = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var a = await SubscribeAsync("orders", (m, _) => { orders.Enqueue(Text(m)); return Task.CompletedTask; });
        await using var b = await SubscribeAsync("payments", (_, _) => { marker.TrySetResult(); return Task.CompletedTask; });

        await _pubsub.PublishAsync(Message("payments", "p"), Ct);
        await _pubsub.PublishAsync(Message("orders", "o"), Ct);

        await marker.Task.WaitAsync(TimeSpan.FromSeconds(10), Ct);
        await Eventually.TrueAsync(() => orders.Count == 1, because: "the orders message arrived");
        orders.ShouldBe(["o"]);
    }

    [Fact]
    public async Task PublishAsync_BeforeSubscribing_IsLost()
    {
        await _pubsub.PublishAsync(Message("orders", "early"), Ct);
        var received = new ConcurrentQueue<string>();
        await using var subscription = await SubscribeAsync("orders", (m, _) => { received.Enqueue(Text(m)); return Task.CompletedTask; });

        await _pubsub.PublishAsync(Message("orders", "late"), Ct);

        await Eventually.TrueAsync(() => !received.IsEmpty, because: "the late message arrived");
        received.ShouldBe(["late"]);
    }

    [Fact]
    public async Task SubscribeAsync_WildcardPattern_MatchesLongerTopicsWithThePrefixOnly()
    {
        var received = new ConcurrentQueue<string>();
        await using var subscription = await SubscribeAsync("orders*", (m, _) => { received.Enqueue(m.Topic); return Task.CompletedTask; });

        foreach (var topic in new[] { "orders", "orders.eu", "other", "orders/us", "order" })
        {
            await _pubsub.PublishAsync(Message(topic, "x"), Ct);
        }

        await _pubsub.PublishAsync(Message("ordersEnd", "x"), Ct);
        await Eventually.TrueAsync(() => received.Contains("ordersEnd"), because: "the last matching message arrived");
        received.ShouldBe(["orders.eu", "orders/us", "ordersEnd"]);
    }

    [Fact]
    public async Task Handler_Throws_IsLoggedNotRedeliveredAndDeliveryContinues()
    {
        var calls = new ConcurrentQueue<string>();
        await using var subscription = await SubscribeAsync("orders", (m, _) =>
        {
            calls.Enqueue(Text(m));
            return Text(m) == "bad" ? throw new InvalidOperationException("handler broke") : Task.CompletedTask;
        });

        await _pubsub.PublishAsync(Message("orders", "bad"), Ct);
        await _pubsub.PublishAsync(Message("orders", "good"), Ct);

        await Eventually.TrueAsync(() => calls.Count == 2, because: "both messages handled");
        calls.ShouldBe(["bad", "good"]);
        var error = _logger.Entries.Where(e => e.Level == LogLevel.Error).ShouldHaveSingleItem();
        error.Exception.ShouldBeOfType<InvalidOperationException>();
        error.Message.ShouldContain("orders");
    }

    [Fact]
    public async Task Handler_FaultedTask_IsLoggedAndDeliveryContinues()
    {
        var good = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var subscription = await SubscribeAsync("orders", async (m, _) =>
        {
            await Task.Yield();
            if (Text(m) == "bad")
            {
                throw new FormatException("async failure");
            }

            good.TrySetResult();
        });

        await _pubsub.PublishAsync(Message("orders", "bad"), Ct);
        await _pubsub.PublishAsync(Message("orders", "good"), Ct);

        await good.Task.WaitAsync(TimeSpan.FromSeconds(10), Ct);
        _logger.Entries.ShouldContain(e => e.Level == LogLevel.Error && e.Exception is FormatException);
    }

    [Fact]
    public async Task Delivery_SlowHandler_OneAtATimeAndPublishDoesNotWait()
    {
        var active = 0;
        var maxActive = 0;
        var done = 0;
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var subscription = await SubscribeAsync("orders", async (_, _) =>
        {
            var now = Interlocked.Increment(ref active);
            InterlockedMax(ref maxActive, now);
            await release.Task;
            Interlocked.Decrement(ref active);
            Interlocked.Increment(ref done);
        });

        for (var i = 0; i < 5; i++)
        {
            var publish = _pubsub.PublishAsync(Message("orders", "m"), Ct);
            publish.IsCompletedSuccessfully.ShouldBeTrue("publishing must not wait for the handler");
        }

        await Eventually.TrueAsync(() => Volatile.Read(ref active) == 1, because: "the first message is being handled");
        release.SetResult();
        await Eventually.TrueAsync(() => Volatile.Read(ref done) == 5, because: "all messages handled");
        maxActive.ShouldBe(1);
    }

    [Fact]
    public async Task DisposeSubscription_InFlightHandler_IsCancelledAndLaterMessagesDropped()
    {
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var cancelled = false;
        var calls = 0;
        var subscription = await SubscribeAsync("orders", async (_, token) =>
        {
            Interlocked.Increment(ref calls);
            started.TrySetResult();
            try
            {
                await Task.Delay(Timeout.Infinite, token);
            }
            catch (OperationCanceledException)
            {
                cancelled = true;
                throw;
            }
        });

        await _pubsub.PublishAsync(Message("orders", "first"), Ct);
        await _pubsub.PublishAsync(Message("orders", "queued"), Ct);
        await started.Task.WaitAsync(TimeSpan.FromSeconds(10), Ct);
        await subscription.DisposeAsync();
        await _pubsub.PublishAsync(Message("orders", "after"), Ct);

        cancelled.ShouldBeTrue();
        calls.ShouldBe(1);
        _logger.Entries.ShouldNotContain(e => e.Level == LogLevel.Error);
    }

    [Fact]
    public async Task DisposeSubscription_Twice_IsHarmless()
    {
        var subscription = await SubscribeAsync("orders", (_, _) => Task.CompletedTask);

        await subscription.DisposeAsync();
        await subscription.DisposeAsync();
    }

    [Fact]
    public async Task DisposeAsync_Component_StopsSubscriptionsAndRejectsUse()
    {
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var observedCancel = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await SubscribeAsync("orders", async (_, token) =>
        {
            started.TrySetResult();
            using var registration = token.Register(() => observedCancel.TrySetResult());
            await Task.Delay(Timeout.Infinite, token);
        });
        await _pubsub.PublishAsync(Message("orders", "m"), Ct);
        await started.Task.WaitAsync(TimeSpan.FromSeconds(10), Ct);

        await _pubsub.DisposeAsync();

        observedCancel.Task.IsCompleted.ShouldBeTrue();
        var publish = await Should.ThrowAsync<PubSubPublishException>(() => _pubsub.PublishAsync(Message("orders", "late"), Ct));
        publish.Message.ShouldContain("closed");
        await Should.ThrowAsync<ObjectDisposedException>(() => SubscribeAsync("orders", (_, _) => Task.CompletedTask));
    }

    [Fact]
    public async Task SubscribeAsync_EmptyTopic_Throws()
    {
        await Should.ThrowAsync<ArgumentException>(() => SubscribeAsync("", (_, _) => Task.CompletedTask));
    }

    private static void InterlockedMax(ref int target, int value)
    {
        int current;
        while ((current = Volatile.Read(ref target)) < value && Interlocked.CompareExchange(ref target, value, current) != current)
        {
        }
    }
}

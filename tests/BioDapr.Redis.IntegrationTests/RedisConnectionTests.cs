using System.Collections.Concurrent;
using System.Text;
using BioDapr.Testing;

namespace BioDapr.Redis.IntegrationTests;

public sealed class RedisConnectionTests(RedisServer redis) : IClassFixture<RedisServer>, IAsyncLifetime
{
    private RedisConnection _connection = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync() => _connection = await Connect();

    public ValueTask DisposeAsync() => _connection.DisposeAsync();

    [Fact]
    public async Task ReplyTypes_AreDecoded()
    {
        var key = Key();
        (await _connection.ExecuteAsync("SET", [key, "v"], Ct)).Text.ShouldBe("OK");
        (await _connection.ExecuteAsync("GET", [key], Ct)).AsString().ShouldBe("v");
        (await _connection.ExecuteAsync("INCRBY", [key + "n", 41], Ct)).Number.ShouldBe(41);
        (await _connection.ExecuteAsync("GET", [key + "missing"], Ct)).IsNull.ShouldBeTrue();
        var array = await _connection.ExecuteAsync("MGET", [key, key + "missing"], Ct);
        array.Kind.ShouldBe(RedisReplyKind.Array);
        array.Items.Select(i => i.AsString()).ShouldBe(["v", null]);
    }

    [Fact]
    public async Task ErrorReply_ThrowsWithPrefix()
    {
        var key = Key();
        await _connection.ExecuteAsync("SET", [key, "text"], Ct);

        var error = await Should.ThrowAsync<RedisServerException>(() => _connection.ExecuteAsync("HGET", [key, "f"], Ct));

        error.Prefix.ShouldBe("WRONGTYPE");
        (await _connection.ExecuteAsync("PING", [], Ct)).Text.ShouldBe("PONG", "the connection is still in step after an error");
    }

    [Fact]
    public async Task ManyConcurrentCallers_EachGetTheirOwnReply()
    {
        var prefix = Key();
        await Parallel.ForAsync(0, 2000, new ParallelOptions { MaxDegreeOfParallelism = 32, CancellationToken = Ct }, async (i, ct) =>
        {
            await _connection.ExecuteAsync("SET", [$"{prefix}:{i}", i], ct);
            (await _connection.ExecuteAsync("GET", [$"{prefix}:{i}"], ct)).AsInt64().ShouldBe(i);
        });
    }

    [Fact]
    public async Task LargeAndBinaryValues_RoundTrip()
    {
        var big = new byte[5 << 20];
        new Random(1).NextBytes(big);
        var key = Key();

        await _connection.ExecuteAsync("SET", [key, big], Ct);
        var back = await _connection.ExecuteAsync("GET", [key], Ct);

        back.Bytes.ShouldBe(big);
        await _connection.ExecuteAsync("SET", [key, "a\r\nb\0ü"], Ct);
        (await _connection.ExecuteAsync("GET", [key], Ct)).AsString().ShouldBe("a\r\nb\0ü");
    }

    [Fact]
    public async Task CancelledCaller_DoesNotDesynchroniseThePipeline()
    {
        await using var connection = await Connect();
        using var cancel = new CancellationTokenSource();
        var blocked = connection.ExecuteAsync("BLPOP", [Key(), 1], cancel.Token);
        await cancel.CancelAsync();
        await Should.ThrowAsync<OperationCanceledException>(() => blocked);

        var key = Key();
        await connection.ExecuteAsync("SET", [key, "after"], Ct);

        (await connection.ExecuteAsync("GET", [key], Ct)).AsString().ShouldBe("after");
    }

    [Fact]
    public async Task Batch_MultiExec_ReturnsNestedErrorsWithoutThrowing()
    {
        var key = Key();
        await _connection.ExecuteAsync("SET", [key, "text"], Ct);

        var replies = await _connection.ExecuteBatchAsync(
            [["MULTI"], ["SET", key + "b", "1"], ["INCR", key], ["EXEC"]],
            Ct);

        replies.Count.ShouldBe(4);
        var exec = replies[3];
        exec.Items[0].Text.ShouldBe("OK");
        exec.Items[1].IsError.ShouldBeTrue();
    }

    [Fact]
    public async Task KilledConnection_FailsInFlightAndReconnectsForTheNextCommand()
    {
        await using var victim = await Connect(clientName: "victim");
        await victim.ExecuteAsync("PING", [], Ct);

        await _connection.ExecuteAsync("CLIENT", ["KILL", "SKIPME", "yes", "TYPE", "normal"], Ct).ContinueWith(_ => { }, TaskScheduler.Default);
        var afterKill = await Eventually.ReturnsAsync(
            async () =>
            {
                try
                {
                    return (await victim.ExecuteAsync("PING", [], Ct)).Text;
                }
                catch (RedisConnectionException)
                {
                    return null;
                }
            },
            reply => reply == "PONG");

        afterKill.ShouldBe("PONG");
    }

    [Fact]
    public async Task XReadGroupBlock_OnADedicatedConnection_ReceivesNewEntries()
    {
        var stream = Key();
        await _connection.ExecuteAsync("XGROUP", ["CREATE", stream, "g", "0", "MKSTREAM"], Ct);
        await using var blocking = await Connect();
        var read = blocking.ExecuteAsync("XREADGROUP", ["GROUP", "g", "c", "COUNT", 10, "BLOCK", 5000, "STREAMS", stream, ">"], Ct);

        (await _connection.ExecuteAsync("PING", [], Ct)).Text.ShouldBe("PONG", "the shared connection is not blocked");
        await _connection.ExecuteAsync("XADD", [stream, "*", "data", "x"], Ct);

        var reply = await read;
        reply.Items[0].Items[1].Items[0].Items[1].Items.Select(i => i.AsString()).ShouldBe(["data", "x"]);
    }

    [Fact]
    public async Task Connect_ToAClosedPort_FailsWithAClearMessage()
    {
        var options = new RedisOptions { Port = FreePort.Next(), ConnectTimeout = TimeSpan.FromSeconds(1) };

        var error = await Should.ThrowAsync<RedisConnectionException>(() => RedisConnection.ConnectAsync(options, Ct));

        error.Message.ShouldContain($"127.0.0.1:{options.Port}");
    }

    [Theory]
    [InlineData("localhost:6380", "127.0.0.1", 6380)]
    [InlineData("redis", "redis", 6379)]
    [InlineData("[::1]:7000", "::1", 7000)]
    public void Options_ParseHostAndPort(string text, string host, int port)
    {
        var options = RedisOptions.Parse(text);

        options.Host.ShouldBe(host);
        options.Port.ShouldBe(port);
    }

    [Theory]
    [InlineData("")]
    [InlineData("host:notaport")]
    [InlineData("host:70000")]
    [InlineData("a:1,b:2")]
    public void Options_BadAddress_IsRejected(string text)
    {
        Should.Throw<ArgumentException>(() => RedisOptions.Parse(text));
    }

    private Task<RedisConnection> Connect(string? clientName = null) =>
        RedisConnection.ConnectAsync(new RedisOptions { Port = redis.Port, ClientName = clientName }, Ct);

    private static string Key() => "test:" + Guid.NewGuid().ToString("N");
}

public sealed class RedisSubscriberTests(RedisServer redis) : IClassFixture<RedisServer>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task SubscribeAndPSubscribe_ReceiveMessagesInOrder()
    {
        await using var publisher = await RedisConnection.ConnectAsync(new RedisOptions { Port = redis.Port }, Ct);
        await using var subscriber = await RedisSubscriber.ConnectAsync(new RedisOptions { Port = redis.Port }, Ct);
        var received = new ConcurrentQueue<string>();
        await subscriber.SubscribeAsync("news", m => Record(received, m), Ct);
        await subscriber.PSubscribeAsync("ev:*", m => Record(received, m), Ct);

        for (var i = 0; i < 50; i++)
        {
            await publisher.ExecuteAsync("PUBLISH", ["news", $"n{i}"], Ct);
        }

        await publisher.ExecuteAsync("PUBLISH", ["ev:1", "pattern"], Ct);

        await Eventually.TrueAsync(() => received.Count == 51);
        received.Take(50).ShouldBe(Enumerable.Range(0, 50).Select(i => $"news:n{i}"));
        received.Last().ShouldBe("ev:1(ev:*):pattern");
    }

    [Fact]
    public async Task AfterTheConnectionIsKilled_ItResubscribesAndSaysSo()
    {
        await using var admin = await RedisConnection.ConnectAsync(new RedisOptions { Port = redis.Port }, Ct);
        await using var subscriber = await RedisSubscriber.ConnectAsync(new RedisOptions { Port = redis.Port }, Ct);
        var received = new ConcurrentQueue<string>();
        var reconnected = 0;
        subscriber.Reconnected = () =>
        {
            Interlocked.Increment(ref reconnected);
            return Task.CompletedTask;
        };
        await subscriber.SubscribeAsync("alive", m => Record(received, m), Ct);

        await admin.ExecuteAsync("CLIENT", ["KILL", "TYPE", "pubsub"], Ct);
        await Eventually.TrueAsync(() => Volatile.Read(ref reconnected) == 1);
        await Eventually.ReturnsAsync(
            async () => (await admin.ExecuteAsync("PUBLISH", ["alive", "again"], Ct)).Number,
            subscribers => subscribers == 1,
            because: "the subscription is active again");

        await Eventually.TrueAsync(() => received.Contains("alive:again"));
    }

    [Fact]
    public async Task Reconnected_RunsOnlyOnceRedisConfirmedEverySubscription()
    {
        await using var admin = await RedisConnection.ConnectAsync(new RedisOptions { Port = redis.Port }, Ct);
        await using var subscriber = await RedisSubscriber.ConnectAsync(new RedisOptions { Port = redis.Port }, Ct);
        var received = new ConcurrentQueue<string>();
        var seenByCallback = new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously);
        var channels = Enumerable.Range(0, 500).Select(i => $"confirmed-{i}").ToList();
        foreach (var channel in channels)
        {
            await subscriber.SubscribeAsync(channel, m => Record(received, m), Ct);
        }

        // What a keyspace consumer does on reconnect: act at once, relying on the subscriptions being live.
        await using var probe = await RedisConnection.ConnectAsync(new RedisOptions { Port = redis.Port }, Ct);
        subscriber.Reconnected = async () =>
            seenByCallback.TrySetResult((await probe.ExecuteAsync("PUBLISH", [channels[^1], "at-reconnect"], CancellationToken.None)).Number);

        await admin.ExecuteAsync("CLIENT", ["KILL", "TYPE", "pubsub"], Ct);

        (await seenByCallback.Task.WaitAsync(TimeSpan.FromSeconds(10), Ct)).ShouldBe(1, "the last channel was subscribed again before Reconnected ran");
        await Eventually.TrueAsync(() => received.Contains($"{channels[^1]}:at-reconnect"));
    }

    private static Task Record(ConcurrentQueue<string> received, RedisPubSubMessage message)
    {
        received.Enqueue(message.Pattern is null
            ? $"{message.Channel}:{Encoding.UTF8.GetString(message.Payload)}"
            : $"{message.Channel}({message.Pattern}):{Encoding.UTF8.GetString(message.Payload)}");
        return Task.CompletedTask;
    }
}

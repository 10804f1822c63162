using System.Text;
using BioDapr.Recycling.DeadLetters;
using BioDapr.Redis;
using BioDapr.Testing;
using Microsoft.Extensions.Time.Testing;

namespace BioDapr.Recycling.Tests;

/// <summary>
/// The dead letters on a real redis-server, written as the sidecars write them (daprd's layout: the whole CloudEvent in
/// <c>data</c>, the publish metadata in <c>metadata</c>): listed with their original topic, replayed to it exactly once
/// (also when two operators replay at once), kept for the retention and trimmed after it.
/// </summary>
public sealed class DeadLetterArchiveTests(RedisServer redis) : IClassFixture<RedisServer>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task List_ShowsEachDeadLetterWithItsOriginalTopicTypeAndEventId()
    {
        await using var raw = await Raw();
        var (stream, _) = Names();
        var id = await DeadLetterAsync(raw, stream, Envelope("orders", "e-1", "orders.placed"));

        var letters = await new DeadLetterArchive(raw, TimeProvider.System, stream).ListAsync(10, Ct);

        var letter = letters.ShouldHaveSingleItem();
        letter.EntryId.ShouldBe(id);
        letter.OriginalTopic.ShouldBe("orders");
        letter.EventId.ShouldBe("e-1");
        letter.Type.ShouldBe("orders.placed");
        letter.Source.ShouldBe("orders");
        letter.DeadLetteredAt.ShouldBeInRange(DateTimeOffset.UtcNow.AddMinutes(-1), DateTimeOffset.UtcNow.AddMinutes(1));
    }

    [Fact]
    public async Task Replay_PublishesTheSameEntryToItsTopicOnce_AndASecondReplayFindsNothing()
    {
        await using var raw = await Raw();
        var (stream, topic) = Names();
        var envelope = Envelope(topic, "e-2", "payments.captured");
        var id = await DeadLetterAsync(raw, stream, envelope);
        var deadLetters = new DeadLetterArchive(raw, TimeProvider.System, stream);

        (await deadLetters.ReplayAsync(id, null, Ct)).ShouldBe(ReplayOutcome.Replayed);
        (await deadLetters.ReplayAsync(id, null, Ct)).ShouldBe(ReplayOutcome.NotFound);

        var published = await raw.ExecuteAsync("XRANGE", [topic, "-", "+"], Ct);
        var fields = published.Items.ShouldHaveSingleItem().Items[1].Items;
        fields[0].AsString().ShouldBe("data");
        fields[1].AsString().ShouldBe(envelope, "the CloudEvent is replayed unchanged (same id: subscribers recognise a repeat)");
        fields[2].AsString().ShouldBe("metadata");
        (await raw.ExecuteAsync("XLEN", [stream], Ct)).AsInt64().ShouldBe(0);
    }

    [Fact]
    public async Task Replay_ByManyOperatorsAtOnce_PublishesExactlyOnce()
    {
        await using var raw = await Raw();
        var (stream, topic) = Names();
        var id = await DeadLetterAsync(raw, stream, Envelope(topic, "e-3", "orders.placed"));
        var connections = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Raw()));
        try
        {
            var outcomes = await Task.WhenAll(connections.Select(c => new DeadLetterArchive(c, TimeProvider.System, stream).ReplayAsync(id, null, Ct)));

            outcomes.Count(o => o == ReplayOutcome.Replayed).ShouldBe(1);
            outcomes.Count(o => o == ReplayOutcome.NotFound).ShouldBe(7);
            (await raw.ExecuteAsync("XLEN", [topic], Ct)).AsInt64().ShouldBe(1);
        }
        finally
        {
            foreach (var connection in connections)
            {
                await connection.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task Replay_RawPayloadWithoutTopic_NeedsOne_AndGoesWhereItIsTold()
    {
        await using var raw = await Raw();
        var (stream, topic) = Names();
        var id = await DeadLetterAsync(raw, stream, "not a cloud event");
        var deadLetters = new DeadLetterArchive(raw, TimeProvider.System, stream);

        (await deadLetters.ReplayAsync(id, null, Ct)).ShouldBe(ReplayOutcome.NoTopic);
        (await raw.ExecuteAsync("XLEN", [stream], Ct)).AsInt64().ShouldBe(1, "nothing is lost when the topic is unknown");
        (await deadLetters.ReplayAsync(id, topic, Ct)).ShouldBe(ReplayOutcome.Replayed);
        (await raw.ExecuteAsync("XLEN", [topic], Ct)).AsInt64().ShouldBe(1);
    }

    [Theory]
    [InlineData("")]
    [InlineData("latest")]
    [InlineData("1-2-3")]
    [InlineData("+")]
    public async Task Replay_WithSomethingThatIsNotAnEntryId_IsRefusedNamingIt(string id)
    {
        await using var raw = await Raw();
        var (stream, _) = Names();

        var error = await Should.ThrowAsync<ArgumentException>(() => new DeadLetterArchive(raw, TimeProvider.System, stream).ReplayAsync(id, null, Ct));

        error.Message.ShouldContain($"'{id}' is not a dead letter id");
    }

    [Fact]
    public async Task Replay_OfAnUnknownId_PublishesNothing()
    {
        await using var raw = await Raw();
        var (stream, topic) = Names();
        await DeadLetterAsync(raw, stream, Envelope(topic, "e-4", "orders.placed"));

        (await new DeadLetterArchive(raw, TimeProvider.System, stream).ReplayAsync("1-0", null, Ct)).ShouldBe(ReplayOutcome.NotFound);

        (await raw.ExecuteAsync("EXISTS", [topic], Ct)).AsInt64().ShouldBe(0);
    }

    [Fact]
    public async Task Trim_RemovesOnlyDeadLettersOlderThanTheRetention()
    {
        await using var raw = await Raw();
        var (stream, topic) = Names();
        var now = DateTimeOffset.UtcNow;
        var clock = new FakeTimeProvider(now);
        var old = now.AddDays(-8).ToUnixTimeMilliseconds();
        var recent = now.AddDays(-6).ToUnixTimeMilliseconds();
        await raw.ExecuteAsync("XADD", [stream, $"{old}-0", "data", Envelope(topic, "old", "t")], Ct);
        await raw.ExecuteAsync("XADD", [stream, $"{recent}-0", "data", Envelope(topic, "recent", "t")], Ct);
        var deadLetters = new DeadLetterArchive(raw, clock, stream);

        (await deadLetters.TrimAsync(TimeSpan.FromDays(7), Ct)).ShouldBe(1);
        (await deadLetters.ListAsync(10, Ct)).ShouldHaveSingleItem().EventId.ShouldBe("recent");

        clock.Advance(TimeSpan.FromDays(1.5));
        (await deadLetters.TrimAsync(TimeSpan.FromDays(7), Ct)).ShouldBe(1, "a day and a half later the other one is past the retention too");
        (await deadLetters.CountAsync(Ct)).ShouldBe(0);
    }

    private static (string Stream, string Topic) Names()
    {
        var unique = Guid.NewGuid().ToString("N")[..8];
        return ("deadletters-" + unique, "topic-" + unique);
    }

    private static string Envelope(string topic, string id, string type) =>
        $$$"""{"specversion":"1.0","id":"{{{id}}}","source":"orders","type":"{{{type}}}","topic":"{{{topic}}}","pubsubname":"pubsub","datacontenttype":"application/json","data":{"orderId":"o-1"}}""";

    // As a sidecar dead-letters an event: XADD <dead-letter topic> * data <the entry's data> metadata <json>.
    private static async Task<string> DeadLetterAsync(RedisConnection raw, string stream, string data) =>
        (await raw.ExecuteAsync("XADD", [stream, "*", "data", Encoding.UTF8.GetBytes(data), "metadata", "{}"u8.ToArray()], Ct)).AsString()!;

    private Task<RedisConnection> Raw() => RedisConnection.ConnectAsync(new RedisOptions { Port = redis.Port }, Ct);
}

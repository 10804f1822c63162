using System.Text;
using System.Text.RegularExpressions;
using BioDapr.Sidecar.Components.State;
using Microsoft.Extensions.Time.Testing;

namespace BioDapr.Sidecar.Tests.Components.State;

public sealed partial class InMemoryStateStoreTests : IAsyncDisposable
{
    private static readonly IReadOnlyDictionary<string, string> None = new Dictionary<string, string>();

    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
    private readonly InMemoryStateStore _store;

    public InMemoryStateStoreTests() => _store = new InMemoryStateStore(TestComponents.Metadata(InMemoryStateStore.ComponentType), _time, new Random(42));

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public ValueTask DisposeAsync() => _store.DisposeAsync();

    [GeneratedRegex("^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")]
    private static partial Regex UuidV4();

    private static StateSetRequest Set(
        string key, string json, string? etag = null, StateConcurrency concurrency = StateConcurrency.Unspecified, IReadOnlyDictionary<string, string>? metadata = null) =>
        new(key, Encoding.UTF8.GetBytes(json), etag, concurrency, StateConsistency.Unspecified, metadata ?? None);

    private static StateDeleteRequest Delete(string key, string? etag = null, StateConcurrency concurrency = StateConcurrency.Unspecified) =>
        new(key, etag, concurrency, StateConsistency.Unspecified, None);

    private static Dictionary<string, string> Ttl(string seconds) => new() { ["ttlInSeconds"] = seconds };

    private Task<StateItem?> GetAsync(string key) => _store.GetAsync(key, new StateGetOptions(StateConsistency.Unspecified, None), Ct);

    private async Task<string> ETagOf(string key) => (await GetAsync(key))!.ETag!;

    [Fact]
    public void Identity_FromMetadata_ReportsDaprFeatures()
    {
        _store.Type.ShouldBe("state.in-memory");
        _store.Features.ShouldBe(StateStoreFeatures.ETag | StateStoreFeatures.Transactional | StateStoreFeatures.Ttl | StateStoreFeatures.KeysLike);
        _store.Capabilities.ShouldBe(["ETAG", "TRANSACTIONAL", "TTL", "DELETE_WITH_PREFIX", "KEYS_LIKE"]);
    }

    [Fact]
    public async Task GetAsync_MissingKey_ReturnsNull()
    {
        (await GetAsync("app||nothing")).ShouldBeNull();
    }

    [Fact]
    public async Task SetAsync_ThenGet_ReturnsBytesAndUuidETagWithoutMetadata()
    {
        await _store.SetAsync(Set("app||k", """{"a":1}"""), Ct);

        var item = await GetAsync("app||k");

        item.ShouldNotBeNull();
        Encoding.UTF8.GetString(item.Data.Span).ShouldBe("""{"a":1}""");
        UuidV4().IsMatch(item.ETag!).ShouldBeTrue(item.ETag);
        item.Metadata.ShouldBeEmpty();
    }

    [Fact]
    public async Task SetAsync_EveryWrite_GetsANewETag()
    {
        await _store.SetAsync(Set("app||k", "1"), Ct);
        var first = await ETagOf("app||k");
        await _store.SetAsync(Set("app||k", "1"), Ct);

        (await ETagOf("app||k")).ShouldNotBe(first);
    }

    [Fact]
    public async Task SetAsync_SameSeed_GivesSameETags()
    {
        await using var other = new InMemoryStateStore(TestComponents.Metadata(InMemoryStateStore.ComponentType), _time, new Random(42));
        await _store.SetAsync(Set("k", "1"), Ct);
        await other.SetAsync(Set("k", "1"), Ct);

        (await other.GetAsync("k", new StateGetOptions(StateConsistency.Unspecified, None), Ct))!.ETag.ShouldBe(await ETagOf("k"));
    }

    [Fact]
    public async Task SetAsync_CallerReusesBuffer_StoredValueUnchanged()
    {
        var buffer = Encoding.UTF8.GetBytes("\"aaaa\"");
        await _store.SetAsync(new StateSetRequest("k", buffer, null, StateConcurrency.Unspecified, StateConsistency.Unspecified, None), Ct);
        buffer[1] = (byte)'z';

        Encoding.UTF8.GetString((await GetAsync("k"))!.Data.Span).ShouldBe("\"aaaa\"");
    }

    [Fact]
    public async Task SetAsync_MatchingETag_Writes()
    {
        await _store.SetAsync(Set("k", "1"), Ct);

        await _store.SetAsync(Set("k", "2", await ETagOf("k")), Ct);

        Encoding.UTF8.GetString((await GetAsync("k"))!.Data.Span).ShouldBe("2");
    }

    [Fact]
    public async Task SetAsync_WrongETag_ThrowsMismatchAndKeepsValue()
    {
        await _store.SetAsync(Set("k", "1"), Ct);

        var ex = await Should.ThrowAsync<StateETagMismatchException>(() => _store.SetAsync(Set("k", "2", "not-the-etag"), Ct));

        ex.Key.ShouldBe("k");
        Encoding.UTF8.GetString((await GetAsync("k"))!.Data.Span).ShouldBe("1");
    }

    [Fact]
    public async Task SetAsync_ETagForMissingKey_ThrowsMismatch()
    {
        await Should.ThrowAsync<StateETagMismatchException>(() => _store.SetAsync(Set("k", "1", "some-etag"), Ct));
        (await GetAsync("k")).ShouldBeNull();
    }

    [Fact]
    public async Task SetAsync_WrongETagInLastWriteMode_StillThrows()
    {
        await _store.SetAsync(Set("k", "1"), Ct);

        await Should.ThrowAsync<StateETagMismatchException>(() => _store.SetAsync(Set("k", "2", "stale", StateConcurrency.LastWrite), Ct));
    }

    [Fact]
    public async Task SetAsync_FirstWriteWithoutETag_FailsWhenKeyExists()
    {
        await _store.SetAsync(Set("k", "1", concurrency: StateConcurrency.FirstWrite), Ct);

        await Should.ThrowAsync<StateETagMismatchException>(() => _store.SetAsync(Set("k", "2", concurrency: StateConcurrency.FirstWrite), Ct));
    }

    [Fact]
    public async Task SetAsync_FirstWriteWithMatchingETag_Writes()
    {
        await _store.SetAsync(Set("k", "1"), Ct);

        await _store.SetAsync(Set("k", "2", await ETagOf("k"), StateConcurrency.FirstWrite), Ct);

        Encoding.UTF8.GetString((await GetAsync("k"))!.Data.Span).ShouldBe("2");
    }

    [Fact]
    public async Task SetAsync_EmptyETag_MeansNoETag()
    {
        await _store.SetAsync(Set("k", "1"), Ct);

        await _store.SetAsync(Set("k", "2", ""), Ct);

        Encoding.UTF8.GetString((await GetAsync("k"))!.Data.Span).ShouldBe("2");
    }

    [Fact]
    public async Task DeleteAsync_MissingKeyWithoutETag_Succeeds()
    {
        await _store.DeleteAsync(Delete("nothing"), Ct);

        _store.Count.ShouldBe(0);
    }

    [Fact]
    public async Task DeleteAsync_WrongETag_ThrowsAndKeepsKey()
    {
        await _store.SetAsync(Set("k", "1"), Ct);

        await Should.ThrowAsync<StateETagMismatchException>(() => _store.DeleteAsync(Delete("k", "stale"), Ct));

        (await GetAsync("k")).ShouldNotBeNull();
    }

    [Fact]
    public async Task DeleteAsync_MatchingETag_Removes()
    {
        await _store.SetAsync(Set("k", "1"), Ct);

        await _store.DeleteAsync(Delete("k", await ETagOf("k")), Ct);

        (await GetAsync("k")).ShouldBeNull();
    }

    [Fact]
    public async Task DeleteAsync_ETagForMissingKey_Throws()
    {
        await Should.ThrowAsync<StateETagMismatchException>(() => _store.DeleteAsync(Delete("k", "x"), Ct));
    }

    [Fact]
    public async Task DeleteAsync_FirstWriteWithoutETagOnExistingKey_Throws()
    {
        await _store.SetAsync(Set("k", "1"), Ct);

        await Should.ThrowAsync<StateETagMismatchException>(() => _store.DeleteAsync(Delete("k", concurrency: StateConcurrency.FirstWrite), Ct));
    }

    [Fact]
    public async Task SetAsync_Ttl_ReportsExpireTimeAndExpiresStrictlyAfterIt()
    {
        await _store.SetAsync(Set("k", "1", metadata: Ttl("10")), Ct);

        var item = await GetAsync("k");
        item!.Metadata["ttlExpireTime"].ShouldBe("2026-01-01T00:00:10Z");

        _time.Advance(TimeSpan.FromSeconds(10));
        (await GetAsync("k")).ShouldNotBeNull("a key expires only once the clock is past its expiry");

        _time.Advance(TimeSpan.FromTicks(1));
        (await GetAsync("k")).ShouldBeNull();
    }

    [Fact]
    public async Task Cleanup_ExpiredKeys_RemovedWithoutBeingRead()
    {
        await _store.SetAsync(Set("short", "1", metadata: Ttl("1")), Ct);
        await _store.SetAsync(Set("forever", "1"), Ct);
        _store.Count.ShouldBe(2);

        _time.Advance(TimeSpan.FromSeconds(3));

        _store.Count.ShouldBe(1);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("-5")]
    [InlineData("")]
    public async Task SetAsync_ZeroNegativeOrEmptyTtl_NeverExpires(string ttl)
    {
        await _store.SetAsync(Set("k", "1", metadata: Ttl(ttl)), Ct);

        _time.Advance(TimeSpan.FromHours(1));

        var item = await GetAsync("k");
        item.ShouldNotBeNull();
        item.Metadata.ShouldBeEmpty();
    }

    [Fact]
    public async Task SetAsync_OverwriteWithoutTtl_ClearsExpiry()
    {
        await _store.SetAsync(Set("k", "1", metadata: Ttl("1")), Ct);
        await _store.SetAsync(Set("k", "2"), Ct);

        _time.Advance(TimeSpan.FromSeconds(5));

        (await GetAsync("k")).ShouldNotBeNull();
    }

    [Fact]
    public async Task SetAsync_HugeTtl_DoesNotOverflow()
    {
        await _store.SetAsync(Set("k", "1", metadata: Ttl(long.MaxValue.ToString(System.Globalization.CultureInfo.InvariantCulture))), Ct);

        (await GetAsync("k")).ShouldNotBeNull();
    }

    [Theory]
    [InlineData("ten")]
    [InlineData("1.5")]
    [InlineData(" 5")]
    public async Task SetAsync_InvalidTtl_ThrowsNamingValueAndKey(string ttl)
    {
        var ex = await Should.ThrowAsync<ArgumentException>(() => _store.SetAsync(Set("app||k", "1", metadata: Ttl(ttl)), Ct));

        ex.Message.ShouldContain($"'{ttl}'");
        ex.Message.ShouldContain("app||k");
        (await GetAsync("app||k")).ShouldBeNull();
    }

    [Fact]
    public async Task SetAsync_ETagOfExpiredKey_Mismatches()
    {
        await _store.SetAsync(Set("k", "1", metadata: Ttl("1")), Ct);
        var etag = await ETagOf("k");
        _time.Advance(TimeSpan.FromMilliseconds(1500));

        await Should.ThrowAsync<StateETagMismatchException>(() => _store.SetAsync(Set("k", "2", etag), Ct));
    }

    [Fact]
    public async Task ExecuteTransactionAsync_UpsertsAndDeletes_AllApplied()
    {
        await _store.SetAsync(Set("gone", "1"), Ct);
        var etag = await ETagOf("gone");

        await _store.ExecuteTransactionAsync(
        [
            StateOperation.Upsert(Set("a", "1")),
            StateOperation.Upsert(Set("b", "2", metadata: Ttl("30"))),
            StateOperation.Remove(Delete("gone", etag)),
        ], None, Ct);

        (await GetAsync("a")).ShouldNotBeNull();
        (await GetAsync("b"))!.Metadata.Keys.ShouldContain("ttlExpireTime");
        (await GetAsync("gone")).ShouldBeNull();
    }

    [Fact]
    public async Task ExecuteTransactionAsync_OneETagMismatch_AppliesNothing()
    {
        await _store.SetAsync(Set("existing", "old"), Ct);

        await Should.ThrowAsync<StateETagMismatchException>(() => _store.ExecuteTransactionAsync(
        [
            StateOperation.Upsert(Set("new", "1")),
            StateOperation.Upsert(Set("existing", "changed")),
            StateOperation.Remove(Delete("existing", "stale-etag")),
        ], None, Ct));

        (await GetAsync("new")).ShouldBeNull();
        Encoding.UTF8.GetString((await GetAsync("existing"))!.Data.Span).ShouldBe("old");
    }

    [Fact]
    public async Task ExecuteTransactionAsync_ETagsCheckedAgainstStateBeforeTheTransaction()
    {
        // Both first-write upserts see the key as absent, as Dapr validates every operation before applying any.
        await _store.ExecuteTransactionAsync(
        [
            StateOperation.Upsert(Set("k", "1", concurrency: StateConcurrency.FirstWrite)),
            StateOperation.Upsert(Set("k", "2", concurrency: StateConcurrency.FirstWrite)),
        ], None, Ct);

        Encoding.UTF8.GetString((await GetAsync("k"))!.Data.Span).ShouldBe("2");
    }

    [Fact]
    public async Task ExecuteTransactionAsync_InvalidTtl_AppliesNothing()
    {
        await Should.ThrowAsync<ArgumentException>(() => _store.ExecuteTransactionAsync(
        [
            StateOperation.Upsert(Set("a", "1")),
            StateOperation.Upsert(Set("b", "1", metadata: Ttl("soon"))),
        ], None, Ct));

        (await GetAsync("a")).ShouldBeNull();
    }

    [Fact]
    public async Task ExecuteTransactionAsync_OperationWithNeitherKind_Throws()
    {
        await Should.ThrowAsync<ArgumentException>(() => _store.ExecuteTransactionAsync([new StateOperation(null, null)], None, Ct));
    }

    [Fact]
    public async Task ExecuteTransactionAsync_Empty_DoesNothing()
    {
        await _store.ExecuteTransactionAsync([], None, Ct);

        _store.Count.ShouldBe(0);
    }

    [Fact]
    public async Task DisposeAsync_Store_ClearsAndRejectsUse()
    {
        await _store.SetAsync(Set("k", "1"), Ct);

        await _store.DisposeAsync();

        _store.Count.ShouldBe(0);
        await Should.ThrowAsync<ObjectDisposedException>(() => GetAsync("k"));
        await Should.ThrowAsync<ObjectDisposedException>(() => _store.SetAsync(Set("k", "1"), Ct));
    }
}

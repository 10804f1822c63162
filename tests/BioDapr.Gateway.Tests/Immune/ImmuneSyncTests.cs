using BioDapr.Gateway.Hormones;
using BioDapr.Gateway.Immune;
using Microsoft.Extensions.Logging.Abstractions;

namespace BioDapr.Gateway.Tests.Immune;

public sealed class ImmuneSyncTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task ARestartedGateway_KeepsItsQuarantinesAndMemory()
    {
        var store = new InMemoryImmuneStore();
        var before = new ImmuneHarness();
        before.NormalDay();
        ImmuneSystemTests.Run(before, ImmuneSystemTests.Attack.CredentialStuffing, "9").ShouldNotBeNull();
        (await Sync(before.Immune, store)).ShouldBeTrue();

        var after = new ImmuneHarness();
        after.Clock.SetUtcNow(before.Clock.GetUtcNow());
        (await Sync(after.Immune, store)).ShouldBeTrue();

        after.Immune.Find(null, "198.51.100.9").ShouldNotBeNull();
        after.Immune.Quarantines.ShouldHaveSingleItem().Target.ShouldBe("address:198.51.100.9");
        after.Immune.Signatures.ShouldHaveSingleItem().Feature.ShouldBe(AnomalyFeature.FailedAuthentication);
        var (ledger, _) = await store.LoadAsync(Ct);
        ledger.Audit.Select(a => a.Action).ShouldContain("quarantined");
    }

    [Fact]
    public async Task AReleaseWrittenToTheStore_IsAdoptedAtTheNextSync()
    {
        var store = new InMemoryImmuneStore();
        var harness = new ImmuneHarness();
        harness.NormalDay();
        ImmuneSystemTests.Run(harness, ImmuneSystemTests.Attack.Scraping, "9").ShouldNotBeNull();
        await Sync(harness.Immune, store);

        // An operator (./biodapr immune release) edits the stored ledger, not this gateway.
        var (ledger, etag) = await store.LoadAsync(Ct);
        ledger.Quarantines.Remove("client:scraper").ShouldBeTrue();
        (await store.TrySaveAsync(ledger, etag, Ct)).ShouldBeTrue();
        harness.Immune.Find("scraper", "203.0.113.9").ShouldNotBeNull();

        await Sync(harness.Immune, store);

        harness.Immune.Find("scraper", "203.0.113.9").ShouldBeNull();
        harness.Immune.Admit("scraper", "203.0.113.9").Admitted.ShouldBeTrue();
    }

    [Fact]
    public async Task AConflictingWriter_DoesNotLoseADecision()
    {
        var store = new ContendedStore(conflicts: 2);
        var harness = new ImmuneHarness();
        harness.NormalDay();
        ImmuneSystemTests.Run(harness, ImmuneSystemTests.Attack.PayloadBomb, "9").ShouldNotBeNull();

        (await Sync(harness.Immune, store)).ShouldBeTrue();

        var (ledger, _) = await store.LoadAsync(Ct);
        ledger.Quarantines.Keys.ShouldBe(["client:bomber"]);
        harness.Immune.PendingChanges.ShouldBe(0);
    }

    [Fact]
    public async Task AStoreThatFails_KeepsTheDecisionsForTheNextRound()
    {
        var store = new ContendedStore(conflicts: 0) { Failing = true };
        var harness = new ImmuneHarness();
        harness.NormalDay();
        ImmuneSystemTests.Run(harness, ImmuneSystemTests.Attack.PayloadBomb, "9").ShouldNotBeNull();
        var pending = harness.Immune.PendingChanges;

        await Should.ThrowAsync<IOException>(() => Sync(harness.Immune, store));
        harness.Immune.PendingChanges.ShouldBe(pending);
        harness.Immune.Find("bomber", "192.0.2.9").ShouldNotBeNull();
        store.Failing = false;
        (await Sync(harness.Immune, store)).ShouldBeTrue();

        harness.Immune.PendingChanges.ShouldBe(0);
        (await store.LoadAsync(Ct)).Ledger.Quarantines.Keys.ShouldBe(["client:bomber"]);
    }

    private static Task<bool> Sync(ImmuneSystem immune, IImmuneStore store) =>
        new ImmuneSync(immune, store, new FixedHormones<ImmuneHormones>(new ImmuneHormones { Enabled = true }), TimeProvider.System, NullLogger<ImmuneSync>.Instance).SyncAsync(Ct);

    // Another writer gets in first the given number of times; or every call fails.
    private sealed class ContendedStore(int conflicts) : IImmuneStore
    {
        private readonly InMemoryImmuneStore _inner = new();
        private int _conflicts = conflicts;

        public bool Failing { get; set; }

        public Task<(ImmuneLedger Ledger, string? ETag)> LoadAsync(CancellationToken cancellationToken) =>
            Failing ? throw new IOException("state store down") : _inner.LoadAsync(cancellationToken);

        public async Task<bool> TrySaveAsync(ImmuneLedger ledger, string? etag, CancellationToken cancellationToken)
        {
            if (_conflicts-- > 0)
            {
                var (theirs, theirETag) = await _inner.LoadAsync(cancellationToken);
                theirs.Audit.Add(new ImmuneAuditEntry(DateTimeOffset.UnixEpoch, "released", "client:other", "test", "operator:other"));
                await _inner.TrySaveAsync(theirs, theirETag, cancellationToken);
            }

            return await _inner.TrySaveAsync(ledger, etag, cancellationToken);
        }
    }
}

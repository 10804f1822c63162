using System.ComponentModel.DataAnnotations;
using BioDapr.Gateway.Hormones;
using BioDapr.Gateway.Immune;

namespace BioDapr.Gateway.Tests.Immune;

public sealed class ImmuneSystemTests
{
    public enum Attack
    {
        CredentialStuffing,
        Scraping,
        PayloadBomb,
        SlowDrip,
        CompromisedKey,
    }

    private static readonly TimeSpan Within = TimeSpan.FromSeconds(10);

    [Fact]
    public void LegitimateDailyVariation_IsNotFlagged()
    {
        var harness = new ImmuneHarness();
        harness.NormalDay();

        var affected = harness.NormalDay() + harness.NormalDay(minutes: 4);

        affected.ShouldBe(0);
        harness.Immune.Quarantines.ShouldBeEmpty();
        Audit(harness).ShouldBeEmpty();
    }

    [Fact]
    public void ALegitimateClientMovingToANewAddress_IsNotFlagged()
    {
        var harness = new ImmuneHarness();
        harness.NormalDay();
        var start = harness.Clock.GetUtcNow();

        var held = 0;
        for (var i = 0; i < 120; i++)
        {
            harness.Advance(start.AddSeconds(i));
            held += harness.Send("bravo", "10.9.9.9", i % 3 == 0 ? RequestKind.ReadOrder : RequestKind.PlaceOrder, 202, 200) ? 0 : 1;
        }

        held.ShouldBe(0);
        harness.Immune.Quarantines.ShouldBeEmpty();
    }

    [Theory]
    [InlineData(Attack.CredentialStuffing, "address:198.51.100.9")]
    [InlineData(Attack.Scraping, "client:scraper")]
    [InlineData(Attack.PayloadBomb, "client:bomber")]
    [InlineData(Attack.SlowDrip, "client:dripper")]
    [InlineData(Attack.CompromisedKey, "client:charlie@172.16.0.9")]
    public void EachAttack_IsQuarantinedWithinTenSeconds_AndReleasedByTheOperator(Attack attack, string target)
    {
        var harness = new ImmuneHarness();
        harness.NormalDay();

        var took = Run(harness, attack, "9");

        took.ShouldNotBeNull($"{attack} was not quarantined within {Within}");
        took.Value.ShouldBeLessThanOrEqualTo(Within);
        harness.Immune.Quarantines.Select(q => q.Target).ShouldBe([target]);
        harness.Immune.Admit("charlie", ImmuneHarness.AddressOf("charlie")).Quarantine.ShouldBeNull();

        harness.Immune.Release(target, "operator:test").ShouldBeTrue();

        harness.Immune.Quarantines.ShouldBeEmpty();
        harness.Immune.Release(target, "operator:test").ShouldBeFalse();
        var audit = Audit(harness);
        audit.Select(a => a.Action).ShouldBe([audit[0].Action, "released"]);
        audit[0].Action.ShouldBeOneOf("quarantined", "refused");
        audit[0].Target.ShouldBe(target);
        audit[0].Reason.ShouldNotBeNullOrWhiteSpace();
        audit[1].By.ShouldBe("operator:test");
    }

    [Theory]
    [InlineData(Attack.PayloadBomb)]
    [InlineData(Attack.SlowDrip)]
    [InlineData(Attack.CompromisedKey)]
    [InlineData(Attack.Scraping)]
    public void TheSameAttackerReturning_IsQuarantinedFaster(Attack attack)
    {
        var harness = new ImmuneHarness();
        harness.NormalDay();
        var first = Run(harness, attack, "9");
        // The dripper's held requests end (released while they are still open, it would be caught again at once).
        harness.CloseAll(202);
        foreach (var quarantine in harness.Immune.Quarantines)
        {
            harness.Immune.Release(quarantine.Target, "operator:test");
        }

        harness.Normal(TimeSpan.FromMinutes(20));
        var second = Run(harness, attack, "77");

        first.ShouldNotBeNull();
        second.ShouldNotBeNull();
        second.Value.ShouldBeLessThan(first.Value);
        harness.Immune.Quarantines.ShouldHaveSingleItem().Remembered.ShouldBeTrue();
        harness.Immune.Signatures.ShouldHaveSingleItem().Encounters.ShouldBe(2);
    }

    [Fact]
    public void AThrottledCallerThatGoesOn_IsRefused_AndTheQuarantineExpires()
    {
        var harness = new ImmuneHarness();
        harness.NormalDay();
        const string Address = "198.51.100.44";
        var start = harness.Clock.GetUtcNow();

        // One guess a second: enough to be throttled, not refused at once.
        for (var i = 0; i < 8; i++)
        {
            harness.Advance(start.AddSeconds(i));
            harness.Send(null, Address, RequestKind.PlaceOrder, 401, 150);
        }

        var quarantine = harness.Immune.Find(null, Address);
        quarantine.ShouldNotBeNull();
        quarantine.Stage.ShouldBe(QuarantineStage.Refused);
        harness.Immune.Admit(null, Address).Admitted.ShouldBeFalse();
        harness.Advance(quarantine.ExpiresAt.AddSeconds(1));

        harness.Immune.Admit(null, Address).Admitted.ShouldBeTrue();
        Audit(harness).Select(a => a.Action).ShouldBe(["quarantined", "refused", "expired"]);
    }

    [Fact]
    public void AThrottledCaller_IsAdmittedAtTheThrottledRateOnly()
    {
        var harness = new ImmuneHarness();
        harness.NormalDay();
        const string Address = "198.51.100.45";
        var start = harness.Clock.GetUtcNow();
        for (var i = 0; harness.Immune.Find(null, Address) is null; i++)
        {
            harness.Advance(start.AddSeconds(i));
            harness.Send(null, Address, RequestKind.PlaceOrder, 401, 150);
        }

        var admitted = Enumerable.Range(0, 5).Count(_ => harness.Immune.Admit(null, Address).Admitted);
        var refused = harness.Immune.Admit(null, Address);

        harness.Immune.Find(null, Address)!.Stage.ShouldBe(QuarantineStage.Throttled);
        admitted.ShouldBe(1);
        refused.RetryAfter.ShouldBeGreaterThan(TimeSpan.Zero);
    }

    [Fact]
    public void AYoungClientsFirstBurst_IsNotQuarantinedForItsRateAlone_ButItsErrorsStillAre()
    {
        // A fresh organism (nothing learned): a new integration's first batch of orders, as the end-to-end suite's load
        // phases send them, against a prober of the same age sending the same rate of 404s.
        var harness = new ImmuneHarness();
        var start = harness.Clock.GetUtcNow();
        var held = 0;
        for (var i = 0; i < 60; i++)
        {
            harness.Advance(start.AddMilliseconds(i * 150));
            held += harness.Send("batch", "10.5.5.5", RequestKind.PlaceOrder, 201, 200) ? 0 : 1;
        }

        var proberHeld = 0;
        for (var i = 0; i < 60; i++)
        {
            harness.Advance(start.AddSeconds(10).AddMilliseconds(i * 150));
            proberHeld += harness.Send("prober", "10.6.6.6", RequestKind.ReadOrder, 404, 0) ? 0 : 1;
        }

        held.ShouldBe(0);
        harness.Immune.Quarantines.Select(q => q.Target).ShouldNotContain("client:batch");
        proberHeld.ShouldBeGreaterThan(0);
        harness.Immune.Quarantines.Select(q => q.Target).ShouldContain("client:prober");
    }

    [Fact]
    public void AMatureClientsBurst_FromAnAddressItIsKnownAt_IsNotQuarantined_FromANewAddressItIs()
    {
        // A client learned over a day (1 request/s at most ~1.7) sends ten times that from its own address for 30 s:
        // volume within its rate limit is not an attack (the end-to-end suite's shop client was quarantined for it while
        // it replayed a scenario). The same burst with its key from an address it was never seen at is a stolen key.
        var harness = new ImmuneHarness();
        harness.NormalDay();
        var start = harness.Clock.GetUtcNow().AddHours(12);
        var held = 0;
        for (var i = 0; i < 300; i++)
        {
            harness.Advance(start.AddMilliseconds(i * 100));
            held += harness.Send("bravo", ImmuneHarness.AddressOf("bravo"), RequestKind.PlaceOrder, 201, 200) ? 0 : 1;
        }

        held.ShouldBe(0);
        harness.Immune.Quarantines.ShouldBeEmpty();

        var stolen = 0;
        for (var i = 0; i < 100; i++)
        {
            harness.Advance(start.AddSeconds(40).AddMilliseconds(i * 100));
            stolen += harness.Send("bravo", "172.16.5.5", RequestKind.PlaceOrder, 201, 200) ? 0 : 1;
        }

        stolen.ShouldBeGreaterThan(0);
        harness.Immune.Quarantines.Select(q => q.Target).ShouldBe(["client:bravo@172.16.5.5"]);
    }

    [Fact]
    public void AMatureClientPollingItsOrders_FromAnAddressItIsKnownAt_IsNotQuarantined_FromANewAddressItIs()
    {
        // A shop that only ever placed orders (10 minutes at 1/s) polls its orders' status at the same rate, as clients
        // do while payments is down: reads of its own orders are not an attack (the end-to-end suite's shop client was
        // quarantined for it, endpoint mix score 6.4). The same polling with its key from an address it was never seen
        // at is a stolen key.
        var harness = new ImmuneHarness();
        var start = harness.Clock.GetUtcNow();
        const string shop = "10.8.8.8";
        for (var i = 0; i < 600; i++)
        {
            harness.Advance(start.AddSeconds(i));
            harness.Send("shop", shop, RequestKind.PlaceOrder, 201, 200).ShouldBeTrue();
        }

        var held = 0;
        for (var i = 0; i < 60; i++)
        {
            harness.Advance(start.AddSeconds(600 + i));
            held += harness.Send("shop", shop, RequestKind.ReadOrder, 200, 0) ? 0 : 1;
        }

        held.ShouldBe(0);
        harness.Immune.Quarantines.ShouldBeEmpty();

        var stolen = 0;
        for (var i = 0; i < 60; i++)
        {
            harness.Advance(start.AddSeconds(700 + i));
            stolen += harness.Send("shop", "172.16.6.6", RequestKind.ReadOrder, 200, 0) ? 0 : 1;
        }

        stolen.ShouldBeGreaterThan(0);
        harness.Immune.Quarantines.Select(q => q.Target).ShouldBe(["client:shop@172.16.6.6"]);
    }

    [Fact]
    public void OrdersRefusingAMatureClientsPlacements_IsNotItsMistake_ButTheSameRefusalsFromTheGatewayAre()
    {
        // A shop that placed orders without a mistake for 10 minutes gets 409 "Out of stock" for 10 s (orders' decision
        // on well-formed placements: the end-to-end suite's shop client was quarantined for it while it replayed a
        // scenario). The same statuses as the gateway's own verdict on the requests (malformed bodies) are its mistake.
        var (harness, start) = MatureShopAndFuzzer();
        var held = 0;
        var fuzzerHeld = 0;
        for (var i = 0; i < 20; i++)
        {
            harness.Advance(start.AddSeconds(600).AddMilliseconds(i * 500));
            held += harness.Send("shop", "10.8.8.8", RequestKind.PlaceOrder, 409, 200, domainAnswer: true) ? 0 : 1;
            fuzzerHeld += harness.Send("fuzzer", "10.9.9.8", RequestKind.PlaceOrder, 400, 200) ? 0 : 1;
        }

        held.ShouldBe(0);
        fuzzerHeld.ShouldBeGreaterThan(0);
        harness.Immune.Quarantines.Select(q => q.Target).ShouldBe(["client:fuzzer"]);
        // The audit names what the client got, so an operator can tell a fuzzer from a client with a bug.
        harness.Immune.Quarantines.Single().Reason.ShouldContain("; last: POST /api/orders 400 ×");
    }

    [Fact]
    public void RequestsTheirClientAbandoned_AreNotItsMistakes_ButTheSameAnswersToAClientThatWaitedAre()
    {
        // coldstart9: a young organism under load answered its only client after the client's 1 s deadline; the requests
        // the client had given up ended 400 (the body cut short when it closed the connection), and the client was
        // quarantined for "client errors above its normal; last: POST /api/orders 400 ×8".
        var (harness, start) = MatureShopAndFuzzer();
        var held = 0;
        var fuzzerHeld = 0;
        for (var i = 0; i < 20; i++)
        {
            harness.Advance(start.AddSeconds(600).AddMilliseconds(i * 500));
            held += harness.Send("shop", "10.8.8.8", RequestKind.PlaceOrder, 400, 200, abandoned: true) ? 0 : 1;
            fuzzerHeld += harness.Send("fuzzer", "10.9.9.8", RequestKind.PlaceOrder, 400, 200) ? 0 : 1;
        }

        held.ShouldBe(0);
        fuzzerHeld.ShouldBeGreaterThan(0);
        harness.Immune.Quarantines.Select(q => q.Target).ShouldBe(["client:fuzzer"]);
    }

    // Two clients ("shop" at 10.8.8.8, "fuzzer" at 10.9.9.8) that placed orders without a mistake for 10 minutes.
    private static (ImmuneHarness Harness, DateTimeOffset Start) MatureShopAndFuzzer()
    {
        var harness = new ImmuneHarness();
        var start = harness.Clock.GetUtcNow();
        for (var i = 0; i < 600; i++)
        {
            harness.Advance(start.AddSeconds(i));
            harness.Send("shop", "10.8.8.8", RequestKind.PlaceOrder, 201, 200).ShouldBeTrue();
            harness.Send("fuzzer", "10.9.9.8", RequestKind.PlaceOrder, 201, 200).ShouldBeTrue();
        }

        return (harness, start);
    }

    [Fact]
    public void WhileOff_NothingIsScoredOrQuarantined()
    {
        var harness = new ImmuneHarness(hormones: new ImmuneHormones { Enabled = false });
        harness.NormalDay();

        var took = Run(harness, Attack.Scraping, "9");

        took.ShouldBeNull();
        harness.Immune.Quarantines.ShouldBeEmpty();
    }

    [Fact]
    public void RequestsReceivedWhole_ButAnsweredSlowly_AreNotASlowDrip()
    {
        // An overloaded organism answers slowly: the client sent its requests whole, the time is the organism's.
        var harness = new ImmuneHarness();
        harness.NormalDay();
        var address = ImmuneHarness.AddressOf("alpha");
        var started = Enumerable.Range(0, 8).Select(_ => harness.Immune.Begin("alpha", address)).ToArray();
        foreach (var at in started)
        {
            harness.Immune.Received("alpha", address, at);
        }

        harness.Advance(harness.Clock.GetUtcNow().AddSeconds(30));

        harness.Immune.Find("alpha", address).ShouldBeNull();
        harness.Immune.Quarantines.ShouldBeEmpty();
    }

    [Fact]
    public void AKeyMisbehavingFromAnAddressItWasNeverLearnedAt_IsQuarantinedThereOnly()
    {
        // Even while the client is too young for a new address to count as evidence, the key keeps working where it was learned.
        var harness = new ImmuneHarness();
        var start = harness.Clock.GetUtcNow();
        harness.Normal(TimeSpan.FromMinutes(1));
        var stolen = "172.16.9.9";

        var took = harness.Until(() => harness.Immune.Find("charlie", stolen) is not null, () => harness.Send("charlie", stolen, RequestKind.ReadOrder, 404, 0), TimeSpan.FromMilliseconds(300), TimeSpan.FromSeconds(30));

        took.ShouldNotBeNull();
        harness.Immune.Quarantines.ShouldHaveSingleItem().Target.ShouldBe("client:charlie@" + stolen);
        harness.Immune.Find("charlie", ImmuneHarness.AddressOf("charlie")).ShouldBeNull();
        (harness.Clock.GetUtcNow() - start).ShouldBeLessThan(TimeSpan.FromMinutes(2));
    }

    [Fact]
    public void AFloodOfAddresses_IsForgotten()
    {
        var harness = new ImmuneHarness();
        var start = harness.Clock.GetUtcNow();
        for (var i = 0; i < 20_000; i++)
        {
            harness.Clock.SetUtcNow(start.AddMilliseconds(i * 100));
            harness.Immune.Detector.Observe(new RequestObservation(null, $"fd00::{i:x}", RequestKind.PlaceOrder, 401, 100));
        }

        harness.Immune.Detector.Callers.ShouldBeLessThan(10_000);
    }

    [Fact]
    public void ARefuseScoreBelowTheThreshold_IsRejected()
    {
        var wrong = new ImmuneHormones { ScoreThreshold = 8, RefuseScore = 4 };
        var results = new List<ValidationResult>();

        Validator.TryValidateObject(wrong, new ValidationContext(wrong), results, validateAllProperties: true).ShouldBeFalse();
        results.ShouldHaveSingleItem().ErrorMessage.ShouldNotBeNull().ShouldContain("refuseScore");
        var right = new ImmuneHormones();
        Validator.TryValidateObject(right, new ValidationContext(right), [], validateAllProperties: true).ShouldBeTrue();
    }

    [Theory]
    [InlineData("203.0.113.77", "203.0.113.0/24")]
    [InlineData("::ffff:203.0.113.77", "203.0.113.0/24")]
    [InlineData("2001:db8:1:2:3:4:5:6", "2001:db8:1:2::/64")]
    [InlineData("unknown", "unknown")]
    public void AnAddressNetwork_IsItsSlash24OrSlash64(string address, string network) =>
        AddressNetwork.Of(address).ShouldBe(network);

    internal static List<ImmuneAuditEntry> Audit(ImmuneHarness harness)
    {
        var ledger = new ImmuneLedger();
        ImmuneSystem.Apply(ledger, harness.Immune.TakePending());
        return ledger.Audit;
    }

    // Each attacker's network is fixed; host picks the address inside it (a returning attacker has another host).
    internal static TimeSpan? Run(ImmuneHarness harness, Attack attack, string host)
    {
        var immune = harness.Immune;
        var tick = 0;
        switch (attack)
        {
            case Attack.CredentialStuffing:
                return harness.Until(() => immune.Find(null, "198.51.100." + host) is not null, () => harness.Send(null, "198.51.100." + host, RequestKind.PlaceOrder, 401, 150), TimeSpan.FromMilliseconds(500), Within * 2);
            case Attack.Scraping:
                return harness.Until(() => immune.Find("scraper", "203.0.113." + host) is not null, () => harness.Send("scraper", "203.0.113." + host, RequestKind.ReadOrder, tick++ % 10 == 0 ? 200 : 404, 0), TimeSpan.FromMilliseconds(100), Within * 2);
            case Attack.PayloadBomb:
                return harness.Until(() => immune.Find("bomber", "192.0.2." + host) is not null, () => harness.Send("bomber", "192.0.2." + host, RequestKind.PlaceOrder, 413, 300_000), TimeSpan.FromSeconds(1), Within * 2);
            case Attack.SlowDrip:
                return harness.Until(
                    () => immune.Find("dripper", "100.64.0." + host) is not null,
                    () =>
                    {
                        if (tick++ == 0)
                        {
                            for (var c = 0; c < 6; c++)
                            {
                                harness.Open("dripper", "100.64.0." + host);
                            }
                        }
                    },
                    TimeSpan.FromSeconds(1),
                    Within * 2);
            default:
                return harness.Until(() => immune.Find("charlie", "172.16.0." + host) is not null, () => harness.Send("charlie", "172.16.0." + host, RequestKind.ReadOrder, tick++ % 2 == 0 ? 404 : 200, 0), TimeSpan.FromMilliseconds(500), Within * 2);
        }
    }
}

using BioDapr.Gateway.Immune;

namespace BioDapr.Gateway.Tests.Immune;

/// <summary>
/// A key used from an address its client was never learned at is either its client moving (same pattern, its usual
/// mistakes) or a thief (a pattern of its own: reads of orders that are not its victim's, many 404s). The bench's misses
/// (docs/benchmarks.md, immune8): a mature client that moved was quarantined for one fluctuating feature doubled (three of
/// its own mistakes close together on seeds 8 and 12, a run of reads on seeds 9 and 15), and the stolen-key memory then
/// convicted its next addresses in the same /24. Under those rules each case here scores above the threshold (the
/// scores in the comments are worked out by hand from the old rules, not run against the old code).
/// </summary>
public sealed class MoverAndStolenKeyTests
{
    private static readonly TimeSpan Within = TimeSpan.FromSeconds(10);

    [Fact]
    public void AMatureClientThatMoved_WithThreeOfItsMistakesCloseTogether_IsNotQuarantined_AndTheAddressBecomesItsOwn()
    {
        // charlie (learned over a day, ~2 requests/s at this hour, a third reads) moves and keeps its pattern; three of its
        // mistakes (malformed placements) come within ~2 s (an error score of ~3.5: doubled, as before, ~7 and quarantined).
        var harness = new ImmuneHarness();
        harness.NormalDay();
        const string Moved = "10.2.9.160";

        var (held, verdict) = Move(harness, "charlie", Moved, i => i is 4 or 5 or 7 ? 400 : i % 3 == 0 ? 200 : 202);

        held.ShouldBe(0);
        harness.Immune.Quarantines.ShouldBeEmpty();
        verdict.NewAddress.ShouldBeFalse();
        verdict.Target.ShouldBe("client:charlie");
    }

    [Fact]
    public void AMatureClientThatMoved_PollingItsOrdersFirst_IsNotQuarantined()
    {
        // After the move charlie first reads its orders ten times (all found), then goes on as usual: a read-mix score of
        // ~3.4 at an address it never used (doubled, as before, ~6.9 and quarantined).
        var harness = new ImmuneHarness();
        harness.NormalDay();

        var (held, _) = Move(harness, "charlie", "10.2.9.75", i => i < 10 || i % 3 == 0 ? 200 : 202, read: i => i < 10 || i % 3 == 0);

        held.ShouldBe(0);
        harness.Immune.Quarantines.ShouldBeEmpty();
    }

    [Fact]
    public void AStolenKeyReadingSlowly_FromANewAddress_IsQuarantinedThere_WithinTenSeconds_TheClientKeepsWorking()
    {
        // A thief with charlie's key reads others' orders at one a second, half of them 404: its reads (mix), its 404s
        // (errors), neither enough alone, add up.
        var harness = new ImmuneHarness();
        harness.NormalDay();
        const string Stolen = "172.16.3.3";
        var tick = 0;

        var took = harness.Until(
            () => harness.Immune.Find("charlie", Stolen) is not null,
            () => harness.Send("charlie", Stolen, RequestKind.ReadOrder, tick++ % 2 == 0 ? 404 : 200, 0),
            TimeSpan.FromSeconds(1),
            Within * 3);

        took.ShouldNotBeNull();
        took.Value.ShouldBeLessThanOrEqualTo(Within);
        var quarantine = harness.Immune.Quarantines.ShouldHaveSingleItem();
        quarantine.Target.ShouldBe("client:charlie@" + Stolen);
        quarantine.Feature.ShouldBe(AnomalyFeature.UnlikeItsClient);
        quarantine.Reason.ShouldContain("mix ");
        quarantine.Reason.ShouldContain("errors ");
        harness.Send("charlie", ImmuneHarness.AddressOf("charlie"), RequestKind.PlaceOrder, 202, 200).ShouldBeTrue();
    }

    [Fact]
    public void AStolenKeyReadingUnderOneRequestASecond_IsJudgedOnItsWholeRecordThere_AndQuarantinedWithinTenSeconds()
    {
        // The bench's slow thieves (seeds 9 and 16, immune8): 0.7-1 reads a second, about half 404. In a 10 s window that
        // decays, ~5 requests are left at 10 s, and their mix and errors peaked at 3.8-5.95 against 6. Here: one read every
        // 1.4 s, only three in eight 404 by 10 s. On the address's record (its last ~40 requests, while it is unproven),
        // the same requests add up.
        var harness = new ImmuneHarness();
        harness.NormalDay();
        const string Stolen = "172.16.5.5";
        var tick = 0;

        var took = harness.Until(
            () => harness.Immune.Find("charlie", Stolen) is not null,
            () => harness.Send("charlie", Stolen, RequestKind.ReadOrder, tick++ % 8 is 2 or 5 or 7 ? 404 : 200, 0),
            TimeSpan.FromSeconds(1.4),
            Within * 3);

        took.ShouldNotBeNull();
        took.Value.ShouldBeLessThanOrEqualTo(Within);
        var quarantine = harness.Immune.Quarantines.ShouldHaveSingleItem();
        quarantine.Target.ShouldBe("client:charlie@" + Stolen);
        quarantine.Reason.ShouldContain("requests here");
    }

    [Fact]
    public void AMatureClientThatMoved_CallingSlowly_WithOneMistake_IsNotQuarantinedOnItsRecord()
    {
        // The other side of the record rule: charlie moves and calls slowly (one request every ~2 s for two minutes),
        // its usual third of reads, one mistake early. Its record grows with no persistent difference from its own ratios.
        var harness = new ImmuneHarness();
        harness.NormalDay();
        const string Moved = "10.2.9.33";
        var random = new Random(5);
        var at = harness.Clock.GetUtcNow();
        var held = 0;
        for (var i = 0; i < 60; i++)
        {
            at = at.AddSeconds(-Math.Log(1 - random.NextDouble()) * 2);
            harness.Advance(at);
            var isRead = i % 3 == 0;
            held += harness.Send("charlie", Moved, isRead ? RequestKind.ReadOrder : RequestKind.PlaceOrder, i == 3 ? 404 : isRead ? 200 : 202, isRead ? 0 : 200) ? 0 : 1;
        }

        held.ShouldBe(0);
        harness.Immune.Quarantines.ShouldBeEmpty();
    }

    [Fact]
    public void AStolenKeysMemory_DoesNotConvictAnotherKeyFromTheSameSlash24_ButRecognisesItsThiefReturning()
    {
        // charlie's key is stolen and used from 172.16.0.9; later delta moves into the same /24 (the same provider) with three
        // of its mistakes close together (a score of ~4.4 there: above the remembered threshold, 3, below the detector's, 6),
        // and charlie's thief comes back from another host there.
        var harness = new ImmuneHarness();
        harness.NormalDay();
        var first = ImmuneSystemTests.Run(harness, ImmuneSystemTests.Attack.CompromisedKey, "9");
        harness.Immune.Release("client:charlie@172.16.0.9", "operator:test").ShouldBeTrue();
        harness.Normal(TimeSpan.FromMinutes(20));

        var (held, _) = Move(harness, "delta", "172.16.0.40", i => i is 4 or 5 or 7 ? 400 : i % 3 == 0 ? 200 : 202);
        var second = ImmuneSystemTests.Run(harness, ImmuneSystemTests.Attack.CompromisedKey, "77");

        held.ShouldBe(0);
        harness.Immune.Find("delta", "172.16.0.40").ShouldBeNull();
        first.ShouldNotBeNull();
        second.ShouldNotBeNull();
        second.Value.ShouldBeLessThan(first.Value);
        var returning = harness.Immune.Quarantines.ShouldHaveSingleItem();
        returning.Target.ShouldBe("client:charlie@172.16.0.77");
        returning.Remembered.ShouldBeTrue();
        returning.Reason.ShouldContain("charlie's key from 172.16.0.0/24");
    }

    // The client calls from its new address about every 500 ms (random arrivals, seeded) for 60 s, a third of them reads
    // unless told otherwise, with the statuses given; then one more request. Returns the requests a quarantine held and that
    // last verdict.
    private static (int Held, AnomalyVerdict Last) Move(ImmuneHarness harness, string client, string address, Func<int, int> status, Func<int, bool>? read = null)
    {
        read ??= i => i % 3 == 0;
        var random = new Random(11);
        var start = harness.Clock.GetUtcNow();
        var at = start;
        var held = 0;
        for (var i = 0; i < 120; i++)
        {
            at = at.AddSeconds(-Math.Log(1 - random.NextDouble()) * 0.5);
            harness.Advance(at);
            var isRead = read(i);
            held += harness.Send(client, address, isRead ? RequestKind.ReadOrder : RequestKind.PlaceOrder, status(i), isRead ? 0 : 200) ? 0 : 1;
        }

        harness.Advance(at.AddSeconds(1));
        return (held, harness.Immune.Observe(new RequestObservation(client, address, RequestKind.PlaceOrder, 202, 200)));
    }
}

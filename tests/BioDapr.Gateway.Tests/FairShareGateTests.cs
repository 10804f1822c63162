using BioDapr.Gateway.Immune;

namespace BioDapr.Gateway.Tests;

/// <summary>Per-client shares of the gateway's capacity: a client within its share is admitted whatever another client does.</summary>
public sealed class FairShareGateTests
{
    [Fact]
    public void ALoneClient_UsesAllButOneSlot_AndANewcomerStillGetsIn()
    {
        var gate = new FairShareGate();

        var hog = Enumerable.Range(0, 20).Count(_ => gate.TryEnter("hog", capacity: 8));
        var newcomer = gate.TryEnter("polite", capacity: 8);

        hog.ShouldBe(7);
        newcomer.ShouldBeTrue();
        gate.TryEnter("hog", capacity: 8).ShouldBeFalse();
    }

    [Fact]
    public void AHogThatAsksForEveryFreedSlot_NeverKeepsAClientWithinItsShareOut()
    {
        // Capacity 8, two active clients: each is guaranteed 8 / 3 = 2. The hog asks three times for every slot that
        // frees up; the polite client asks only while it has fewer than 2 in flight, and finishes one now and then.
        var gate = new FairShareGate();
        var hog = Enumerable.Range(0, 20).Count(_ => gate.TryEnter("hog", capacity: 8));
        var polite = 0;
        var refusedWithinShare = 0;
        var random = new Random(7);
        for (var round = 0; round < 1_000; round++)
        {
            if (hog > 0)
            {
                gate.Exit("hog");
                hog--;
            }

            if (polite > 0 && random.NextDouble() < 0.5)
            {
                gate.Exit("polite");
                polite--;
            }

            for (var ask = 0; ask < 3; ask++)
            {
                hog += gate.TryEnter("hog", capacity: 8) ? 1 : 0;
            }

            if (polite < 2)
            {
                if (gate.TryEnter("polite", capacity: 8))
                {
                    polite++;
                }
                else
                {
                    refusedWithinShare++;
                }
            }

            gate.InFlight.ShouldBeLessThanOrEqualTo(8);
        }

        refusedWithinShare.ShouldBe(0);
        hog.ShouldBeGreaterThanOrEqualTo(5, "the hog still borrows what the polite client leaves idle");
    }

    [Fact]
    public void ALoweredCapacity_AdmitsNobodyUntilEnoughRequestsEnd()
    {
        var gate = new FairShareGate();
        Enumerable.Range(0, 6).Count(_ => gate.TryEnter("a", capacity: 12)).ShouldBe(6);

        gate.TryEnter("b", capacity: 4).ShouldBeFalse();
        for (var i = 0; i < 3; i++)
        {
            gate.Exit("a");
        }

        gate.TryEnter("b", capacity: 4).ShouldBeTrue();
    }

    [Fact]
    public void Exit_ForgetsAClientWithNothingInFlight()
    {
        var gate = new FairShareGate();
        gate.TryEnter("a", capacity: 2).ShouldBeTrue();
        gate.Exit("a");
        gate.Exit("a");

        gate.InFlight.ShouldBe(0);
        gate.TryEnter("b", capacity: 2).ShouldBeTrue();
    }
}

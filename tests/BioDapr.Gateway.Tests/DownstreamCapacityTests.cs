using BioDapr.Gateway.Immune;

namespace BioDapr.Gateway.Tests;

/// <summary>The gateway's estimate of what orders can serve: cut on overload once per generation, grown back by answers.</summary>
public sealed class DownstreamCapacityTests
{
    [Fact]
    public void ABurstOfOverloadedAnswers_FromRequestsSentBeforeTheCut_CutsOnce()
    {
        var capacity = new DownstreamCapacity(initial: 64);
        var generation = capacity.Generation;

        for (var i = 0; i < 20; i++)
        {
            capacity.Complete(generation, overloaded: true, ceiling: 64);
        }

        capacity.Limit.ShouldBe(48, "one overload is one signal, however many requests it failed");
        capacity.Complete(capacity.Generation, overloaded: true, ceiling: 64);
        capacity.Limit.ShouldBe(36, "a request sent after the cut that still fails cuts again");
    }

    [Fact]
    public void Answers_GrowTheEstimateBack_NeverAboveTheCeiling()
    {
        var capacity = new DownstreamCapacity(initial: 16);
        capacity.Complete(capacity.Generation, overloaded: true, ceiling: 16);
        capacity.Limit.ShouldBe(12);

        for (var i = 0; i < 200; i++)
        {
            capacity.Complete(capacity.Generation, overloaded: false, ceiling: 16);
        }

        capacity.Limit.ShouldBe(16);
        capacity.Complete(capacity.Generation, overloaded: false, ceiling: 10);
        capacity.Limit.ShouldBe(10, "a lowered configuration bounds the estimate at once");
    }

    [Fact]
    public void TheEstimate_NeverFallsBelowTheFloor()
    {
        var capacity = new DownstreamCapacity(initial: 8);
        for (var i = 0; i < 50; i++)
        {
            capacity.Complete(capacity.Generation, overloaded: true, ceiling: 64);
        }

        capacity.Limit.ShouldBe(DownstreamCapacity.Floor);
    }

    [Fact]
    public void WithAHogFlooding_ThePoliteClientsRequests_AreShedFarLessOften_ThanUnderTheConfiguredCeilingAlone()
    {
        var withEstimate = Simulate(useEstimate: true);
        var ceilingOnly = Simulate(useEstimate: false);

        ceilingOnly.PoliteFailed.ShouldBeGreaterThan(0.9, "with 64 configured slots and 8 real ones, the hog keeps orders overloaded");
        withEstimate.PoliteFailed.ShouldBeLessThan(ceilingOnly.PoliteFailed / 2, $"shed or refused: {withEstimate.PoliteFailed:P0} against {ceilingOnly.PoliteFailed:P0}");
        withEstimate.MeanInFlight.ShouldBeLessThan(2.0 * Served, "the estimate keeps what is in flight near what orders serves");
    }

    private const int Served = 8;

    // Orders serves 8 requests at once; a request admitted while 8 are in flight is shed at once (overloaded). The
    // configured ceiling is 64. A hog asks five times a round; a polite client keeps at most one request in flight.
    private static (double PoliteFailed, double MeanInFlight) Simulate(bool useEstimate)
    {
        const int ceiling = 64;
        var gate = new FairShareGate();
        var capacity = new DownstreamCapacity(initial: ceiling);
        var random = new Random(11);
        var inFlight = new List<(string Client, long Generation, bool Overloaded)>();
        int politeSent = 0, politeFailed = 0;
        long inFlightSum = 0;
        const int rounds = 4_000, warmUp = 1_000;
        for (var round = 0; round < rounds; round++)
        {
            for (var i = inFlight.Count - 1; i >= 0; i--)
            {
                // A served request takes a few rounds; a shed one comes back at once (orders answers 503 at admission).
                if (inFlight[i].Overloaded || random.NextDouble() < 0.3)
                {
                    var (client, generation, overloaded) = inFlight[i];
                    inFlight.RemoveAt(i);
                    gate.Exit(client);
                    capacity.Complete(generation, overloaded, ceiling);
                }
            }

            for (var ask = 0; ask < 5; ask++)
            {
                Admit("hog");
            }

            if (!inFlight.Any(r => r.Client == "polite") && random.NextDouble() < 0.5)
            {
                var counted = round >= warmUp;
                politeSent += counted ? 1 : 0;
                politeFailed += counted && (!Admit("polite") || inFlight[^1].Overloaded) ? 1 : 0;
            }

            inFlightSum += round >= warmUp ? inFlight.Count : 0;
        }

        return ((double)politeFailed / politeSent, (double)inFlightSum / (rounds - warmUp));

        bool Admit(string client)
        {
            if (!gate.TryEnter(client, useEstimate ? Math.Min(ceiling, capacity.Limit) : ceiling))
            {
                return false;
            }

            inFlight.Add((client, capacity.Generation, inFlight.Count >= Served));
            return true;
        }
    }
}

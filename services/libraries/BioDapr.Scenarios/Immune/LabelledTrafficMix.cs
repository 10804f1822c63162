namespace BioDapr.Scenarios.Immune;

/// <summary>
/// A labelled traffic mix for the gateway's anomaly detector: legitimate clients whose rates follow a daily cycle
/// (each with its own peak hour, read/order mix, occasional mistakes and an occasional new address), and on the last
/// day attack episodes of every <see cref="TrafficLabel"/>, in two waves: the second wave is the same attackers
/// returning (same networks, same keys, new host addresses), which attack memory should recognise faster. On the last
/// day a few legitimate clients also move to an address they never used, in each wave, behaving as before: a stolen
/// key is recognised by its new address and what it does there, and these are what the rule must leave alone.
/// Deterministic for a seed. Time is the mix's own: a replay with a fake clock runs days in seconds.
/// </summary>
public sealed class LabelledTrafficMix
{
    /// <summary>The attacks, in order.</summary>
    public static readonly TrafficLabel[] Attacks = [TrafficLabel.CredentialStuffing, TrafficLabel.Scraping, TrafficLabel.PayloadBomb, TrafficLabel.SlowDrip, TrafficLabel.CompromisedKey];

    private readonly LabelledMixOptions _options;
    private readonly List<LegitimateClient> _clients = [];
    private readonly List<AttackEpisode> _episodes = [];

    /// <summary>The mix for <paramref name="options"/>.</summary>
    public LabelledTrafficMix(LabelledMixOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options;
        var random = new Random(options.Seed);
        for (var i = 0; i < options.LegitimateClients; i++)
        {
            // Rates log-uniform over 0.2..3 requests/s; peak hours spread over the day.
            _clients.Add(new LegitimateClient(
                i,
                $"client-{i:D2}",
                [$"10.{i}.0.{1 + random.Next(200)}", $"10.{i}.1.{1 + random.Next(200)}"],
                options.RateScale * 0.2 * Math.Pow(15, random.NextDouble()),
                random.NextDouble(),
                0.1 + (0.5 * random.NextDouble())));
        }

        // Attacks on the last day: wave 1 in its first half, wave 2 (the same attackers) in its second.
        var day = options.DayLength;
        var lastDay = day * (options.Days - 1);
        var id = 0;
        for (var wave = 1; wave <= 2; wave++)
        {
            foreach (var label in Attacks)
            {
                for (var k = 0; k < options.EpisodesPerAttack; k++)
                {
                    var start = lastDay + (day / 2 * (wave - 1)) + TimeSpan.FromSeconds(random.Next(Math.Max(1, (int)((day / 2) - options.EpisodeMargin).TotalSeconds)));
                    var network = $"{Network(label)}.{k}";
                    var host = wave == 1 ? 10 + random.Next(100) : 150 + random.Next(100);
                    var client = label switch
                    {
                        TrafficLabel.Scraping => $"scraper-{k}",
                        TrafficLabel.PayloadBomb => $"bomber-{k}",
                        TrafficLabel.SlowDrip => $"dripper-{k}",
                        TrafficLabel.CompromisedKey => _clients[k % _clients.Count].Name,
                        _ => null,
                    };
                    // Every third compromised key is used slowly (under one request a second), as the live run's late one was.
                    _episodes.Add(new AttackEpisode(id++, label, wave, start, client, $"{network}.{host}", label == TrafficLabel.CompromisedKey && k % 3 == 1));
                }
            }
        }
    }

    /// <summary>The attack episodes.</summary>
    public IReadOnlyList<AttackEpisode> Episodes => _episodes;

    /// <summary>Where the evaluation starts (the last day; the days before teach the detector).</summary>
    public TimeSpan EvaluationStart => _options.DayLength * (_options.Days - 1);

    /// <summary>The mix's end.</summary>
    public TimeSpan End => _options.DayLength * _options.Days;

    /// <summary>The whole mix, in time order.</summary>
    public IEnumerable<LabelledRequest> Requests()
    {
        var queue = new PriorityQueue<IEnumerator<LabelledRequest>, TimeSpan>();
        var seed = _options.Seed;
        foreach (var client in _clients)
        {
            Enqueue(queue, Legitimate(client, new Random(++seed)));
        }

        foreach (var episode in _episodes)
        {
            Enqueue(queue, Attack(episode, new Random(++seed)));
        }

        while (queue.TryDequeue(out var source, out _))
        {
            yield return source.Current;
            Enqueue(queue, source);
        }

        static void Enqueue(PriorityQueue<IEnumerator<LabelledRequest>, TimeSpan> queue, IEnumerator<LabelledRequest> source)
        {
            if (source.MoveNext())
            {
                queue.Enqueue(source, source.Current.At);
            }
            else
            {
                source.Dispose();
            }
        }
    }

    private static string Network(TrafficLabel label) => label switch
    {
        TrafficLabel.CredentialStuffing => "198.51",
        TrafficLabel.Scraping => "203.0",
        TrafficLabel.PayloadBomb => "192.0",
        TrafficLabel.SlowDrip => "100.64",
        _ => "172.16",
    };

    /// <summary>
    /// Where <paramref name="client"/> lives on the last day's waves when it is one of the movers (the last
    /// <see cref="LabelledMixOptions.MovingClients"/> clients, never a compromised key's victim): per wave, from when, until
    /// when, at which new address. Its own random source, so the rest of the mix is the same with or without movers.
    /// </summary>
    private (TimeSpan From, TimeSpan Until, string Address)[] Moves(LegitimateClient client)
    {
        if (client.Index < _options.LegitimateClients - _options.MovingClients || client.Index < _options.EpisodesPerAttack)
        {
            return [];
        }

        var random = new Random(unchecked((_options.Seed * 7919) + client.Index));
        var half = _options.DayLength / 2;
        return [.. Enumerable.Range(0, 2).Select(wave =>
        {
            var waveStart = EvaluationStart + (half * wave);
            var from = waveStart + (half * 0.5 * random.NextDouble());
            return (from, waveStart + half, $"10.{client.Index}.8.{1 + random.Next(250)}");
        })];
    }

    private IEnumerator<LabelledRequest> Legitimate(LegitimateClient client, Random random)
    {
        var end = End;
        var peak = client.Rate * (1 + _options.DailySwing);
        var at = TimeSpan.Zero;
        var moves = Moves(client);
        string? roaming = null;
        while (true)
        {
            // A Poisson process whose rate follows the day (thinning): rate × (1 + swing × sin(2π(t − phase))).
            at += TimeSpan.FromSeconds(-Math.Log(1 - random.NextDouble()) / peak);
            if (at >= end)
            {
                yield break;
            }

            var days = at / _options.DayLength;
            var dayFraction = days - Math.Floor(days);
            var rate = client.Rate * (1 + (_options.DailySwing * Math.Sin(2 * Math.PI * (dayFraction - client.Phase))));
            if (random.NextDouble() * peak > rate)
            {
                continue;
            }

            // Now and then the client moves (a new office, a new cloud address) and stays there a while.
            if (random.NextDouble() < _options.RoamingProbability)
            {
                roaming = roaming is null ? $"10.{client.Index}.9.{random.Next(1, 250)}" : null;
            }

            var address = roaming ?? client.Addresses[random.Next(client.Addresses.Length)];
            foreach (var (from, until, moved) in moves)
            {
                address = at >= from && at < until ? moved : address;
            }

            var read = random.NextDouble() < client.ReadRatio;
            var mistake = random.NextDouble();
            if (mistake < _options.LegitimateAuthFailure)
            {
                yield return new LabelledRequest(at, TrafficLabel.Legitimate, -1, null, address, read, 401, read ? 0 : 180, TimeSpan.FromMilliseconds(2));
                continue;
            }

            var status = mistake < _options.LegitimateErrorRate ? (read ? 404 : 400) : read ? 200 : 202;
            yield return new LabelledRequest(at, TrafficLabel.Legitimate, -1, client.Name, address, read, status, read ? 0 : 120 + random.Next(300), TimeSpan.FromMilliseconds(5 + random.Next(60)));
        }
    }

    private IEnumerator<LabelledRequest> Attack(AttackEpisode episode, Random random)
    {
        var end = episode.Start + _options.EpisodeLength;
        var at = episode.Start;
        if (episode.Label == TrafficLabel.SlowDrip)
        {
            // Several connections at once, each trickling a small body for 30-60 s, replaced as they end.
            var connections = 6 + random.Next(5);
            var opened = new List<LabelledRequest>();
            for (var c = 0; c < connections; c++)
            {
                var start = episode.Start + TimeSpan.FromMilliseconds(random.Next(2_000));
                for (var t = start; t < end;)
                {
                    var hold = TimeSpan.FromSeconds(30 + random.Next(30));
                    opened.Add(new LabelledRequest(t, episode.Label, episode.Id, episode.Client, episode.Address, false, 408, 600, hold));
                    t += hold;
                }
            }

            foreach (var request in opened.OrderBy(r => r.At))
            {
                yield return request;
            }

            yield break;
        }

        var rate = episode.Label switch
        {
            TrafficLabel.CredentialStuffing => 1 + (random.NextDouble() * 9),
            TrafficLabel.Scraping => 5 + (random.NextDouble() * 15),
            TrafficLabel.PayloadBomb => 0.5 + (random.NextDouble() * 3),
            _ => episode.Slow ? 0.7 + (random.NextDouble() * 0.3) : 1 + (random.NextDouble() * 2),
        };
        while (true)
        {
            at += TimeSpan.FromSeconds(-Math.Log(1 - random.NextDouble()) / rate);
            if (at >= end)
            {
                yield break;
            }

            yield return episode.Label switch
            {
                TrafficLabel.CredentialStuffing => new LabelledRequest(at, episode.Label, episode.Id, null, episode.Address, false, 401, 180, TimeSpan.FromMilliseconds(2)),
                TrafficLabel.Scraping => new LabelledRequest(at, episode.Label, episode.Id, episode.Client, episode.Address, true, random.NextDouble() < 0.9 ? 404 : 200, 0, TimeSpan.FromMilliseconds(5)),
                TrafficLabel.PayloadBomb => new LabelledRequest(at, episode.Label, episode.Id, episode.Client, episode.Address, false, 413, 20_000 + random.Next(1_000_000), TimeSpan.FromMilliseconds(5)),
                _ => new LabelledRequest(at, episode.Label, episode.Id, episode.Client, episode.Address, true, random.NextDouble() < 0.5 ? 404 : 200, 0, TimeSpan.FromMilliseconds(10)),
            };
        }
    }

    private sealed record LegitimateClient(int Index, string Name, string[] Addresses, double Rate, double Phase, double ReadRatio);
}

/// <summary>The labelled mix's shape.</summary>
public sealed record LabelledMixOptions
{
    /// <summary>The random seed: the same seed gives the same mix.</summary>
    public int Seed { get; init; } = 7;

    /// <summary>Days of traffic; attacks come on the last, the days before teach the detector.</summary>
    public int Days { get; init; } = 2;

    /// <summary>
    /// How long a "day" of the mix is (default a real day). A live run against the organism compresses it to minutes:
    /// the clients' daily cycle then swings within minutes, and attacks come in the last of these short days.
    /// </summary>
    public TimeSpan DayLength { get; init; } = TimeSpan.FromDays(1);

    /// <summary>The time kept free at the end of each half of the last day (no episode starts in it), so every episode ends inside its wave.</summary>
    public TimeSpan EpisodeMargin { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>Multiplies every legitimate client's rate (1: log-uniform 0.2–3 requests/s).</summary>
    public double RateScale { get; init; } = 1;

    /// <summary>Legitimate clients.</summary>
    public int LegitimateClients { get; init; } = 16;

    /// <summary>How far a client's rate swings over the day (0.7: from 30 % to 170 % of its mean).</summary>
    public double DailySwing { get; init; } = 0.7;

    /// <summary>Episodes of each attack per wave.</summary>
    public int EpisodesPerAttack { get; init; } = 10;

    /// <summary>How long an attack episode lasts.</summary>
    public TimeSpan EpisodeLength { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Share of a legitimate client's requests that are its own mistakes (400, 404).</summary>
    public double LegitimateErrorRate { get; init; } = 0.01;

    /// <summary>Share of a legitimate client's requests sent with a wrong key (401).</summary>
    public double LegitimateAuthFailure { get; init; } = 0.0005;

    /// <summary>Per request, the chance that a legitimate client moves to (or back from) a new address.</summary>
    public double RoamingProbability { get; init; } = 0.0002;

    /// <summary>
    /// Legitimate clients (the last ones; never a compromised key's victim) that move, in each wave of the last day, to an
    /// address they never used and stay there until the wave ends, behaving as before.
    /// </summary>
    public int MovingClients { get; init; } = 3;
}

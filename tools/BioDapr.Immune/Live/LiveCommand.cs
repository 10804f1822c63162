using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using BioDapr.Contracts.Hormones;
using BioDapr.Gateway.Hormones;
using BioDapr.Launcher;
using BioDapr.Scenarios.Immune;
using StackExchange.Redis;

namespace BioDapr.Immune.Live;

/// <summary>
/// <c>./biodapr immune live</c>: the labelled traffic mix against a fresh organism (the multi-app runner, the real
/// gateway and every cell with its sidecar, a real redis-server), its "days" compressed to minutes: the first day
/// teaches the detector, the last carries the attacks in two waves (the second: the same attackers returning), and
/// forged events are published through sidecars that may not publish them. Reads the gateway's decisions from its
/// ledger in the state store and what each request got back at the client; prints precision, recall and
/// time-to-detect per attack type and the share of legitimate requests a quarantine affected, and writes them as JSON.
/// </summary>
internal static class LiveCommand
{
    private const string Sku = "live-immune";
    private static readonly JsonSerializerOptions Indented = new(JsonSerializerDefaults.Web) { WriteIndented = true, NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals };

    public static async Task<int> RunAsync(string[] args, TextWriter output, CancellationToken cancellationToken)
    {
        var options = new LabelledMixOptions { DayLength = TimeSpan.FromSeconds(150), EpisodesPerAttack = 3, EpisodeLength = TimeSpan.FromSeconds(20), RateScale = 0.5 };
        var outFile = Path.Combine(LocalOrganism.RepositoryRoot, "docs", "benchmarks", "immune-live.json");
        var forgeEvery = TimeSpan.FromSeconds(5);
        var detectWithin = TimeSpan.FromSeconds(10);
        for (var i = 0; i < args.Length; i += 2)
        {
            var value = i + 1 < args.Length ? args[i + 1] : throw new ArgumentException($"option '{args[i]}' needs a value");
            options = args[i] switch
            {
                "--seed" => options with { Seed = Int(args[i], value) },
                "--day" => options with { DayLength = TimeSpan.FromSeconds(Int(args[i], value)) },
                "--clients" => options with { LegitimateClients = Int(args[i], value) },
                "--episodes" => options with { EpisodesPerAttack = Int(args[i], value) },
                "--episode-length" => options with { EpisodeLength = TimeSpan.FromSeconds(Int(args[i], value)) },
                "--rate-scale" => options with { RateScale = double.Parse(value, CultureInfo.InvariantCulture) is > 0 and var scale ? scale : throw new ArgumentException("--rate-scale must be above 0") },
                "--forge-every" or "--out" => options,
                _ => throw new ArgumentException($"unknown option '{args[i]}' (--seed --day --clients --episodes --episode-length --rate-scale --forge-every --out)"),
            };
            forgeEvery = args[i] == "--forge-every" ? TimeSpan.FromSeconds(Int(args[i], value)) : forgeEvery;
            outFile = args[i] == "--out" ? Path.GetFullPath(value) : outFile;
        }

        options = options with { EpisodeMargin = options.EpisodeLength + TimeSpan.FromSeconds(10) };
        if (options.DayLength / 2 <= options.EpisodeMargin)
        {
            throw new ArgumentException($"--day {options.DayLength.TotalSeconds} s is too short for episodes of {options.EpisodeLength.TotalSeconds} s (each half day must hold one with 10 s to spare)");
        }

        var mix = new LabelledTrafficMix(options);
        var requests = mix.Requests().ToList();
        var keys = requests.Select(r => r.Client).Concat(mix.Episodes.Select(e => e.Client)).OfType<string>().Distinct(StringComparer.Ordinal)
            .ToDictionary(client => client, client => "live-" + client + "-key", StringComparer.Ordinal);
        var hormones = new ImmuneHormones();
        var loadBefore = LoadAverage();
        await using var organism = new LocalOrganism { StartTimeout = TimeSpan.FromMinutes(10), LogDirectory = Path.Combine(Path.GetTempPath(), "biodapr-immune-live") };
        Directory.CreateDirectory(organism.LogDirectory);
        foreach (var (client, key) in keys)
        {
            organism.ExtraClientKeys[client] = key;
        }

        organism.ExtraCatalogue[Sku] = 100_000_000;
        await output.WriteLineAsync($"immune live: starting the organism (load average {loadBefore}); then {requests.Count} labelled requests over {mix.End.TotalSeconds:0} s: {options.LegitimateClients} legitimate clients, the first {mix.EvaluationStart.TotalSeconds:0} s teaching, {mix.Episodes.Count} attack episodes after, a forged event every {forgeEvery.TotalSeconds:0} s");
        await organism.StartAsync(cancellationToken);
        await using var redis = await ConnectionMultiplexer.ConnectAsync($"127.0.0.1:{organism.Redis}");
        if (!hormones.Enabled)
        {
            // The detector is on by default; if the hormones have it off, turn it on as an operator would, with its hormone, and give the gateway's
            // configuration subscription a moment to deliver it before the teaching starts.
            var version = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture);
            await redis.GetDatabase().StringSetAsync("gateway.immune.enabled", HormoneValue.Format("true", version));
            hormones = hormones with { Enabled = true };
            await Task.Delay(TimeSpan.FromSeconds(5), cancellationToken);
        }

        using var sources = new LoopbackSources(new Uri($"http://127.0.0.1:{organism.GatewayPort}"));
        using var sidecars = new HttpClient { Timeout = TimeSpan.FromSeconds(15) };
        var traffic = new LiveTraffic(sources, keys, Sku, options.Seed);
        var forger = new ForgedEvents(sidecars, organism.SidecarPorts);
        var firstAddresses = requests.Where(r => r.Label == TrafficLabel.Legitimate && r.Client is not null)
            .GroupBy(r => r.Client!, StringComparer.Ordinal).Select(g => (g.Key, g.First().Address)).ToArray();
        await traffic.SeedAsync(firstAddresses, cancellationToken);
        await output.WriteLineAsync($"immune live: {traffic.PlacedOrders().Count()} of {firstAddresses.Length} legitimate clients hold an order to read; the run starts");
        var clock = Stopwatch.StartNew();
        var started = DateTimeOffset.UtcNow;
        var forging = forger.RunAsync(clock, mix.EvaluationStart, mix.End, forgeEvery, n => Target(traffic, n), cancellationToken);
        await traffic.RunAsync(requests, clock, output, cancellationToken);
        await forging;

        // Let the gateway write its last decisions (gateway.immune.syncMs), then read them as an operator would.
        await Task.Delay(TimeSpan.FromMilliseconds(hormones.SyncMs * 2), cancellationToken);
        var loadAfter = LoadAverage();
        var (ledger, _) = await new LedgerRedis(redis.GetDatabase()).LoadAsync();
        var sidecarLogs = string.Concat(organism.RunningApps.Select(organism.SidecarLog));
        var forgedResults = await CheckForgedAsync(forger.Attempts, sources, keys, sidecarLogs, cancellationToken);
        var result = LiveResults.Compute(mix, options, traffic.Outcomes, ledger, hormones, detectWithin, forgedResults, started, loadBefore, loadAfter);
        Print(result, output);
        Directory.CreateDirectory(Path.GetDirectoryName(outFile)!);
        await File.WriteAllTextAsync(outFile, JsonSerializer.Serialize(result, Indented), cancellationToken);
        await output.WriteLineAsync($"written to {outFile}");
        return 0;
    }

    private static int Int(string name, string text) =>
        int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) && value > 0 ? value : throw new ArgumentException($"{name} must be a positive whole number, not '{text}'");

    // The n-th forged event targets a real order of a legitimate client when there is one yet.
    private static (string Client, string OrderId)? Target(LiveTraffic traffic, int n)
    {
        var placed = traffic.PlacedOrders().ToArray();
        return placed.Length == 0 ? null : placed[n % placed.Length];
    }

    private static async Task<ForgedSummary> CheckForgedAsync(IReadOnlyList<ForgedAttempt> attempts, LoopbackSources sources, Dictionary<string, string> keys, string sidecarLogs, CancellationToken cancellationToken)
    {
        var changed = new List<string>();
        var checkedOrders = 0;
        foreach (var attempt in attempts.Where(a => a.OrderId is not null && a.Client is not null && a.Type != "biodapr.orders.placed.v1"))
        {
            // The owner reads its order from its first address: a forged PaymentFailed or OrderCancelled would have cancelled it.
            using var request = new HttpRequestMessage(HttpMethod.Get, "/api/orders/" + attempt.OrderId);
            request.Headers.Add("X-Api-Key", keys[attempt.Client!]);
            var owner = MixAddress.ToLoopback($"10.{int.Parse(attempt.Client!["client-".Length..], CultureInfo.InvariantCulture)}.0.1");
            using var response = await sources.From(owner).SendAsync(request, cancellationToken);
            var body = await response.Content.ReadAsStringAsync(cancellationToken);
            checkedOrders++;
            if (response.IsSuccessStatusCode && JsonDocument.Parse(body).RootElement.GetProperty("status").GetString() is "cancelled" or "failed")
            {
                changed.Add(attempt.OrderId!);
            }
        }

        var logged = sidecarLogs.Split('\n').Count(line => line.Contains("Refused a publish", StringComparison.Ordinal));
        return new ForgedSummary(attempts.Count, attempts.Count(a => a.Refused), attempts.Count(a => a.Status is >= 200 and < 300), logged, checkedOrders, [.. changed], [.. attempts]);
    }

    private static string LoadAverage()
    {
        try
        {
            return string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3));
        }
        catch (IOException)
        {
            return "unknown";
        }
    }

    private static void Print(LiveResult result, TextWriter output)
    {
        output.WriteLine($"labelled mix live: seed {result.Mix.Seed}, 2 days of {result.Mix.DayLength.TotalSeconds:0} s, {result.Mix.LegitimateClients} legitimate clients, {result.Mix.EpisodesPerAttack} episodes per attack per wave; load average {result.LoadBefore} before, {result.LoadAfter} after");
        output.WriteLine("attack               episodes detected recall@10s requests-held  median-ttd-1st  median-ttd-2nd  slowest-ttd  first-held(client)");
        foreach (var a in result.Attacks)
        {
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{a.Attack,-20} {a.Episodes,8} {a.Detected,8} {a.RecallWithin,10:P1} {a.RequestsHeld,13:P1} {Seconds(a.MedianSecondsFirstWave),15} {Seconds(a.MedianSecondsSecondWave),15} {Seconds(a.SlowestSeconds),12} {Seconds(a.MedianFirstHeldSeconds),19}"));
        }

        var f = result.Forged;
        output.WriteLine($"{"ForgedEvent",-20} {f.Attempts,8} {f.Refused,8} refused at the sidecar ({f.Details.Count(a => a.RefusedByTopicScoping)} by topic scoping, 403 ERR_PUBSUB_FORBIDDEN; {f.Details.Count(a => a.Refused && !a.RefusedByTopicScoping)} with no pub/sub component in the app's scopes, 404 ERR_PUBSUB_NOT_FOUND), {f.Published} published, {f.Logged} logged as refused publishes; {f.OrdersChecked} targeted orders checked, {f.OrdersChanged.Length} changed");
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"precision (requests held that were attacks): {result.Precision:P2}"));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"legitimate requests affected (attack day): {result.LegitimateAffected} of {result.LegitimateRequests} ({result.FalsePositiveRate:P3}); whole run {result.LegitimateAffectedWholeRun} of {result.LegitimateRequestsWholeRun}; targets: {(result.LegitimateTargetsQuarantined.Length == 0 ? "none" : string.Join(", ", result.LegitimateTargetsQuarantined))}"));
        output.WriteLine($"legitimate answers (whole run): {string.Join(", ", result.LegitimateStatuses.Select(s => $"{s.Key} × {s.Value}"))}");

        static string Seconds(double? value) => value is { } v && !double.IsNaN(v) ? v.ToString("F1", CultureInfo.InvariantCulture) + "s" : "-";
    }
}

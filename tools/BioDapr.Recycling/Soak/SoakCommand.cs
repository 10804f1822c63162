using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using BioDapr.Launcher;
using BioDapr.Redis;

namespace BioDapr.Recycling.Soak;

/// <summary>
/// <c>./biodapr soak [--rate 200] [--duration 1h] [--retention 10m] [--stream-cap N] [--vitals-cap N] [--sample 10s] [--seed 7]
/// [--out docs/benchmarks/soak]</c>: starts a fresh organism (its own redis-server), with the retention of per-order
/// records (order, reservation, payment decision) set to <c>--retention</c>, the order streams capped
/// (<c>maxLenApprox</c> of component <c>pubsub</c>) at <c>--stream-cap</c> (default: about that retention's worth of
/// events at the offered rate) and the vitals stream (component <c>vitals-pubsub</c>) at <c>--vitals-cap</c> (default:
/// components/local's); sends orders at a steady rate (open loop: the schedule does not wait for answers);
/// samples Redis memory, keys, expiring keys and stream lengths; writes a CSV, a JSON summary (growth after the first
/// retention period) and a plot.
/// </summary>
internal static class SoakCommand
{
    private const string Sku = "soak-widget";

    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    public static async Task<int> RunAsync(string[] args, TextWriter output, CancellationToken cancellationToken)
    {
        var options = CommandLine.Parse(args);
        var rate = options.Value("--rate") is { } r ? CommandLine.PositiveNumber("--rate", r) : 200;
        var duration = options.Value("--duration") is { } d ? CommandLine.Duration("--duration", d) : TimeSpan.FromHours(1);
        var retention = options.Value("--retention") is { } t ? CommandLine.Duration("--retention", t) : TimeSpan.FromMinutes(10);
        var sampleEvery = options.Value("--sample") is { } s ? CommandLine.Duration("--sample", s) : TimeSpan.FromSeconds(10);
        var seed = options.Value("--seed") is { } n ? CommandLine.PositiveInt("--seed", n) : 7;
        var outBase = Path.GetFullPath(options.Value("--out") ?? Path.Combine(LocalOrganism.RepositoryRoot, "docs", "benchmarks", "soak"));
        if (retention < TimeSpan.FromMinutes(2) || retention >= duration)
        {
            throw new ArgumentException($"--retention {retention} must be at least 2 minutes (longer than an order attempt can stay unsettled) and shorter than --duration {duration}, so the footprint can be seen flat after it");
        }

        // Events per order on the busiest stream (orders: placed + confirmed/cancelled), over the retention, with room.
        // That is the offered rate: when the organism accepts fewer, the caps are reached later (--stream-cap sizes them
        // from what it accepts; components/local/pubsub.yaml states the rule).
        var maxLen = options.Value("--stream-cap") is { } c ? CommandLine.PositiveInt("--stream-cap", c) : Math.Max(1_000, (long)(rate * 2 * retention.TotalSeconds));
        long? vitalsCap = options.Value("--vitals-cap") is { } v ? CommandLine.PositiveInt("--vitals-cap", v) : null;
        var retentionText = retention.ToString("c", CultureInfo.InvariantCulture);
        await using var organism = new LocalOrganism { StartTimeout = TimeSpan.FromMinutes(10), LogDirectory = Path.Combine(Path.GetTempPath(), "biodapr-soak") };
        Directory.CreateDirectory(organism.LogDirectory);
        organism.StreamCaps[BioDapr.Contracts.Topics.PubSub] = maxLen;
        if (vitalsCap is { } vc)
        {
            organism.StreamCaps[BioDapr.Contracts.Topics.VitalsPubSub] = vc;
        }

        organism.ExtraCatalogue[Sku] = 100_000_000;
        organism.AppEnvironment["orders"] = new(StringComparer.Ordinal) { ["Orders__IdempotencyRetention"] = retentionText };
        organism.AppEnvironment["inventory"] = new(StringComparer.Ordinal) { ["Recycling__Retention"] = retentionText };
        organism.AppEnvironment["payments"] = new(StringComparer.Ordinal) { ["Recycling__Retention"] = retentionText };
        await organism.StartAsync(cancellationToken);
        var vitalsMaxLen = vitalsCap ?? LocalOrganism.LocalStreamCap(BioDapr.Contracts.Topics.VitalsPubSub);
        await output.WriteLineAsync($"soak: organism started; {rate}/s for {duration}, retention {retention}, order streams capped at ~{maxLen} entries, vitals at ~{vitalsMaxLen}, sampling every {sampleEvery.TotalSeconds:0} s");

        await using var redis = await RedisConnection.ConnectAsync(new RedisOptions { Port = organism.Redis, ClientName = "biodapr-soak" }, cancellationToken);
        var footprint = new RedisFootprint(redis);
        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 256, PooledConnectionLifetime = TimeSpan.FromMinutes(5) })
        {
            BaseAddress = new Uri($"http://127.0.0.1:{organism.GatewayPort}"),
            Timeout = TimeSpan.FromSeconds(15),
        };
        using var load = new SteadyLoad(http, rate, seed, [LocalOrganism.ShopApiKey, LocalOrganism.BulkApiKey], Sku);
        var samples = new List<SoakSample>();
        var clock = Stopwatch.StartNew();
        using var stopLoad = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        stopLoad.CancelAfter(duration);
        var loadTask = load.RunAsync(clock, stopLoad.Token);
        using var ticker = new PeriodicTimer(sampleEvery);
        Directory.CreateDirectory(Path.GetDirectoryName(outBase)!);
        await using (var csv = new StreamWriter(outBase + ".csv"))
        {
            await csv.WriteLineAsync(SoakSample.CsvHeader);
            do
            {
                var (memory, keys, expiring, streams, bytes) = await footprint.ReadAsync(cancellationToken);
                var sample = new SoakSample(clock.Elapsed.TotalSeconds, load.Sent, load.Accepted, load.Failed, memory, keys, expiring, streams[0], streams[1], streams[2], streams[3], bytes[0], bytes[1], bytes[2]);
                samples.Add(sample);
                await csv.WriteLineAsync(sample.ToCsv());
                await csv.FlushAsync(cancellationToken);
                await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                    $"{sample.Seconds,7:0} s  sent {sample.Sent,8}  ok {sample.Accepted,8}  failed {sample.Failed,6}  memory {sample.UsedMemory / 1048576.0,7:0.0} MiB  keys {sample.Keys,7} ({sample.Expiring} expiring)  streams {sample.OrdersStream}/{sample.PaymentsStream}/{sample.VitalsStream}/{sample.DeadLetters}"));
            }
            while (!stopLoad.IsCancellationRequested && await ticker.WaitForNextTickAsync(cancellationToken));
        }

        await loadTask;
        var summary = SoakSummary.Of(samples, rate, duration, retention, maxLen, vitalsMaxLen, seed, "./biodapr soak " + string.Join(' ', args));
        await File.WriteAllTextAsync(outBase + ".json", JsonSerializer.Serialize(summary, Indented), cancellationToken);
        SoakPlot.Write(samples, retention, outBase + ".png");
        await output.WriteLineAsync();
        await output.WriteLineAsync(summary.Describe());
        await output.WriteLineAsync("failures by status (0 = no answer): " + string.Join(", ", load.FailuresByStatus.Select(f => $"{f.Key}: {f.Value}")));
        await output.WriteLineAsync($"soak: wrote {outBase}.csv, {outBase}.json and {outBase}.png");
        return 0;
    }
}

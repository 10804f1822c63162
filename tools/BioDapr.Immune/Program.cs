using System.Globalization;
using System.Text.Json;
using BioDapr.Gateway.Hormones;
using BioDapr.Immune;
using BioDapr.Scenarios.Immune;
using StackExchange.Redis;

// ./biodapr immune bench [--seed 7 --days 2 --clients 16 --episodes 10 --out docs/benchmarks/immune.json]
// ./biodapr immune live [--seed 7 --day 150 --clients 16 --episodes 3 --episode-length 20 --rate-scale 0.5 --forge-every 5 --out docs/benchmarks/immune-live.json]
// ./biodapr immune list | audit [N] | release <target>   (the state store's Redis: BIODAPR_REDIS, default localhost:6379)
var command = args.Length > 0 ? args[0] : "help";
try
{
    return command switch
    {
        "bench" => Bench(args[1..]),
        "live" => await LiveAsync(args[1..]),
        "list" => await ListAsync(),
        "audit" => await AuditAsync(args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 30),
        "release" when args.Length > 1 => await ReleaseAsync(args[1]),
        _ => Usage(),
    };
}
catch (Exception ex) when (ex is FormatException or ArgumentException or RedisConnectionException or JsonException or InvalidOperationException)
{
    Console.Error.WriteLine("biodapr immune: " + ex.Message);
    return 1;
}

// Ctrl-C, SIGTERM or SIGHUP: the live run's organism (Redis, runner, sidecars, cells) is stopped before the process ends.
static async Task<int> LiveAsync(string[] args)
{
    using var stop = new BioDapr.Launcher.StopSignals(signal => Console.Error.WriteLine($"biodapr immune: {signal}; stopping the organism"));
    try
    {
        return await BioDapr.Immune.Live.LiveCommand.RunAsync(args, Console.Out, stop.Token);
    }
    catch (OperationCanceledException) when (stop.IsCancellationRequested)
    {
        Console.Error.WriteLine("biodapr immune: stopped");
        return 130;
    }
}

static int Usage()
{
    Console.Error.WriteLine("usage: ./biodapr immune bench [--seed N --days N --clients N --episodes N --new-address-factor X --new-address-record N --out FILE] | live [--seed N --day S --clients N --episodes N --episode-length S --rate-scale X --forge-every S --out FILE] | list | audit [N] | release <target>");
    return 2;
}

static int Bench(string[] args)
{
    var options = new LabelledMixOptions();
    var hormones = new ImmuneHormones { Enabled = true };
    var output = "docs/benchmarks/immune.json";
    for (var i = 0; i + 1 < args.Length; i += 2)
    {
        var value = args[i + 1];
        options = args[i] switch
        {
            "--seed" => options with { Seed = int.Parse(value, CultureInfo.InvariantCulture) },
            "--days" => options with { Days = Math.Max(2, int.Parse(value, CultureInfo.InvariantCulture)) },
            "--clients" => options with { LegitimateClients = int.Parse(value, CultureInfo.InvariantCulture) },
            "--episodes" => options with { EpisodesPerAttack = int.Parse(value, CultureInfo.InvariantCulture) },
            "--out" or "--new-address-factor" or "--new-address-record" => options,
            _ => throw new ArgumentException($"unknown option '{args[i]}'"),
        };
        if (args[i] == "--out")
        {
            output = value;
        }

        // A hormone's trade-off, measured on the same mix (the default is components/local/hormones.json's).
        if (args[i] == "--new-address-factor")
        {
            hormones = hormones with { NewAddressFactor = double.Parse(value, CultureInfo.InvariantCulture) };
        }

        if (args[i] == "--new-address-record")
        {
            hormones = hormones with { NewAddressRecordRequests = int.Parse(value, CultureInfo.InvariantCulture) };
        }
    }

    var started = TimeProvider.System.GetTimestamp();
    var result = ImmuneBench.Run(options, hormones, TimeSpan.FromSeconds(10));
    var elapsed = TimeProvider.System.GetElapsedTime(started);
    Console.WriteLine($"labelled mix: seed {options.Seed}, {options.Days} days, {options.LegitimateClients} legitimate clients, {options.EpisodesPerAttack} episodes per attack per wave; {result.RequestsScored} requests scored in {elapsed.TotalSeconds:F1} s");
    Console.WriteLine("attack               episodes detected recall@10s requests-held  median-ttd-1st  median-ttd-2nd  slowest-ttd");
    foreach (var a in result.Attacks)
    {
        Console.WriteLine($"{a.Attack,-20} {a.Episodes,8} {a.Detected,8} {a.RecallWithin,10:P1} {a.RequestsHeld,13:P1} {Seconds(a.MedianSecondsFirstWave),15} {Seconds(a.MedianSecondsSecondWave),15} {a.SlowestSeconds,11:F1}s");
    }

    Console.WriteLine($"precision (requests held that were attacks): {result.Precision:P2}");
    Console.WriteLine($"legitimate requests affected: {result.LegitimateAffected} of {result.LegitimateRequests} ({result.FalsePositiveRate:P3}); targets: {(result.LegitimateTargetsQuarantined.Length == 0 ? "none" : string.Join(", ", result.LegitimateTargetsQuarantined))}");
    var late = result.Episodes.Where(e => e.Seconds is not <= 10).Select(e => $"#{e.Id} {e.Attack} wave {e.Wave}{(e.Slow ? " (slow)" : string.Empty)}: {(e.Seconds is { } s ? s.ToString("F1", CultureInfo.InvariantCulture) + " s" : "not detected")} (peak within 10 s: {e.PeakScore?.ToString("F1", CultureInfo.InvariantCulture) ?? "-"} {e.PeakFeature})").ToArray();
    Console.WriteLine($"episodes not detected within 10 s: {(late.Length == 0 ? "none" : string.Join("; ", late))}");
    Console.WriteLine("forged events: not part of this replay (the consumers' source check drops them; see docs/benchmarks.md)");
    Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(output))!);
    File.WriteAllText(output, JsonSerializer.Serialize(result, new JsonSerializerOptions(JsonSerializerDefaults.Web) { WriteIndented = true, NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals }));
    Console.WriteLine($"written to {output}");
    return 0;

    static string Seconds(double? value) => value is { } v ? v.ToString("F1", CultureInfo.InvariantCulture) + "s" : "-";
}

static async Task<LedgerRedis> ConnectAsync()
{
    var configuration = Environment.GetEnvironmentVariable("BIODAPR_REDIS") ?? "localhost:6379";
    var options = ConfigurationOptions.Parse(configuration);
    options.AbortOnConnectFail = true;
    try
    {
        var redis = await ConnectionMultiplexer.ConnectAsync(options);
        return new LedgerRedis(redis.GetDatabase());
    }
    catch (RedisConnectionException)
    {
        throw new InvalidOperationException($"the state store's Redis does not answer at {configuration} (start the organism with ./biodapr up, or set BIODAPR_REDIS).");
    }
}

static async Task<int> ListAsync()
{
    var (ledger, _) = await (await ConnectAsync()).LoadAsync();
    var now = DateTimeOffset.UtcNow;
    var live = ledger.Quarantines.Values.Where(q => q.ExpiresAt > now).OrderBy(q => q.Since).ToArray();
    Console.WriteLine(live.Length == 0 ? "no quarantines" : "target                                   stage      since                 expires               reason");
    foreach (var q in live)
    {
        Console.WriteLine($"{q.Target,-40} {q.Stage,-10} {q.Since:u} {q.ExpiresAt:u} {q.Reason}");
    }

    Console.WriteLine($"{ledger.Signatures.Count} remembered attack signatures, {ledger.Audit.Count} audit entries");
    return 0;
}

static async Task<int> AuditAsync(int last)
{
    var (ledger, _) = await (await ConnectAsync()).LoadAsync();
    foreach (var entry in ledger.Audit.TakeLast(last))
    {
        Console.WriteLine($"{entry.At:u} {entry.Action,-11} {entry.Target,-40} by {entry.By,-10} {entry.Reason}");
    }

    return 0;
}

static async Task<int> ReleaseAsync(string target)
{
    var by = "operator:" + Environment.UserName;
    if (!await (await ConnectAsync()).ReleaseAsync(target, by, DateTimeOffset.UtcNow))
    {
        Console.Error.WriteLine($"biodapr immune: '{target}' is not quarantined (./biodapr immune list shows who is)");
        return 1;
    }

    Console.WriteLine($"released {target}; the gateway applies it at its next sync (gateway.immune.syncMs)");
    return 0;
}

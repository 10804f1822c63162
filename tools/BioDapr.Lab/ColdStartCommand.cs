using System.Net.Http.Json;
using System.Globalization;
using System.Text;
using System.Text.Json;
using BioDapr.Contracts.Hormones;
using BioDapr.Launcher;
using BioDapr.Load;
using StackExchange.Redis;
using BioDapr.Scenarios;

namespace BioDapr.Lab;

/// <summary>
/// <c>./biodapr cortex coldstart</c>: the cold-start benchmark of issue 11. A fresh organism (as <c>./biodapr up</c>
/// starts it: the hormone file's values, every cell warmed up before it is ready) replays the scenario the moment
/// the runner says it is up, then replays it again on the now warm organism; prints and writes both replays'
/// goodput, overall and per phase, and the seconds with errors in the calm phases (no fault, at most 70 % of
/// capacity). The promise: the cold replay within 2 points of goodput of the warm one.
/// Both replays start from the same hormones: the file's values are written again before the warm replay, so what the
/// live cortex changed during the cold replay does not carry over (its memory of the pathways does, as on any warm
/// organism). With <c>--shorten</c> below 1 the breakers' break times are scaled by the same factor, for both replays
/// and the cortex's bound on them (<see cref="ShortenedHormones"/>); <c>--keep-break-times</c> switches that off.
/// </summary>
internal static class ColdStartCommand
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    public static async Task<int> RunAsync(string[] args)
    {
        Options options;
        try
        {
            options = new Options(args, "scenario", "shorten", "rate-scale", "runs", "hormones", "seed", "out", "app-env", "keep-break-times");
        }
        catch (ArgumentException ex)
        {
            Console.Error.WriteLine($"coldstart: {ex.Message}");
            return 2;
        }

        var scenarioPath = options.Text("scenario", Path.Combine("scenarios", "reference.yaml"));
        var hormonesPath = options.Text("hormones", Path.Combine("components", "local", "hormones.json"));
        var output = options.Text("out", Path.Combine("docs", "benchmarks", "coldstart"));
        // Extra environment for every app ("Name=value,Name=value"), to run the benchmark with one cold-start rule switched off.
        var appEnvironment = options.Text("app-env", "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(pair => pair.Split('=', 2))
            .ToList();
        if (appEnvironment.FirstOrDefault(pair => pair.Length != 2 || pair[0].Length == 0) is { } bad)
        {
            Console.Error.WriteLine($"coldstart: --app-env: '{string.Join('=', bad)}' is not Name=value");
            return 2;
        }

        var userEnvironment = appEnvironment.ToList();
        Scenario scenario;
        Dictionary<string, string> hormones;
        IReadOnlyList<string> scaledBreaks = [];
        double shorten, rateScale;
        int runs, seed;
        try
        {
            shorten = options.Number("shorten", 0.1, 0.001, 1);
            rateScale = options.Number("rate-scale", 0.25, 0.001, 10);
            runs = options.Integer("runs", 1, 1, 20);
            seed = options.Integer("seed", 1, 0);
            scenario = ScenarioParser.Load(scenarioPath);
            hormones = JsonSerializer.Deserialize<Dictionary<string, string>>(await File.ReadAllTextAsync(hormonesPath))
                ?? throw new ArgumentException($"--hormones: {hormonesPath} is empty");
            if (!options.Flag("keep-break-times"))
            {
                (hormones, scaledBreaks) = ShortenedHormones.Scale(hormones, shorten);
            }
        }
        catch (Exception ex) when (ex is ArgumentException or IOException or JsonException or ScenarioFormatException or FormatException)
        {
            Console.Error.WriteLine($"coldstart: {ex.Message}");
            return 2;
        }

        var calm = scenario.Phases
            .Where(p => p.Faults.Count == 0 && (p.Rate.Percent ? Math.Max(p.Rate.From, p.Rate.To) <= 70 : Math.Max(p.Rate.From, p.Rate.To) <= 0.7 * scenario.CapacityRps))
            .Select(p => p.Name)
            .ToHashSet(StringComparer.Ordinal);
        Directory.CreateDirectory(output);
        // SIGTERM as well as Ctrl-C: the organism of the run is stopped (runner, sidecars, cells, Redis), not left running.
        using var stop = Options.StopOnCtrlC("stopping; the organism of this run is stopped");
        if (!options.Flag("keep-break-times") && shorten < 1)
        {
            // The live cortex would otherwise walk a scaled break time back toward its unshortened values within a few windows.
            appEnvironment.Insert(0, ["Cortex__Guardrails__MaxBreakerBreakMs", ShortenedHormones.CortexMaxBreak(shorten).ToString(CultureInfo.InvariantCulture)]);
            Console.WriteLine($"--shorten {shorten.ToString(CultureInfo.InvariantCulture)}: breaker break times scaled by the same factor for both replays (--keep-break-times keeps them): "
                + string.Join("; ", scaledBreaks.Append($"the cortex's largest break time {ShortenedHormones.CortexMaxBreakMs} -> {ShortenedHormones.CortexMaxBreak(shorten)} ms")));
        }


        var results = new List<RunResult>();
        try
        {
            for (var run = 1; run <= runs; run++)
            {
                results.Add(await RunOnceAsync(run, scenarioPath, hormones, appEnvironment, shorten, rateScale, seed + run - 1, calm, output, stop.Token));
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            return 130;
        }
        catch (Exception ex) when (ex is RedisException or HttpRequestException or InvalidOperationException or IOException)
        {
            Console.Error.WriteLine($"coldstart: {ex.Message}");
            return 1;
        }

        var command = $"./biodapr cortex coldstart --scenario {scenarioPath} --shorten {shorten.ToString(CultureInfo.InvariantCulture)} --rate-scale {rateScale.ToString(CultureInfo.InvariantCulture)} --runs {runs} --seed {seed}"
            + (hormonesPath == Path.Combine("components", "local", "hormones.json") ? "" : $" --hormones {hormonesPath}")
            + (options.Flag("keep-break-times") ? " --keep-break-times" : "")
            + (userEnvironment.Count == 0 ? "" : $" --app-env {string.Join(',', userEnvironment.Select(pair => string.Join('=', pair)))}");
        var hormoneRule = "the hormone file's values written before each replay (cold and warm)"
            + (options.Flag("keep-break-times") || shorten >= 1 ? "" : $"; break times scaled by {shorten.ToString(CultureInfo.InvariantCulture)}: {string.Join("; ", scaledBreaks)}; cortex's largest break time {ShortenedHormones.CortexMaxBreak(shorten)} ms");
        var table = Table(results, calm, command) + Environment.NewLine + $"Hormones: {hormoneRule}." + Environment.NewLine;
        await File.WriteAllTextAsync(Path.Combine(output, "results.json"), JsonSerializer.Serialize(new { command, hormones = hormoneRule, calmPhases = calm, runs = results }, Json));
        await File.WriteAllTextAsync(Path.Combine(output, "results.md"), table);
        Console.WriteLine();
        Console.WriteLine(table);
        Console.WriteLine($"written to {output}");
        return 0;
    }

    private static async Task<RunResult> RunOnceAsync(
        int run, string scenarioPath, Dictionary<string, string> hormones, List<string[]> appEnvironment, double shorten, double rateScale, int seed, HashSet<string> calm, string output, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(Path.Combine(output, "runs"));
        var organism = new LocalOrganism { LogDirectory = Path.Combine(output, "runs") };
        foreach (var app in new[] { "gateway", "orders", "inventory", "payments", "notifications", "cortex" })
        {
            // Warnings and errors only: logging every request would cost more CPU than serving it.
            organism.AppEnvironment[app] = new Dictionary<string, string>(StringComparer.Ordinal) { ["Logging__LogLevel__Default"] = "Warning" };
            foreach (var pair in appEnvironment)
            {
                organism.AppEnvironment[app][pair[0]] = pair[1];
            }
        }

        var started = TimeProvider.System.GetTimestamp();
        Console.WriteLine($"run {run}: starting the organism");
        try
        {
            await organism.StartAsync(cancellationToken);
            var startup = TimeProvider.System.GetElapsedTime(started);
            Console.WriteLine($"run {run}: up after {startup.TotalSeconds:F1} s; replaying at once (cold)");
            await SetHormonesAsync(organism, hormones, cancellationToken);
            var cold = await ReplayAsync(organism, scenarioPath, shorten, rateScale, seed, cancellationToken);
            Console.WriteLine($"run {run}: cold {Summary(cold, calm)}");
            await SaveAuditAsync(organism, Path.Combine(output, "runs", $"run{run}-audit-cold.json"), cancellationToken);
            // The warm replay starts from the cold one's hormones, not from what the live cortex left: only warmth differs.
            var changed = await SetHormonesAsync(organism, hormones, cancellationToken);
            Console.WriteLine($"run {run}: hormones written back to the file's values ({changed.Count} changed during the cold replay{(changed.Count == 0 ? "" : ": " + string.Join(", ", changed.Take(8)) + (changed.Count > 8 ? ", …" : ""))}); replaying again (warm)");
            var warm = await ReplayAsync(organism, scenarioPath, shorten, rateScale, seed, cancellationToken);
            await SaveAuditAsync(organism, Path.Combine(output, "runs", $"run{run}-audit-warm.json"), cancellationToken);
            // Every second of both replays (sent, goodput, shed, 5xx, late, connection failures, p50/p99), to see what errs when.
            await File.WriteAllTextAsync(Path.Combine(output, "runs", $"run{run}-seconds.json"), JsonSerializer.Serialize(new { cold, warm }, Json), cancellationToken);
            Console.WriteLine($"run {run}: warm {Summary(warm, calm)}");
            return new RunResult(run, startup.TotalSeconds, Measure(cold, calm), Measure(warm, calm));
        }
        finally
        {
            await organism.DisposeAsync();
        }
    }

    // The values ./biodapr up seeds, and no per-client cap on the replay's single client; returns the hormones whose value
    // in the store differed (what the live cortex changed since the last write).
    private static async Task<List<string>> SetHormonesAsync(LocalOrganism organism, Dictionary<string, string> hormones, CancellationToken cancellationToken)
    {
        await using var connection = await HormoneWriter.ConnectAsync($"127.0.0.1:{organism.Redis}").WaitAsync(cancellationToken);
        var redis = connection.GetDatabase();
        var values = new Dictionary<string, string>(hormones, StringComparer.Ordinal) { ["gateway.ratePerSecond"] = "100000", ["gateway.burst"] = "100000" };
        var changed = new List<string>();
        foreach (var (name, value) in values.OrderBy(v => v.Key, StringComparer.Ordinal))
        {
            var stored = (string?)await redis.StringGetAsync(name).WaitAsync(cancellationToken);
            if (stored is not null && HormoneValue.Parse(stored).Value != value)
            {
                changed.Add(name);
            }
        }

        await HormoneWriter.SetAsync(redis, values.Select(v => (v.Key, (string?)v.Value)), TimeProvider.System.GetUtcNow(), cancellationToken);
        return changed;
    }

    // The cortex's audit of every pathway it knows (newest first), as it stands now: what the live cortex changed, when and
    // why. Best effort: a cortex that does not answer leaves the reason in the file instead.
    private static async Task SaveAuditAsync(LocalOrganism organism, string path, CancellationToken cancellationToken)
    {
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{organism.CortexPort}"), Timeout = TimeSpan.FromSeconds(10) };
        var audits = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        try
        {
            var known = await http.GetFromJsonAsync<JsonElement>("/pathways", cancellationToken);
            foreach (var sighting in known.EnumerateArray())
            {
                var pathway = sighting.GetProperty("pathway").GetString() ?? string.Empty;
                var parts = pathway.Split('→', 2);
                if (parts.Length == 2)
                {
                    audits[pathway] = await http.GetFromJsonAsync<JsonElement>($"/pathways/{Uri.EscapeDataString(parts[0])}/{Uri.EscapeDataString(parts[1])}/audit?limit=1000", cancellationToken);
                }
            }

            await File.WriteAllTextAsync(path, JsonSerializer.Serialize(audits, Json), cancellationToken);
        }
        catch (Exception ex) when (ex is HttpRequestException or JsonException or InvalidOperationException or KeyNotFoundException or TaskCanceledException)
        {
            await File.WriteAllTextAsync(path, JsonSerializer.Serialize(new { error = ex.Message, audits }, Json), cancellationToken);
        }
    }

    private static Task<IReadOnlyList<SecondReport>> ReplayAsync(LocalOrganism organism, string scenarioPath, double shorten, double rateScale, int seed, CancellationToken cancellationToken) =>
        new LoadGenerator(
            new LoadOptions
            {
                ScenarioPath = scenarioPath,
                Target = new Uri($"http://127.0.0.1:{organism.GatewayPort}/api/orders"),
                ApiKey = LocalOrganism.ShopApiKey,
                HormoneRedis = $"127.0.0.1:{organism.Redis}",
                Shorten = shorten,
                RateScale = rateScale,
                Seed = seed,
            },
            TextWriter.Null,
            TimeProvider.System).RunAsync(cancellationToken);

    private static ReplayResult Measure(IReadOnlyList<SecondReport> seconds, HashSet<string> calm)
    {
        static double Goodput(IEnumerable<SecondReport> s) => s.Sum(r => r.Sent) is var sent and > 0 ? 100.0 * s.Sum(r => r.Goodput) / sent : 0;
        var phases = seconds.GroupBy(s => s.Phase).Select(g => new PhaseResult(g.Key, g.Sum(s => s.Sent), Math.Round(Goodput(g), 1), g.Count(IsErrorSecond))).ToList();
        return new ReplayResult(
            seconds.Sum(s => s.Sent),
            Math.Round(Goodput(seconds), 1),
            Math.Round(Goodput(seconds.Where(s => calm.Contains(s.Phase))), 1),
            seconds.Count(s => calm.Contains(s.Phase) && IsErrorSecond(s)),
            seconds.Where(s => calm.Contains(s.Phase)).Count(),
            phases);
    }

    // A second with any answer that is an error the organism caused (5xx, shed, connection failure).
    private static bool IsErrorSecond(SecondReport second) => second.ServerErrors + second.Shed + second.Transport > 0;

    private static string Summary(IReadOnlyList<SecondReport> seconds, HashSet<string> calm)
    {
        var result = Measure(seconds, calm);
        return $"sent {result.Sent}, goodput {result.Goodput:F1} %, calm goodput {result.CalmGoodput:F1} %, calm seconds with errors {result.CalmErrorSeconds} of {result.CalmSeconds}; "
            + $"slow {seconds.Sum(s => s.Slow)}, shed {seconds.Sum(s => s.Shed)}, 4xx {seconds.Sum(s => s.ClientErrors)}, 5xx {seconds.Sum(s => s.ServerErrors)}, late {seconds.Sum(s => s.Deadline)}, connection {seconds.Sum(s => s.Transport)}, median p50 {Median(seconds.Select(s => s.P50Ms)):F0} ms";
    }

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count == 0 ? 0 : sorted[sorted.Count / 2];
    }

    private static string Table(List<RunResult> results, HashSet<string> calm, string command)
    {
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"Command: `{command}`; calm phases (no fault, at most 70 % of capacity): {string.Join(", ", calm)}. A recovery phase right after a fault is calm by its rate, but its first seconds are the breakers' break time by design.");
        text.AppendLine();
        text.AppendLine("| run | up after (s) | cold goodput | warm goodput | difference (points) | cold calm goodput | warm calm goodput | calm seconds with errors, cold / warm |");
        text.AppendLine("|---|---|---|---|---|---|---|---|");
        foreach (var r in results)
        {
            text.AppendLine(CultureInfo.InvariantCulture,
                $"| {r.Run} | {r.StartupSeconds:F1} | {r.Cold.Goodput:F1} % | {r.Warm.Goodput:F1} % | {r.Cold.Goodput - r.Warm.Goodput:+0.0;-0.0;0.0} | {r.Cold.CalmGoodput:F1} % | {r.Warm.CalmGoodput:F1} % | {r.Cold.CalmErrorSeconds} / {r.Warm.CalmErrorSeconds} of {r.Cold.CalmSeconds} |");
        }

        text.AppendLine();
        text.AppendLine("| phase | " + string.Join(" | ", results.SelectMany(r => new[] { $"run {r.Run} cold", $"run {r.Run} warm" })) + " |");
        text.AppendLine("|---|" + string.Concat(Enumerable.Repeat("---|", results.Count * 2)));
        foreach (var phase in results[0].Cold.Phases.Select(p => p.Name))
        {
            text.Append(CultureInfo.InvariantCulture, $"| {phase} |");
            foreach (var r in results)
            {
                foreach (var replay in new[] { r.Cold, r.Warm })
                {
                    var p = replay.Phases.FirstOrDefault(x => x.Name == phase);
                    text.Append(CultureInfo.InvariantCulture, $" {p?.Goodput:F1} % ({p?.ErrorSeconds} error s) |");
                }
            }

            text.AppendLine();
        }

        return text.ToString();
    }

    private sealed record RunResult(int Run, double StartupSeconds, ReplayResult Cold, ReplayResult Warm);

    private sealed record ReplayResult(int Sent, double Goodput, double CalmGoodput, int CalmErrorSeconds, int CalmSeconds, IReadOnlyList<PhaseResult> Phases);

    private sealed record PhaseResult(string Name, int Sent, double Goodput, int ErrorSeconds);
}

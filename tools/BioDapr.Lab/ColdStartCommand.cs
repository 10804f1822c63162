using System.Net.Http.Json;
using System.Globalization;
using System.Text;
using System.Text.Json;
using BioDapr.Contracts.Hormones;
using BioDapr.Launcher;
using BioDapr.Launcher.Telemetry;
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
/// With more than one run the table ends with the paired differences (cold − warm, run by run) and their 95 % interval.
/// <c>--trace</c> has every cell and sidecar export its spans to a collector in this process and writes, per run, the
/// order traces of the first seconds of both replays hop by hop (<c>runs/run&lt;N&gt;-hops.md</c>, <see cref="TraceHops"/>):
/// where the first real orders of a young organism spend their time that a warm organism's do not. Every run also writes
/// the CPU each process used in each of the first 10 s of both replays, the time its threads waited for a CPU (run
/// queue) and its thread count (<c>runs/run&lt;N&gt;-cpu.md</c>). With one run there is no paired interval (it needs two
/// pairs): the results say so, and results.json has <c>null</c> for its ends.
/// </summary>
internal static class ColdStartCommand
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };
    private static readonly JsonSerializerOptions JsonLines = new(JsonSerializerDefaults.Web);

    public static async Task<int> RunAsync(string[] args)
    {
        Options options;
        try
        {
            options = new Options(args, "scenario", "shorten", "rate-scale", "runs", "hormones", "seed", "out", "app-env", "keep-break-times", "trace");
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
        await using var collector = options.Flag("trace") ? new SpanCollector() : null;
        try
        {
            if (collector is not null)
            {
                await collector.StartAsync(stop.Token);
                Console.WriteLine($"--trace: every cell and sidecar exports its spans to {collector.Endpoint}; the first {TracedSeconds} s of each replay are kept and read hop by hop");
            }

            for (var run = 1; run <= runs; run++)
            {
                results.Add(await RunOnceAsync(run, scenarioPath, hormones, appEnvironment, shorten, rateScale, seed + run - 1, calm, output, collector, stop.Token));
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
            + (userEnvironment.Count == 0 ? "" : $" --app-env {string.Join(',', userEnvironment.Select(pair => string.Join('=', pair)))}")
            + (collector is null ? "" : " --trace");
        var hormoneRule = "the hormone file's values written before each replay (cold and warm)"
            + (options.Flag("keep-break-times") || shorten >= 1 ? "" : $"; break times scaled by {shorten.ToString(CultureInfo.InvariantCulture)}: {string.Join("; ", scaledBreaks)}; cortex's largest break time {ShortenedHormones.CortexMaxBreak(shorten)} ms");
        var paired = Paired(results);
        var table = Table(results, paired, calm, command) + Environment.NewLine + $"Hormones: {hormoneRule}." + Environment.NewLine;
        await File.WriteAllTextAsync(Path.Combine(output, "results.json"), JsonSerializer.Serialize(new { command, hormones = hormoneRule, calmPhases = calm, runs = results, paired }, Json));
        await File.WriteAllTextAsync(Path.Combine(output, "results.md"), table);
        Console.WriteLine();
        Console.WriteLine(table);
        Console.WriteLine($"written to {output}");
        return 0;
    }

    /// <summary>How many seconds at the start of each replay the trace keeps.</summary>
    private const int TracedSeconds = 10;

    /// <summary>The start of each replay whose goodput is also compared on its own: where a cold start shows.</summary>
    private const int FirstSeconds = 20;

    private static async Task<RunResult> RunOnceAsync(
        int run, string scenarioPath, Dictionary<string, string> hormones, List<string[]> appEnvironment, double shorten, double rateScale, int seed, HashSet<string> calm, string output,
        SpanCollector? collector, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(Path.Combine(output, "runs"));
        var organism = new LocalOrganism
        {
            LogDirectory = Path.Combine(output, "runs"),
            SidecarOtlpEndpoint = collector is null ? null : $"127.0.0.1:{collector.Port}",
        };
        foreach (var app in new[] { "gateway", "orders", "inventory", "payments", "notifications", "cortex" })
        {
            // Warnings and errors only: logging every request would cost more CPU than serving it.
            organism.AppEnvironment[app] = new Dictionary<string, string>(StringComparer.Ordinal) { ["Logging__LogLevel__Default"] = "Warning" };
            foreach (var (name, value) in collector?.CellEnvironment ?? new Dictionary<string, string>())
            {
                organism.AppEnvironment[app][name] = value;
            }

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
            var processes = Processes(organism);
            var coldStarted = Traced(collector);
            var coldCpu = SampleCpuAsync(processes, cancellationToken);
            var cold = await ReplayAsync(organism, scenarioPath, shorten, rateScale, seed, cancellationToken);
            Console.WriteLine($"run {run}: cold {Summary(cold, calm)}");
            await SaveAuditAsync(organism, Path.Combine(output, "runs", $"run{run}-audit-cold.json"), cancellationToken);
            // The warm replay starts from the cold one's hormones, not from what the live cortex left: only warmth differs.
            var changed = await SetHormonesAsync(organism, hormones, cancellationToken);
            Console.WriteLine($"run {run}: hormones written back to the file's values ({changed.Count} changed during the cold replay{(changed.Count == 0 ? "" : ": " + string.Join(", ", changed.Take(8)) + (changed.Count > 8 ? ", …" : ""))}); replaying again (warm)");
            var warmStarted = Traced(collector);
            var warmCpu = SampleCpuAsync(processes, cancellationToken);
            var warm = await ReplayAsync(organism, scenarioPath, shorten, rateScale, seed, cancellationToken);
            await WriteCpuAsync(await coldCpu, await warmCpu, Path.Combine(output, "runs", $"run{run}-cpu.md"), cancellationToken);
            await SaveAuditAsync(organism, Path.Combine(output, "runs", $"run{run}-audit-warm.json"), cancellationToken);
            // Every second of both replays (sent, goodput, shed, 5xx, late, connection failures, p50/p99), to see what errs when.
            await File.WriteAllTextAsync(Path.Combine(output, "runs", $"run{run}-seconds.json"), JsonSerializer.Serialize(new { coldStarted, warmStarted, cold, warm }, Json), cancellationToken);
            if (collector is not null)
            {
                await WriteHopsAsync(collector, coldStarted, warmStarted, Path.Combine(output, "runs", $"run{run}-hops"), cancellationToken);
                Console.WriteLine($"run {run}: order traces hop by hop written to {Path.Combine(output, "runs", $"run{run}-hops.md")}");
                collector.Clear();
            }

            Console.WriteLine($"run {run}: warm {Summary(warm, calm)}");
            return new RunResult(run, startup.TotalSeconds, Measure(cold, calm), Measure(warm, calm));
        }
        finally
        {
            await organism.DisposeAsync();
        }
    }

    // Every process of the organism (cells, sidecars, Redis, the runner) and this one (the load generator's client).
    private static List<(string Name, int Pid)> Processes(LocalOrganism organism)
    {
        var processes = new List<(string, int)> { ("lab (load generator)", Environment.ProcessId), ("runner", organism.Runner.Id) };
        if (organism.RedisProcessId is { } redis)
        {
            processes.Add(("redis-server", redis));
        }

        foreach (var app in new[] { "gateway", "orders", "inventory", "payments", "notifications", "cortex" })
        {
            foreach (var sidecar in new[] { false, true })
            {
                try
                {
                    processes.Add((sidecar ? app + "-sidecar" : app, organism.ProcessOf(app, sidecar)));
                }
                catch (InvalidOperationException)
                {
                    // Not running (an app the run left out): nothing to sample.
                }
            }
        }

        return processes;
    }

    // Per process, in each of the replay's first seconds: the CPU milliseconds it used, the milliseconds its threads waited
    // for a CPU (run queue: /proc/<pid>/task/*/schedstat), and its threads at the second's end (a thread pool that grows
    // in the first seconds is one that was starved); and the load average at the start.
    private static async Task<CpuSample> SampleCpuAsync(List<(string Name, int Pid)> processes, CancellationToken cancellationToken)
    {
        var load = double.Parse(File.ReadAllText("/proc/loadavg").Split(' ')[0], CultureInfo.InvariantCulture);
        var cpu = processes.ToDictionary(p => p.Name, _ => new double[TracedSeconds], StringComparer.Ordinal);
        var wait = processes.ToDictionary(p => p.Name, _ => new double[TracedSeconds], StringComparer.Ordinal);
        var threads = processes.ToDictionary(p => p.Name, _ => new double[TracedSeconds], StringComparer.Ordinal);
        var waits = new RunQueueWaitCounter();
        var last = processes.ToDictionary(p => p.Name, p => ProcessCpu.Milliseconds(p.Pid), StringComparer.Ordinal);
        var lastWait = processes.ToDictionary(p => p.Name, p => waits.Milliseconds(p.Pid), StringComparer.Ordinal);
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1));
        for (var second = 0; second < TracedSeconds && await timer.WaitForNextTickAsync(cancellationToken); second++)
        {
            foreach (var (name, pid) in processes)
            {
                var now = ProcessCpu.Milliseconds(pid);
                cpu[name][second] = now is { } n && last[name] is { } l ? n - l : double.NaN;
                last[name] = now;
                var waited = waits.Milliseconds(pid);
                wait[name][second] = waited - lastWait[name];
                lastWait[name] = waited;
                threads[name][second] = ProcessCpu.RunQueueWaitByThread(pid)?.Count ?? double.NaN;
            }
        }

        return new CpuSample(load, cpu, wait, threads);
    }

    private sealed record CpuSample(double Load, Dictionary<string, double[]> Cpu, Dictionary<string, double[]> Wait, Dictionary<string, double[]> Threads);

    private static async Task WriteCpuAsync(CpuSample cold, CpuSample warm, string path, CancellationToken cancellationToken)
    {
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"CPU milliseconds per second of each process in the first {TracedSeconds} s of each replay (/proc/<pid>/stat, user + system; 2,000 ms is both cores). Load average (1 min) at the start: cold {cold.Load:F1}, warm {warm.Load:F1}.");
        text.AppendLine();
        Table(text, cold.Cpu, warm.Cpu, "all of the organism and the lab", sum: true);
        text.AppendLine();
        text.AppendLine("Run-queue wait: milliseconds per second that the process's threads were runnable but waited for a CPU (/proc/<pid>/task/*/schedstat; summed over its threads, so it can exceed 1,000). A process on the order's path that waits more in cold second 0 than in warm second 0 was short of CPU.");
        text.AppendLine();
        Table(text, cold.Wait, warm.Wait, "all of the organism and the lab", sum: true);
        text.AppendLine();
        text.AppendLine("Threads of each process at the end of each second (a count that grows in the first seconds of the cold replay, and not in the warm one, is a thread pool adding threads because work waited).");
        text.AppendLine();
        Table(text, cold.Threads, warm.Threads, null, sum: false);
        await File.WriteAllTextAsync(path, text.ToString(), cancellationToken);

        static void Table(StringBuilder text, Dictionary<string, double[]> cold, Dictionary<string, double[]> warm, string? total, bool sum)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"| process | cold s0 | cold s1 | cold s2-{TracedSeconds - 1} (mean) | warm s0 | warm s1 | warm s2-{TracedSeconds - 1} (mean) |");
            text.AppendLine("|---|---|---|---|---|---|---|");
            static string Row(double[] c, double[] w) => string.Create(CultureInfo.InvariantCulture, $"{c[0]:F0} | {c[1]:F0} | {c[2..].Average():F0} | {w[0]:F0} | {w[1]:F0} | {w[2..].Average():F0}");
            foreach (var name in cold.Keys.OrderByDescending(n => cold[n][0] + cold[n][1]))
            {
                text.AppendLine(CultureInfo.InvariantCulture, $"| {name} | {Row(cold[name], warm[name])} |");
            }

            static double[] Sum(Dictionary<string, double[]> values) => [.. Enumerable.Range(0, TracedSeconds).Select(i => values.Values.Sum(v => double.IsNaN(v[i]) ? 0 : v[i]))];
            if (sum && total is not null)
            {
                text.AppendLine(CultureInfo.InvariantCulture, $"| {total} | {Row(Sum(cold), Sum(warm))} |");
            }
        }
    }

    // The replay starts now: the collector (when tracing) keeps the spans of its first seconds.
    private static DateTimeOffset Traced(SpanCollector? collector)
    {
        var now = TimeProvider.System.GetUtcNow();
        collector?.Keep(now.AddSeconds(-1), now.AddSeconds(TracedSeconds + 5));
        return now;
    }

    // The order traces of cold seconds 0, 1 and 2–9 against the warm replay's same seconds, hop by hop.
    private static async Task WriteHopsAsync(SpanCollector collector, DateTimeOffset cold, DateTimeOffset warm, string path, CancellationToken cancellationToken)
    {
        // The cells' batch exporters send within 200 ms, the sidecars' within 500 ms: the first seconds are long in.
        await Task.Delay(TimeSpan.FromSeconds(2), cancellationToken);
        static HopBucket Bucket(string label, DateTimeOffset start, int from, int to) =>
            new(label, SpanCollector.UnixNano(start.AddSeconds(from)), SpanCollector.UnixNano(start.AddSeconds(to)));
        var table = TraceHops.Compare(collector.Spans,
        [
            Bucket("cold s0", cold, 0, 1), Bucket("cold s1", cold, 1, 2), Bucket("cold s2-9", cold, 2, TracedSeconds),
            Bucket("warm s0", warm, 0, 1), Bucket("warm s1", warm, 1, 2), Bucket("warm s2-9", warm, 2, TracedSeconds),
        ]);
        var header = $"Order traces (root: the gateway's POST /api/orders) by the second of the replay their root started in; {collector.Received} spans received, {collector.Spans.Count} kept, {collector.Rejected} exports rejected. "
            + "A hop is a span of one process (a cell, or its sidecar: `-sidecar`); `(self)` is a span's time outside its children. Per bucket: the median and p90 over the traces of the time in that hop per trace, and the calls per trace."
            + Environment.NewLine + Environment.NewLine;
        await File.WriteAllTextAsync(path + ".md", header + table.ToMarkdown(), cancellationToken);
        await File.WriteAllTextAsync(path + ".json", JsonSerializer.Serialize(table, Json), cancellationToken);
        // The kept spans themselves (one JSON object a line, gzipped), to read them other ways than the table does.
        await using var file = File.Create(path.Replace("-hops", "-spans", StringComparison.Ordinal) + ".jsonl.gz");
        await using var gzip = new System.IO.Compression.GZipStream(file, System.IO.Compression.CompressionLevel.Fastest);
        await using var writer = new StreamWriter(gzip);
        foreach (var span in collector.Spans)
        {
            await writer.WriteLineAsync(JsonSerializer.Serialize(new
            {
                span.Service, span.Scope, span.TraceId, span.SpanId, span.ParentSpanId, span.Name, Kind = span.Kind.ToString(), span.StartUnixNano, span.EndUnixNano,
                Url = span.Attributes.GetValueOrDefault("url.full"), Status = span.Status.ToString(),
            }, JsonLines).AsMemory(), cancellationToken);
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
            Math.Round(Goodput(seconds.Where(s => s.Second < FirstSeconds)), 1),
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

    private static string Table(List<RunResult> results, PairedSummary paired, HashSet<string> calm, string command)
    {
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"Command: `{command}`; calm phases (no fault, at most 70 % of capacity): {string.Join(", ", calm)}. A recovery phase right after a fault is calm by its rate, but its first seconds are the breakers' break time by design.");
        text.AppendLine();
        text.AppendLine(CultureInfo.InvariantCulture, $"| run | up after (s) | cold goodput | warm goodput | difference (points) | first {FirstSeconds} s cold / warm | cold calm goodput | warm calm goodput | calm seconds with errors, cold / warm |");
        text.AppendLine("|---|---|---|---|---|---|---|---|---|");
        foreach (var r in results)
        {
            text.AppendLine(CultureInfo.InvariantCulture,
                $"| {r.Run} | {r.StartupSeconds:F1} | {r.Cold.Goodput:F1} % | {r.Warm.Goodput:F1} % | {r.Cold.Goodput - r.Warm.Goodput:+0.0;-0.0;0.0} | {r.Cold.FirstGoodput:F1} / {r.Warm.FirstGoodput:F1} % | {r.Cold.CalmGoodput:F1} % | {r.Warm.CalmGoodput:F1} % | {r.Cold.CalmErrorSeconds} / {r.Warm.CalmErrorSeconds} of {r.Cold.CalmSeconds} |");
        }

        text.AppendLine();
        text.AppendLine(CultureInfo.InvariantCulture, $"Paired differences, cold − warm, in points (run by run on the same organism): goodput {paired.Goodput}; first {FirstSeconds} s {paired.First}; calm phases {paired.Calm}. "
            + $"The target (cold within 2 points of warm) is shown met when the goodput interval's lower end is at or above −2: {(paired.Goodput.WithinOf(2) ? "yes" : "no")}.");
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

    private static PairedSummary Paired(List<RunResult> results) => new(
        PairedDifference.Of([.. results.Select(r => r.Cold.Goodput)], [.. results.Select(r => r.Warm.Goodput)]),
        PairedDifference.Of([.. results.Select(r => r.Cold.FirstGoodput)], [.. results.Select(r => r.Warm.FirstGoodput)]),
        PairedDifference.Of([.. results.Select(r => r.Cold.CalmGoodput)], [.. results.Select(r => r.Warm.CalmGoodput)]));

    private sealed record PairedSummary(PairedDifference Goodput, PairedDifference First, PairedDifference Calm);

    private sealed record RunResult(int Run, double StartupSeconds, ReplayResult Cold, ReplayResult Warm);

    private sealed record ReplayResult(int Sent, double Goodput, double FirstGoodput, double CalmGoodput, int CalmErrorSeconds, int CalmSeconds, IReadOnlyList<PhaseResult> Phases);

    private sealed record PhaseResult(string Name, int Sent, double Goodput, int ErrorSeconds);
}

using BioDapr.Chaos;
using BioDapr.Chaos.Reporting;
using BioDapr.Launcher;

// ./biodapr chaos [--quick] [--seed N] [--faults name,...] [--orders N] [--rate R] [--terminal-within S] [--out FILE] [--report FILE | --no-report]
ChaosOptions options;
try
{
    options = ChaosOptions.Parse(args, LocalOrganism.RepositoryRoot);
}
catch (ArgumentException ex)
{
    await Console.Error.WriteLineAsync("biodapr chaos: " + ex.Message);
    return 2;
}

// Ctrl-C, SIGTERM or SIGHUP: the organism is stopped before the process ends.
using var stop = new StopSignals(signal => Console.Error.WriteLine($"biodapr chaos: {signal}; stopping the organism"));

var startedAt = DateTimeOffset.UtcNow;
var loadBefore = LoadAverage();
Console.WriteLine($"chaos: starting the organism (redis-server with AOF, run -f, 6 cells and sidecars); seed {options.Seed}, {(options.Quick ? "quick" : "full")} matrix, load average {loadBefore}");
await using var organism = new LocalOrganism { RedisAppendOnly = true, StartTimeout = TimeSpan.FromMinutes(10), LogDirectory = Path.Combine(Path.GetTempPath(), "biodapr-chaos") };
Directory.CreateDirectory(organism.LogDirectory);
try
{
    await organism.StartAsync(stop.Token);
    Console.WriteLine($"chaos: the organism is up ({(DateTimeOffset.UtcNow - startedAt).TotalSeconds:0} s); its output is kept in {organism.LogDirectory}");
    var results = await new ChaosRunner(organism, options, Console.Out, TimeProvider.System).RunAsync(stop.Token);
    Console.WriteLine();
    Console.Write(ChaosReport.Table(results));
    var run = new ChaosRunInfo(
        "./biodapr chaos " + string.Join(' ', args),
        options.ResultsPath is { } resultsPath ? Path.GetRelativePath(LocalOrganism.RepositoryRoot, resultsPath) : "(none)",
        options.Seed,
        options.Quick,
        options.Orders,
        options.Rate,
        (int)options.TerminalWithin.TotalSeconds,
        (int)options.ClientPatience.TotalSeconds,
        Environment.ProcessorCount,
        loadBefore,
        LoadAverage(),
        startedAt,
        (DateTimeOffset.UtcNow - startedAt).TotalSeconds);
    if (options.ResultsPath is { } json)
    {
        await ChaosReport.WriteJsonAsync(json, run, results, CancellationToken.None);
        Console.WriteLine($"chaos: results written to {json}");
    }

    if (options.ReportPath is { } report)
    {
        await ChaosReport.WriteMarkdownAsync(report, run, results, CancellationToken.None);
        Console.WriteLine($"chaos: report written to {report}");
    }

    var failed = results.Count(r => !r.Passed);
    Console.WriteLine(failed == 0 ? $"chaos: every check passed for all {results.Count} faults" : $"chaos: {failed} of {results.Count} faults failed a check");
    return failed == 0 ? 0 : 1;
}
catch (Exception ex) when (ex is InvalidOperationException or TimeoutException or ArgumentException or IOException or BioDapr.Redis.RedisConnectionException or BioDapr.Redis.RedisServerException)
{
    await Console.Error.WriteLineAsync("biodapr chaos: " + ex.Message);
    return 1;
}
catch (OperationCanceledException) when (stop.IsCancellationRequested)
{
    await Console.Error.WriteLineAsync("biodapr chaos: stopped");
    return 130;
}

static string LoadAverage() =>
    File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "unknown";

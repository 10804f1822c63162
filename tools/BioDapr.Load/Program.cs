using System.Text.Json;
using BioDapr.Load;
using BioDapr.Scenarios;

// ./biodapr load --scenario scenarios/reference.yaml [--shorten 0.1] [--rate-scale 0.25] [--warmup 20] [--emulate] [--out load.json]
LoadOptions options;
try
{
    options = LoadOptions.Parse(args);
}
catch (ArgumentException ex)
{
    Console.Error.WriteLine("biodapr load: " + ex.Message);
    return 2;
}

using var stop = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    stop.Cancel();
};

try
{
    var reports = await new LoadGenerator(options, Console.Out, TimeProvider.System).RunAsync(stop.Token);
    Console.WriteLine(" sec phase              target  sent  good  slow  shed   4xx   5xx  late  conn   p50ms   p99ms");
    foreach (var r in reports)
    {
        Console.WriteLine($"{r.Second,4} {r.Phase,-18} {r.TargetRps,6:F0} {r.Sent,5} {r.Goodput,5} {r.Slow,5} {r.Shed,5} {r.ClientErrors,5} {r.ServerErrors,5} {r.Deadline,5} {r.Transport,5} {r.P50Ms,7:F1} {r.P99Ms,7:F1}");
    }

    var sent = reports.Sum(r => r.Sent);
    Console.WriteLine($"total: sent {sent}, goodput {reports.Sum(r => r.Goodput)} ({(sent == 0 ? 0 : 100.0 * reports.Sum(r => r.Goodput) / sent):F1}%)");
    if (options.Output is { } output)
    {
        await File.WriteAllTextAsync(output, JsonSerializer.Serialize(reports, new JsonSerializerOptions(JsonSerializerDefaults.Web) { WriteIndented = true }));
        Console.WriteLine($"written to {output}");
    }

    return 0;
}
catch (Exception ex) when (ex is ScenarioFormatException or ArgumentException or FormatException or StackExchange.Redis.RedisException or TimeoutException or IOException)
{
    Console.Error.WriteLine("biodapr load: " + ex.Message);
    return 1;
}

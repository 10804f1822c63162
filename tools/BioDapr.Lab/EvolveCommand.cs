using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using BioDapr.Scenarios;
using BioDapr.Simulation.Training;

namespace BioDapr.Lab;

/// <summary>
/// <c>evolve</c>: the static-policy search as a Dapr workflow on the running cortex (<c>POST /evolutions</c> on its
/// public port), watched with progress and ETA; <c>watch</c> picks a running one up again, <c>adopt</c> puts a
/// finished one's policy in force. <c>--in-process</c> runs the same search here, through the same fitness code the
/// workflow's activity runs (for platforms without Dapr Workflow, such as Azure Container Apps). Starting and adopting
/// are operator actions: the key comes from <c>--operator-key</c>, else <c>BIODAPR_OPERATOR_KEY</c>, else (for the local
/// cortex only) the development key in <c>components/local/secrets.json</c>.
/// </summary>
internal static class EvolveCommand
{
    private const string DefaultCortex = "http://127.0.0.1:5109";
    private const string LocalSecrets = "components/local/secrets.json";
    private static readonly JsonSerializerOptions Web = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    public static async Task<int> RunAsync(string[] args)
    {
        var verb = args.FirstOrDefault() is "watch" or "adopt" or "start" ? args[0] : "start";
        var rest = verb == "start" && args.FirstOrDefault() != "start" ? args : args[1..];
        string? id = null;
        if (verb is "watch" or "adopt" && rest.Length > 0 && !rest[0].StartsWith("--", StringComparison.Ordinal))
        {
            (id, rest) = (rest[0], rest[1..]);
        }

        Options options;
        try
        {
            options = new Options(rest, "scenario", "seed", "population", "generations", "per-run", "shorten", "fitness-seeds", "mutation-rate", "elites", "id", "cortex", "out", "file", "in-process", "no-watch", "operator-key");
        }
        catch (ArgumentException ex)
        {
            Console.Error.WriteLine($"evolve: {ex.Message}");
            return 2;
        }

        using var http = new HttpClient { BaseAddress = new Uri(options.Text("cortex", Environment.GetEnvironmentVariable("BIODAPR_CORTEX_URL") ?? DefaultCortex)), Timeout = TimeSpan.FromSeconds(30) };
        if (OperatorKey(options, http.BaseAddress) is { Length: > 0 } key)
        {
            http.DefaultRequestHeaders.Add("X-Operator-Key", key);
        }

        using var stop = Options.StopOnCtrlC(verb == "start" && options.Flag("in-process") ? "stopping the search" : "stopped watching; the evolution goes on in the cortex (./biodapr evolve watch <id>)");
        try
        {
            return verb switch
            {
                "watch" when id is not null => await WatchAsync(http, id, options.Text("out", string.Empty), stop.Token),
                "adopt" when id is not null => await AdoptAsync(http, $"/evolutions/{Uri.EscapeDataString(id)}/adopt", null, stop.Token),
                "adopt" when options.Flag("file") => await AdoptAsync(http, "/evolutions/adopt", JsonNode.Parse(await File.ReadAllTextAsync(options.Text("file", string.Empty), stop.Token)), stop.Token),
                "watch" or "adopt" => Fail($"usage: ./biodapr evolve {verb} <instance id>" + (verb == "adopt" ? "   or   ./biodapr evolve adopt --file proposal.json" : string.Empty), 2),
                _ when options.Flag("in-process") => InProcess(options, stop.Token),
                _ => await StartAsync(http, options, stop.Token),
            };
        }
        catch (ArgumentException ex)
        {
            return Fail($"evolve: {ex.Message}", 2);
        }
        catch (OperationCanceledException)
        {
            return 130;
        }
        catch (Exception ex) when (ex is IOException or JsonException or ScenarioFormatException)
        {
            return Fail($"evolve: {ex.Message}", 1);
        }
    }

    // --operator-key, BIODAPR_OPERATOR_KEY, or the local organism's development key (the first in cortex-operator-keys).
    private static string? OperatorKey(Options options, Uri cortex)
    {
        if (options.Text("operator-key", Environment.GetEnvironmentVariable("BIODAPR_OPERATOR_KEY") ?? string.Empty) is { Length: > 0 } key)
        {
            return key;
        }

        if (!cortex.IsLoopback || !File.Exists(LocalSecrets))
        {
            return null;
        }

        string keys;
        try
        {
            keys = JsonNode.Parse(File.ReadAllText(LocalSecrets))?["cortex-operator-keys"]?.GetValue<string>() ?? string.Empty;
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException or IOException)
        {
            Console.Error.WriteLine($"evolve: {LocalSecrets} has no readable cortex-operator-keys ({ex.Message}); pass --operator-key");
            return null;
        }

        var first = keys.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault(e => e.IndexOf('=', StringComparison.Ordinal) > 0);
        return first?[(first.IndexOf('=', StringComparison.Ordinal) + 1)..];
    }

    private static JsonObject Request(Options options)
    {
        var scenario = Path.GetFullPath(options.Text("scenario", "scenarios/reference.yaml"));
        if (!File.Exists(scenario))
        {
            throw new ArgumentException($"--scenario: no file at {scenario}");
        }

        var seeds = options.Text("fitness-seeds", "1001").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(s => int.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) ? n : throw new ArgumentException($"--fitness-seeds: '{s}' is not an integer"))
            .ToArray();
        return new JsonObject
        {
            ["scenarioPath"] = scenario,
            ["shorten"] = options.Number("shorten", 1, 0.001, 1),
            ["seed"] = options.Integer("seed", 11, int.MinValue),
            ["population"] = options.Integer("population", 20, 2, 500),
            ["generations"] = options.Integer("generations", 10, 1, 1000),
            ["generationsPerRun"] = options.Integer("per-run", 3, 1, 1000),
            ["fitnessSeeds"] = new JsonArray([.. seeds.Select(s => (JsonNode?)s)]),
            ["mutationRate"] = options.Number("mutation-rate", 0.2, 0, 1),
            ["elites"] = options.Integer("elites", 2, 0, 499),
        };
    }

    private static async Task<int> StartAsync(HttpClient http, Options options, CancellationToken cancellationToken)
    {
        var request = Request(options);
        var query = options.Flag("id") ? "?instanceId=" + Uri.EscapeDataString(options.Text("id", string.Empty)) : string.Empty;
        HttpResponseMessage response;
        try
        {
            response = await http.PostAsJsonAsync("/evolutions" + query, request, cancellationToken);
        }
        catch (HttpRequestException ex)
        {
            return Fail($"evolve: the cortex does not answer at {http.BaseAddress} ({ex.Message}). Start the organism (./biodapr up), pass --cortex URL, or run the search here with --in-process.", 1);
        }

        using (response)
        {
            var body = await response.Content.ReadAsStringAsync(cancellationToken);
            if (response.StatusCode != HttpStatusCode.Accepted)
            {
                return Fail($"evolve: the cortex refused the evolution ({(int)response.StatusCode}): {Detail(body)}", 1);
            }

            var id = JsonNode.Parse(body)?["instanceId"]?.GetValue<string>() ?? throw new JsonException("the cortex's answer names no instance");
            Console.WriteLine($"evolution {id}: {request["population"]} candidates x {request["generations"]} generations on {request["scenarioPath"]} (seed {request["seed"]}), continue-as-new every {request["generationsPerRun"]}");
            Console.WriteLine($"watch again: ./biodapr evolve watch {id}    adopt when done: ./biodapr evolve adopt {id}");
            return options.Flag("no-watch") ? 0 : await WatchAsync(http, id, options.Text("out", string.Empty), cancellationToken);
        }
    }

    // Polls the cortex once a second; a cortex or sidecar that restarts (or is killed) is waited for, not fatal.
    private static async Task<int> WatchAsync(HttpClient http, string id, string output, CancellationToken cancellationToken)
    {
        var lastGeneration = -1;
        var unreachableSince = (DateTime?)null;
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1));
        do
        {
            HttpResponseMessage response;
            try
            {
                response = await http.GetAsync($"/evolutions/{Uri.EscapeDataString(id)}", cancellationToken);
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
            {
                if (unreachableSince is null)
                {
                    unreachableSince = DateTime.UtcNow;
                    Console.WriteLine($"  the cortex does not answer ({ex.Message}); waiting for it (the evolution is durable)");
                }

                continue;
            }

            unreachableSince = null;
            using (response)
            {
                var body = await response.Content.ReadAsStringAsync(cancellationToken);
                switch (response.StatusCode)
                {
                    case HttpStatusCode.OK:
                        return Finished(id, body, output);
                    case HttpStatusCode.Accepted:
                        var progress = JsonNode.Parse(body)?["progress"];
                        var generation = progress?["generation"]?.GetValue<int>() ?? 0;
                        if (progress is not null && generation != lastGeneration)
                        {
                            lastGeneration = generation;
                            Console.WriteLine(ProgressLine(progress, generation));
                        }

                        break;
                    case HttpStatusCode.ServiceUnavailable or HttpStatusCode.InternalServerError or HttpStatusCode.BadGateway:
                        break; // the cortex is warming up or its sidecar restarts
                    default:
                        return Fail($"evolve: {(int)response.StatusCode}: {Detail(body)}", 1);
                }
            }
        }
        while (await timer.WaitForNextTickAsync(cancellationToken));

        return 130;
    }

    private static string ProgressLine(JsonNode progress, int generation)
    {
        var of = progress["generations"]!.GetValue<int>();
        var elapsed = progress["at"]!.GetValue<DateTime>() - progress["startedAt"]!.GetValue<DateTime>();
        var eta = generation > 0 ? TimeSpan.FromTicks(elapsed.Ticks / generation * (of - generation)) : TimeSpan.Zero;
        return string.Create(CultureInfo.InvariantCulture, $"[{generation,4}/{of}] best {progress["bestFitness"]!.GetValue<double>():F4}  evaluations {progress["evaluations"]}  elapsed {Options.Duration(elapsed)}  ETA {Options.Duration(eta)}");
    }

    private static int Finished(string id, string body, string output)
    {
        var proposal = JsonNode.Parse(body)!;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"done: best fitness {proposal["fitness"]!.GetValue<double>():F4} after {proposal["evaluations"]} evaluations"));
        PrintHormones(proposal["hormones"]!.AsObject());
        if (output.Length > 0)
        {
            File.WriteAllText(output, proposal.ToJsonString(Web));
            Console.WriteLine($"wrote {output}");
        }

        Console.WriteLine($"put it in force: ./biodapr evolve adopt {id}");
        return 0;
    }

    private static void PrintHormones(JsonObject hormones)
    {
        foreach (var (pathway, h) in hormones.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            Console.WriteLine($"  {pathway,-28} concurrency {h!["concurrencyLimit"]}  queue {h["queueLimit"]}  timeout {h["timeoutMs"]} ms  retries {h["maxRetries"]}  budget {h["retryBudgetPercent"]} %  breaker {h["breakerFailureRatio"]} / {h["breakerBreakMs"]} ms");
        }
    }

    private static async Task<int> AdoptAsync(HttpClient http, string path, JsonNode? document, CancellationToken cancellationToken)
    {
        using var response = document is null ? await http.PostAsync(path, null, cancellationToken) : await http.PostAsJsonAsync(path, document, cancellationToken);
        var body = await response.Content.ReadAsStringAsync(cancellationToken);
        if (response.StatusCode != HttpStatusCode.OK)
        {
            return Fail($"evolve adopt: {(int)response.StatusCode}: {Detail(body)}", 1);
        }

        Console.WriteLine($"adopted: the hormones of {string.Join(", ", JsonNode.Parse(body)!.AsArray().Select(p => p!.GetValue<string>()))} are in force (set cortex.freeze to true to keep the cortex's agent from retuning them)");
        return 0;
    }

    // The same search without Dapr Workflow: StaticPolicySearch.Search evaluates each candidate with the Fitness the
    // workflow's activity calls, so the same settings and seed give the same proposal.
    private static int InProcess(Options options, CancellationToken cancellationToken)
    {
        var request = Request(options);
        var settings = new SearchSettings
        {
            Seed = request["seed"]!.GetValue<int>(),
            Population = request["population"]!.GetValue<int>(),
            Generations = request["generations"]!.GetValue<int>(),
            FitnessSeeds = [.. request["fitnessSeeds"]!.AsArray().Select(s => s!.GetValue<int>())],
            MutationRate = request["mutationRate"]!.GetValue<double>(),
            Elites = request["elites"]!.GetValue<int>(),
        };
        var shorten = request["shorten"]!.GetValue<double>();
        var scenario = ScenarioParser.Load(request["scenarioPath"]!.GetValue<string>());
        scenario = shorten < 1 ? scenario.Shortened(shorten) : scenario;
        var started = DateTime.UtcNow;
        var best = new List<double>();
        Console.WriteLine($"evolving in process: {settings.Population} candidates x {settings.Generations} generations (seed {settings.Seed}), {settings.Parallelism} in parallel");
        var result = new StaticPolicySearch(settings).Search(scenario, (generation, fitness) =>
        {
            best.Add(fitness);
            var elapsed = DateTime.UtcNow - started;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"[{generation,4}/{settings.Generations}] best {fitness:F4}  elapsed {Options.Duration(elapsed)}  ETA {Options.Duration(TimeSpan.FromTicks(elapsed.Ticks / generation * (settings.Generations - generation)))}"));
        }, cancellationToken);
        var proposal = new JsonObject
        {
            ["scenario"] = request["scenarioPath"]!.GetValue<string>(),
            ["seed"] = settings.Seed,
            ["generations"] = settings.Generations,
            ["fitness"] = result.Fitness,
            ["evaluations"] = result.Evaluations,
            ["hormones"] = JsonSerializer.SerializeToNode(result.Hormones.ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal), Web),
            ["candidates"] = new JsonArray(),
            ["bestByGeneration"] = new JsonArray([.. best.Select(b => (JsonNode?)b)]),
        };
        var output = options.Text("out", "evolution-proposal.json");
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"done: best fitness {result.Fitness:F4} after {result.Evaluations} evaluations"));
        PrintHormones(proposal["hormones"]!.AsObject());
        File.WriteAllText(output, proposal.ToJsonString(Web));
        Console.WriteLine($"wrote {output}; put it in force: ./biodapr evolve adopt --file {output}");
        return 0;
    }

    private static string Detail(string body)
    {
        try
        {
            return JsonNode.Parse(body)?["detail"]?.GetValue<string>() ?? body;
        }
        catch (JsonException)
        {
            return body;
        }
    }

    private static int Fail(string message, int code)
    {
        Console.Error.WriteLine(message);
        return code;
    }
}

using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace BioDapr.Sidecar.MultiAppRun;

/// <summary>
/// <c>scale &lt;app&gt; &lt;replicas&gt;</c> / <c>scale --status</c>: talks to a running <c>run -f</c> through its
/// control API (address and token from <c>.dapr/runner.json</c> beside the run file). Exit codes: 0 done,
/// 1 refused or failed (the runner's reason is printed), 2 bad arguments or no run.
/// </summary>
internal static class ScaleCommand
{
    public const string Usage = """
        Usage: scale <app-id> <replicas> [-f <dapr.yaml | directory>]
               scale --status [-f <dapr.yaml | directory>]

        Changes the number of replicas of an app of a running `run -f` (each replica: its app and its own
        sidecar; invocation spreads over them, pub/sub replicas share the consumer group). Adding waits until
        the new replicas are ready; removing drains them (out of name resolution, in-flight work finished) first.
          -f, --run-file   the run file of the running run (default: dapr.yaml in the current directory)
        """;

    public static async Task<int> ExecuteAsync(IReadOnlyList<string> args, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        var file = "dapr.yaml";
        var positional = new List<string>();
        var status = false;
        for (var i = 0; i < args.Count; i++)
        {
            switch (args[i])
            {
                case "-h" or "--help":
                    await stdout.WriteLineAsync(Usage);
                    return 0;
                case "-f" or "--run-file" when i + 1 < args.Count:
                    file = args[++i];
                    break;
                case "--status":
                    status = true;
                    break;
                case var arg when arg.StartsWith('-'):
                    await stderr.WriteLineAsync($"scale: unknown or incomplete argument '{arg}'\n\n{Usage}");
                    return 2;
                default:
                    positional.Add(args[i]);
                    break;
            }
        }

        int replicas = 0;
        if (status ? positional.Count != 0 : positional.Count != 2)
        {
            await stderr.WriteLineAsync($"scale: expected an app id and a replica count\n\n{Usage}");
            return 2;
        }

        if (!status && !int.TryParse(positional[1], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out replicas))
        {
            await stderr.WriteLineAsync($"scale: the replica count must be a whole number from 1 to {RunFileParser.MaxReplicas}, but is '{positional[1]}'");
            return 2;
        }

        var stateFile = RunnerControlApi.StateFile(file);
        if (RunnerControlApi.ReadState(stateFile) is not { } state)
        {
            await stderr.WriteLineAsync($"scale: no running `run -f` for {Path.GetFullPath(file)} ({stateFile} is missing or its runner has ended); start it first (./biodapr up)");
            return 2;
        }

        using var http = new HttpClient { BaseAddress = new Uri(state.Url), Timeout = TimeSpan.FromMinutes(10) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", state.Token);
        using var response = status
            ? await http.GetAsync(new Uri("/v1.0/apps", UriKind.Relative), cancellationToken)
            : await http.PutAsync(
                new Uri($"/v1.0/apps/{Uri.EscapeDataString(positional[0])}/replicas", UriKind.Relative),
                new StringContent(JsonSerializer.Serialize(new { replicas }), Encoding.UTF8, "application/json"),
                cancellationToken);
        var body = await response.Content.ReadAsStringAsync(cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            using var problem = JsonDocument.Parse(body.Length > 0 ? body : "{}");
            var detail = problem.RootElement.TryGetProperty("detail", out var d) ? d.GetString() : body;
            await stderr.WriteLineAsync($"scale: {(int)response.StatusCode}: {detail}");
            return 1;
        }

        await stdout.WriteLineAsync(body);
        return 0;
    }
}

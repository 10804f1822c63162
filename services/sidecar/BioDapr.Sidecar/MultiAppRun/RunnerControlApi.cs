using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http.HttpResults;

namespace BioDapr.Sidecar.MultiAppRun;

/// <summary>
/// The runner's control port (loopback only; not part of the Dapr CLI): lists the apps and their replicas
/// and changes an app's replica count while the run goes on. Every call carries the run's control token
/// (<c>Authorization: Bearer</c>); the runner gives the address and the token to its apps
/// (<see cref="UrlVariable"/>, <see cref="TokenVariable"/>) and writes them to <c>.dapr/runner.json</c>
/// beside the run file (mode 600) for <c>scale</c>.
/// <list type="bullet">
/// <item><c>GET /v1.0/apps</c>, <c>GET /v1.0/apps/{appId}</c>: replicas with their state, ports and processes.</item>
/// <item><c>PUT /v1.0/apps/{appId}/replicas</c> with <c>{"replicas": n}</c>: answers once the new replicas are
/// ready or the removed ones are drained and stopped (200 with the app); 400 for a bad body or count, 404 for
/// an unknown app, 409 when the app is not running, 503 when a new replica did not start.</item>
/// </list>
/// </summary>
internal sealed class RunnerControlApi : IAsyncDisposable
{
    public const string UrlVariable = "BIODAPR_RUNNER_URL";

    public const string TokenVariable = "BIODAPR_RUNNER_TOKEN";

    private const int MaxBodyBytes = 4096;

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
    };

    private readonly WebApplication _web;

    private RunnerControlApi(WebApplication web, Uri url)
    {
        _web = web;
        Url = url;
    }

    /// <summary>The control address (http://127.0.0.1:port).</summary>
    public Uri Url { get; }

    /// <summary>Listens on 127.0.0.1:<paramref name="port"/> for <paramref name="runner"/>.</summary>
    public static async Task<RunnerControlApi> StartAsync(Func<MultiAppRunner?> runner, int port, string token, CancellationToken cancellationToken)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        builder.Services.ConfigureHttpJsonOptions(o =>
        {
            o.SerializerOptions.PropertyNamingPolicy = JsonNamingPolicy.CamelCase;
            o.SerializerOptions.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.CamelCase));
        });
        builder.Services.AddProblemDetails();
        var web = builder.Build();
        var expected = Encoding.UTF8.GetBytes("Bearer " + token);
        web.Use(async (context, next) =>
        {
            var given = Encoding.UTF8.GetBytes(context.Request.Headers.Authorization.ToString());
            if (!CryptographicOperations.FixedTimeEquals(given, expected))
            {
                await TypedResults.Problem(
                    "the runner's control API needs 'Authorization: Bearer <token>' with the run's control token (BIODAPR_RUNNER_TOKEN, or .dapr/runner.json beside the run file)",
                    statusCode: StatusCodes.Status401Unauthorized,
                    title: "Unauthorized").ExecuteAsync(context);
                return;
            }

            await next(context);
        });
        var apps = web.MapGroup("/v1.0/apps");
        apps.MapGet("/", () => TypedResults.Ok(runner()?.Status() ?? []));
        apps.MapGet("/{appId}", (string appId) => GetApp(runner(), appId));
        apps.MapPut("/{appId}/replicas", (string appId, HttpRequest request, CancellationToken ct) => ScaleAsync(runner(), appId, request, ct));
        await web.StartAsync(cancellationToken);
        return new RunnerControlApi(web, new Uri($"http://127.0.0.1:{port}"));
    }

    public async ValueTask DisposeAsync()
    {
        await _web.StopAsync(CancellationToken.None);
        await _web.DisposeAsync();
    }

    private static Results<Ok<AppStatus>, ProblemHttpResult> GetApp(MultiAppRunner? runner, string appId) =>
        runner?.Status().FirstOrDefault(a => a.AppId == appId) is { } app
            ? TypedResults.Ok(app)
            : TypedResults.Problem($"app '{appId}' is not part of this run", statusCode: StatusCodes.Status404NotFound, title: "Unknown app");

    private static async Task<Results<Ok<AppStatus>, ProblemHttpResult>> ScaleAsync(MultiAppRunner? runner, string appId, HttpRequest request, CancellationToken cancellationToken)
    {
        if (runner is null)
        {
            return TypedResults.Problem("the run is starting", statusCode: StatusCodes.Status409Conflict, title: "Not running");
        }

        var (replicas, problem) = await ReadCountAsync(request, cancellationToken);
        if (problem is not null)
        {
            return TypedResults.Problem(problem, statusCode: StatusCodes.Status400BadRequest, title: "Bad scale request");
        }

        var result = await runner.ScaleAsync(appId, replicas, cancellationToken);
        return result.Outcome switch
        {
            ScaleOutcome.Done => TypedResults.Ok(result.App!),
            ScaleOutcome.UnknownApp => TypedResults.Problem(result.Problem, statusCode: StatusCodes.Status404NotFound, title: "Unknown app"),
            ScaleOutcome.BadCount => TypedResults.Problem(result.Problem, statusCode: StatusCodes.Status400BadRequest, title: "Bad replica count"),
            ScaleOutcome.StartFailed => TypedResults.Problem(result.Problem, statusCode: StatusCodes.Status503ServiceUnavailable, title: "Replica did not start"),
            _ => TypedResults.Problem(result.Problem, statusCode: StatusCodes.Status409Conflict, title: "Not running"),
        };
    }

    // {"replicas": n} with n a whole number; anything else is named in the answer.
    private static async Task<(int Replicas, string? Problem)> ReadCountAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        if (request.ContentLength is > MaxBodyBytes)
        {
            return (0, $"the body is larger than {MaxBodyBytes} bytes");
        }

        using var buffer = new MemoryStream();
        var chunk = new byte[1024];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, cancellationToken)) > 0)
        {
            buffer.Write(chunk, 0, read);
            if (buffer.Length > MaxBodyBytes)
            {
                return (0, $"the body is larger than {MaxBodyBytes} bytes");
            }
        }

        try
        {
            using var document = JsonDocument.Parse(buffer.ToArray());
            if (document.RootElement.ValueKind != JsonValueKind.Object || !document.RootElement.TryGetProperty("replicas", out var value))
            {
                return (0, "the body must be a JSON object with 'replicas', e.g. {\"replicas\": 3}");
            }

            return value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out var count)
                ? (count, null)
                : (0, $"'replicas' must be a whole number, but is {value.GetRawText()}");
        }
        catch (JsonException ex)
        {
            return (0, "the body is not valid JSON: " + ex.Message);
        }
    }

    /// <summary>Where the runner writes its control address and token: <c>.dapr/runner.json</c> beside the run file.</summary>
    public static string StateFile(string runFile)
    {
        var full = Path.GetFullPath(runFile);
        var directory = Directory.Exists(full) ? full : Path.GetDirectoryName(full)!;
        return Path.Combine(directory, ".dapr", "runner.json");
    }

    /// <summary>Writes the state file (owner-only) for <c>scale</c>.</summary>
    public static void WriteState(string stateFile, Uri url, string token)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(stateFile)!);
        var temp = stateFile + "." + Environment.ProcessId + ".tmp";
        File.WriteAllText(temp, JsonSerializer.Serialize(new RunnerState(url.ToString(), token, Environment.ProcessId), Json));
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(temp, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        File.Move(temp, stateFile, overwrite: true);
    }

    /// <summary>Reads the state file; null when there is none or it belongs to a run that ended.</summary>
    public static RunnerState? ReadState(string stateFile)
    {
        try
        {
            var state = JsonSerializer.Deserialize<RunnerState>(File.ReadAllText(stateFile), Json);
            return state is not null && Directory.Exists($"/proc/{state.ProcessId}") ? state : null;
        }
        catch (Exception ex) when (ex is IOException or JsonException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>What <c>.dapr/runner.json</c> holds.</summary>
    internal sealed record RunnerState(string Url, string Token, int ProcessId);
}

using BioDapr.Sidecar.MultiAppRun;
using BioDapr.Sidecar.Security;

namespace BioDapr.Sidecar.Tests.MultiAppRun;

/// <summary>The runner with real child processes: the real development sidecar and shell commands as apps.</summary>
public sealed class MultiAppRunnerTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("biodapr-runner-").FullName;
    private readonly StringWriter _output = new();
    private readonly StringWriter _error = new();

    public void Dispose()
    {
        Directory.Delete(_root, recursive: true);
        _output.Dispose();
        _error.Dispose();
    }

    [Fact]
    public async Task AppThatDiesAtStartup_FailsTheRunWithItsOutput()
    {
        var apps = Plans("""
            version: 1
            apps:
              - appID: crasher
                appDirPath: ./a
                appPort: 1
                command: ["/bin/sh", "-c", "echo boom-at-start; exit 3"]
            """);

        var exit = await Runner(apps).RunAsync(TestContext.Current.CancellationToken);

        exit.ShouldBe(1);
        _error.ToString().ShouldContain("the app of app crasher exited with code 3");
        _error.ToString().ShouldContain("boom-at-start");
        _output.ToString().ShouldContain("== APP - crasher == boom-at-start");
    }

    [Fact]
    public async Task SidecarThatCannotStart_FailsTheRunNamingTheProblem()
    {
        var apps = Plans("""
            version: 1
            apps:
              - appID: broken
                appDirPath: ./a
                resourcesPath: ./bad
                command: ["/bin/sh", "-c", "sleep 30"]
            """, setup: () =>
        {
            Directory.CreateDirectory(Path.Combine(_root, "a", "bad"));
            File.WriteAllText(Path.Combine(_root, "a", "bad", "c.yaml"), "apiVersion: dapr.io/v1alpha1\nkind: Component\nmetadata: {name: x}\nspec: {type: state.mongodb, version: v1}\n");
        });

        var exit = await Runner(apps).RunAsync(TestContext.Current.CancellationToken);

        exit.ShouldBe(1);
        _error.ToString().ShouldContain("the sidecar of app broken exited with code 1");
        _error.ToString().ShouldContain("state.mongodb");
    }

    [Fact]
    public async Task Stop_TerminatesEveryChildProcess()
    {
        var pidFile = Path.Combine(_root, "pid");
        var apps = Plans($$"""
            version: 1
            apps:
              - appID: sleeper
                appDirPath: ./a
                command: ["/bin/sh", "-c", "echo $$ > {{pidFile}}; exec sleep 300"]
            """);
        using var stop = new CancellationTokenSource();
        var run = Runner(apps).RunAsync(stop.Token);
        await Testing.Eventually.TrueAsync(() => run.IsCompleted || _output.ToString().Contains("You're up and running", StringComparison.Ordinal), TimeSpan.FromSeconds(60));
        run.IsCompleted.ShouldBeFalse($"the runner stopped early; output:\n{_output}\nerrors:\n{_error}");
        var appPid = int.Parse(File.ReadAllText(pidFile).Trim(), System.Globalization.CultureInfo.InvariantCulture);

        await stop.CancelAsync();
        var exit = await run;

        exit.ShouldBe(0);
        ProcessTree.IsAlive(appPid).ShouldBeFalse();
        _output.ToString().ShouldContain("Exited Dapr and the apps successfully");
    }

    [Fact]
    public async Task Apps_GetTheirTokenButNeverTheSidecarsSecret_EvenWhenTheRunFileTriesToPassIt()
    {
        var envFile = Path.Combine(_root, "env");
        var apps = RunSecrets.Apply(
            Plans($$"""
                version: 1
                apps:
                  - appID: printer
                    appDirPath: ./a
                    env: { {{PeerAuthenticator.SecretVariable}}: "leaked-by-the-run-file" }
                    command: ["/bin/sh", "-c", "echo token=$APP_API_TOKEN secret=${{{PeerAuthenticator.SecretVariable}}:-none} > {{envFile}}.tmp; mv {{envFile}}.tmp {{envFile}}; exec sleep 300"]
                """),
            System.Security.Cryptography.RandomNumberGenerator.GetBytes);
        using var stop = new CancellationTokenSource();

        var run = Runner(apps).RunAsync(stop.Token);
        await Testing.Eventually.TrueAsync(() => run.IsCompleted || File.Exists(envFile), TimeSpan.FromSeconds(60));
        await stop.CancelAsync();
        await run;

        File.ReadAllText(envFile).Trim().ShouldBe($"token={apps[0].AppEnvironment[RunSecrets.AppApiToken]} secret=none");
    }

    [Fact]
    public async Task PickedPortTakenBeforeTheSidecarBinds_SidecarStartsAgainOnFreshPorts()
    {
        // The race CI lost: a port the runner picked is bound by someone else before the sidecar binds it.
        using var thief = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        thief.Start();
        var stolen = ((System.Net.IPEndPoint)thief.LocalEndpoint).Port;
        var first = true;
        var apps = Plans("""
            version: 1
            apps:
              - appID: racer
                appDirPath: ./a
                command: ["/bin/sh", "-c", "exec sleep 300"]
            """, freePort: () =>
        {
            if (first)
            {
                first = false;
                return stolen;
            }

            return LoopbackPorts.Next();
        });
        apps[0].DaprHttpPort.ShouldBe(stolen);
        using var stop = new CancellationTokenSource();

        var run = Runner(apps).RunAsync(stop.Token);
        await UpAsync(run);

        _error.ToString().ShouldContain("could not bind a port the runner picked (address already in use); starting it again on fresh ports");
        await stop.CancelAsync();
        (await run).ShouldBe(0);
    }

    [Fact]
    public async Task AppKilled_IsRestarted_AndTheRunGoesOn()
    {
        var pids = Path.Combine(_root, "pids");
        var apps = Plans($$"""
            version: 1
            apps:
              - appID: phoenix
                appDirPath: ./a
                command: ["/bin/sh", "-c", "echo $$ >> {{pids}}; exec sleep 300"]
            """);
        using var stop = new CancellationTokenSource();
        var run = Runner(apps).RunAsync(stop.Token);
        await UpAsync(run);
        // Up means the sidecar answers; the app (no app port) may not have run its first line yet.
        await Testing.Eventually.TrueAsync(() => Pids(pids).Count == 1, TimeSpan.FromSeconds(10));
        var firstPid = Pids(pids).Single();

        ProcessTree.Kill(firstPid);

        await Testing.Eventually.TrueAsync(() => Pids(pids).Count == 2, TimeSpan.FromSeconds(30), "the killed app was not started again");
        ProcessTree.IsAlive(Pids(pids)[1]).ShouldBeTrue();
        _error.ToString().ShouldContain("the app of app phoenix exited with code 137");
        _error.ToString().ShouldContain("Restarting the app of phoenix in 0.1 s (restart 1 of at most 2 in a row)");
        run.IsCompleted.ShouldBeFalse();
        await stop.CancelAsync();
        (await run).ShouldBe(0);
        ProcessTree.IsAlive(Pids(pids)[1]).ShouldBeFalse();
    }

    [Fact]
    public async Task SidecarKilled_IsRestartedOnItsPorts_AndAnswersAgain()
    {
        var appId = "sidecar-" + Guid.NewGuid().ToString("N")[..8];
        var apps = Plans($$"""
            version: 1
            apps:
              - appID: {{appId}}
                appDirPath: ./a
                command: ["/bin/sh", "-c", "exec sleep 300"]
            """);
        using var stop = new CancellationTokenSource();
        var run = Runner(apps).RunAsync(stop.Token);
        await UpAsync(run);
        var sidecar = SidecarPid(appId);

        ProcessTree.Kill(sidecar);

        await Testing.Eventually.TrueAsync(() => _output.ToString().Contains($"App {appId} and its sidecar are ready again", StringComparison.Ordinal), TimeSpan.FromSeconds(60), "the killed sidecar did not answer again");
        _error.ToString().ShouldContain($"Restarting the sidecar of {appId}");
        SidecarPid(appId).ShouldNotBe(sidecar);
        using var http = new HttpClient();
        (await http.GetAsync(new Uri($"http://127.0.0.1:{apps[0].DaprHttpPort}/v1.0/healthz"), TestContext.Current.CancellationToken)).StatusCode.ShouldBe(System.Net.HttpStatusCode.NoContent);
        await stop.CancelAsync();
        (await run).ShouldBe(0);
    }

    [Fact]
    public async Task AppThatKeepsDying_IsGivenUpAfterTheLimit_AndTheRunFails()
    {
        var marker = Path.Combine(_root, "started-once");
        var apps = Plans($$"""
            version: 1
            apps:
              - appID: doomed
                appDirPath: ./a
                command: ["/bin/sh", "-c", "if [ -f {{marker}} ]; then echo dying-again; exit 3; fi; echo $$ > {{marker}}.tmp; mv {{marker}}.tmp {{marker}}; exec sleep 300"]
            """);
        var run = Runner(apps).RunAsync(TestContext.Current.CancellationToken);
        await UpAsync(run);
        await Testing.Eventually.TrueAsync(() => File.Exists(marker) && File.ReadAllText(marker).Trim().Length > 0, TimeSpan.FromSeconds(10));

        ProcessTree.Kill(int.Parse(File.ReadAllText(marker).Trim(), System.Globalization.CultureInfo.InvariantCulture));

        (await run.WaitAsync(TimeSpan.FromSeconds(60), TestContext.Current.CancellationToken)).ShouldBe(1);
        _error.ToString().ShouldContain("restart 2 of at most 2 in a row");
        _error.ToString().ShouldContain("It died 3 times in a row: not restarted again; stopping app doomed.");
        _error.ToString().ShouldContain("dying-again");
    }

    private async Task UpAsync(Task<int> run)
    {
        await Testing.Eventually.TrueAsync(() => run.IsCompleted || _output.ToString().Contains("You're up and running", StringComparison.Ordinal), TimeSpan.FromSeconds(60));
        run.IsCompleted.ShouldBeFalse($"the runner stopped early; output:\n{_output}\nerrors:\n{_error}");
    }

    private static List<int> Pids(string file) =>
        File.Exists(file)
            ? [.. File.ReadAllLines(file).Where(l => l.Length > 0).Select(l => int.Parse(l, System.Globalization.CultureInfo.InvariantCulture))]
            : [];

    // The development sidecar started for the app: the process whose arguments carry its app id.
    private static int SidecarPid(string appId) =>
        Directory.GetDirectories("/proc")
            .Select(d => int.TryParse(Path.GetFileName(d), out var pid) ? pid : 0)
            .Where(pid => pid > 0)
            .Single(pid =>
            {
                try
                {
                    var arguments = File.ReadAllText($"/proc/{pid}/cmdline").Split('\0');
                    var at = Array.IndexOf(arguments, "--app-id");
                    return at >= 0 && at + 1 < arguments.Length && arguments[at + 1] == appId;
                }
                catch (IOException)
                {
                    return false;
                }
            });

    private IReadOnlyList<AppRunPlan> Plans(string yaml, Action? setup = null, Func<int>? freePort = null)
    {
        Directory.CreateDirectory(Path.Combine(_root, "a"));
        setup?.Invoke();
        var path = Path.Combine(_root, "dapr.yaml");
        File.WriteAllText(path, yaml);
        return RunFileParser.Parse(path, name => name == "HOME" ? _root : Environment.GetEnvironmentVariable(name), freePort ?? LoopbackPorts.Next).Apps;
    }

    private MultiAppRunner Runner(IReadOnlyList<AppRunPlan> apps) =>
        new(apps, new SidecarLauncher("dotnet", [Path.Combine(AppContext.BaseDirectory, "BioDapr.Sidecar.dll")]), TextWriter.Synchronized(_output), TextWriter.Synchronized(_error))
        {
            StartupTimeout = TimeSpan.FromSeconds(60),
            GracePeriod = TimeSpan.FromSeconds(3),
            RestartBackoff = TimeSpan.FromMilliseconds(100),
            MaxRestarts = 2,
        };
}

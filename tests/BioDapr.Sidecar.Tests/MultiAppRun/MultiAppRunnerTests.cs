using BioDapr.Sidecar.MultiAppRun;
using BioDapr.Sidecar.Security;

namespace BioDapr.Sidecar.Tests.MultiAppRun;

/// <summary>The runner with real child processes: the real development sidecar and shell commands as apps.</summary>
public sealed class MultiAppRunnerTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("biodapr-runner-").FullName;
    private readonly StringWriter _output = new();
    private readonly StringWriter _error = new();
    private int _nextPort = Testing.FreePort.Next();

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

    private IReadOnlyList<AppRunPlan> Plans(string yaml, Action? setup = null)
    {
        Directory.CreateDirectory(Path.Combine(_root, "a"));
        setup?.Invoke();
        var path = Path.Combine(_root, "dapr.yaml");
        File.WriteAllText(path, yaml);
        return RunFileParser.Parse(path, name => name == "HOME" ? _root : Environment.GetEnvironmentVariable(name), () => Interlocked.Increment(ref _nextPort) % 20000 + 30000).Apps;
    }

    private MultiAppRunner Runner(IReadOnlyList<AppRunPlan> apps) =>
        new(apps, new SidecarLauncher("dotnet", [Path.Combine(AppContext.BaseDirectory, "BioDapr.Sidecar.dll")]), TextWriter.Synchronized(_output), TextWriter.Synchronized(_error))
        {
            StartupTimeout = TimeSpan.FromSeconds(60),
            GracePeriod = TimeSpan.FromSeconds(3),
        };
}

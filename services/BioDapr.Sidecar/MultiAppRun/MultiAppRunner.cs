using System.Diagnostics;
using System.Globalization;

namespace BioDapr.Sidecar.MultiAppRun;

/// <summary>
/// Runs the apps of a run file, each with its sidecar, as <c>dapr run -f</c> does: a sidecar first,
/// its app once the sidecar's API listens, both in the app's directory; output lines prefixed
/// <c>== APP - id ==</c> (and <c>== DAPR - id ==</c> when the sidecar logs to the console) and written to
/// <c>&lt;appDir&gt;/.dapr/logs</c>. If anything fails to start, everything is stopped and the run fails
/// with the app, the process, its exit code and its last lines. Stopping (Ctrl-C / SIGTERM) terminates
/// apps first, then sidecars, and kills what does not exit within the grace period.
/// </summary>
internal sealed class MultiAppRunner(IReadOnlyList<AppRunPlan> apps, SidecarLauncher launcher, TextWriter output, TextWriter error)
{
    private readonly List<(AppRunPlan Plan, ChildProcess Sidecar, ChildProcess? App)> _running = [];

    /// <summary>How long each app may take to become ready (sidecar healthy, app connected).</summary>
    public TimeSpan StartupTimeout { get; init; } = TimeSpan.FromSeconds(120);

    /// <summary>How long processes get to exit after SIGTERM.</summary>
    public TimeSpan GracePeriod { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Runs until stopped or until every app has exited; returns the exit code.</summary>
    public async Task<int> RunAsync(CancellationToken stop)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        try
        {
            await Task.WhenAll(apps.Select(app => StartAsync(app, http, stop)));
        }
        catch (StartupFailedException ex)
        {
            await error.WriteLineAsync("❌  " + ex.Message);
            await StopAllAsync();
            return 1;
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            await StopAllAsync();
            return 0;
        }

        await output.WriteLineAsync("✅  You're up and running! Both Dapr and your app logs will appear here.");
        var exitCode = await WatchAsync(stop);
        await StopAllAsync();
        return exitCode;
    }

    private async Task StartAsync(AppRunPlan app, HttpClient http, CancellationToken stop)
    {
        var stamp = DateTime.Now.ToString("yyyyMMddHHmmss", CultureInfo.InvariantCulture);
        var logs = Path.Combine(app.AppDirPath, ".dapr", "logs");
        await output.WriteLineAsync($"ℹ️  Starting Dapr sidecar for app {app.AppId} (HTTP port {app.DaprHttpPort})");
        var sidecar = ChildProcess.Start(
            launcher.CreateStartInfo(app),
            $"== DAPR - {app.AppId} == ",
            app.DaprdLogDestination is "console" or "fileAndConsole" ? output : null,
            app.DaprdLogDestination is "file" or "fileAndConsole" ? Path.Combine(logs, $"{app.AppId}_daprd_{stamp}.log") : null);
        lock (_running)
        {
            _running.Add((app, sidecar, null));
        }

        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(stop);
        deadline.CancelAfter(StartupTimeout);
        await WaitForAsync(http, app, sidecar, "sidecar", $"http://127.0.0.1:{app.DaprHttpPort}/v1.0/healthz/outbound", deadline.Token, stop);

        ChildProcess? process = null;
        if (app.Command.Count > 0)
        {
            var start = new ProcessStartInfo(app.Command[0]) { WorkingDirectory = app.AppDirPath };
            foreach (var argument in app.Command.Skip(1))
            {
                start.ArgumentList.Add(argument);
            }

            foreach (var (key, value) in app.AppEnvironment)
            {
                start.Environment[key] = value;
            }

            // The sidecars' secret is for sidecars only, even when the runner itself was given one.
            start.Environment.Remove(Security.PeerAuthenticator.SecretVariable);

            await output.WriteLineAsync($"ℹ️  Starting app {app.AppId}: {string.Join(' ', app.Command)}");
            try
            {
                process = ChildProcess.Start(
                    start,
                    $"== APP - {app.AppId} == ",
                    app.AppLogDestination is "console" or "fileAndConsole" ? output : null,
                    app.AppLogDestination is "file" or "fileAndConsole" ? Path.Combine(logs, $"{app.AppId}_app_{stamp}.log") : null);
            }
            catch (InvalidOperationException ex)
            {
                throw new StartupFailedException($"app {app.AppId} could not be started: {ex.Message}");
            }

            lock (_running)
            {
                var index = _running.FindIndex(r => r.Plan == app);
                _running[index] = (app, sidecar, process);
            }
        }

        // Ready: the sidecar reached its app (app port open, subscriptions started).
        await WaitForAsync(http, app, sidecar, "sidecar", $"http://127.0.0.1:{app.DaprHttpPort}/v1.0/healthz", deadline.Token, stop, process);
        await output.WriteLineAsync($"✅  App {app.AppId} and its sidecar are ready");
    }

    private async Task WaitForAsync(
        HttpClient http, AppRunPlan app, ChildProcess sidecar, string what, string url, CancellationToken deadline, CancellationToken stop, ChildProcess? process = null)
    {
        while (true)
        {
            stop.ThrowIfCancellationRequested();
            if (sidecar.HasExited)
            {
                throw new StartupFailedException(Describe(app, "sidecar", sidecar));
            }

            if (process is { HasExited: true })
            {
                throw new StartupFailedException(Describe(app, "app", process));
            }

            if (deadline.IsCancellationRequested)
            {
                var stuck = process ?? sidecar;
                throw new StartupFailedException(
                    $"app {app.AppId} was not ready within {StartupTimeout.TotalSeconds:0} s ({url} did not answer 204). Last lines of the {(process is null ? what : "app")}:\n  "
                    + string.Join("\n  ", stuck.Tail));
            }

            try
            {
                using var response = await http.GetAsync(url, deadline);
                if ((int)response.StatusCode == 204)
                {
                    return;
                }
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
            {
                // Not listening yet.
            }

            try
            {
                await Task.Delay(100, deadline);
            }
            catch (OperationCanceledException) when (!stop.IsCancellationRequested)
            {
                // The deadline: reported on the next turn.
            }
        }
    }

    // After startup: an app that exits takes its sidecar down (as the CLI does); the run ends when no app is left.
    private async Task<int> WatchAsync(CancellationToken stop)
    {
        var exitCode = 0;
        List<(AppRunPlan Plan, ChildProcess Sidecar, ChildProcess? App)> running;
        lock (_running)
        {
            running = [.. _running];
        }

        var watched = running.Select(r => (r.Plan, r.Sidecar, r.App, Task: (r.App ?? r.Sidecar).Exited)).ToList();
        var stopped = Task.Delay(Timeout.Infinite, stop).ContinueWith(_ => { }, TaskScheduler.Default);
        while (watched.Count > 0)
        {
            var finished = await Task.WhenAny(watched.Select(w => w.Task).Append(stopped));
            if (finished == stopped)
            {
                await output.WriteLineAsync("ℹ️  Stopping the apps and their sidecars...");
                return exitCode;
            }

            var done = watched.Single(w => w.Task == finished);
            watched.Remove(done);
            var process = done.App ?? done.Sidecar;
            var name = done.App is null ? "sidecar" : "app";
            if (process.ExitCode == 0)
            {
                await output.WriteLineAsync($"ℹ️  The {name} of {done.Plan.AppId} exited");
            }
            else
            {
                exitCode = 1;
                await error.WriteLineAsync("❌  " + Describe(done.Plan, name, process));
            }

            await done.Sidecar.StopAsync(GracePeriod);
        }

        return exitCode;
    }

    private async Task StopAllAsync()
    {
        List<(AppRunPlan Plan, ChildProcess Sidecar, ChildProcess? App)> running;
        lock (_running)
        {
            running = [.. _running];
            _running.Clear();
        }

        await Task.WhenAll(running.Where(r => r.App is not null).Select(r => r.App!.DisposeAsync().AsTask()));
        await Task.WhenAll(running.Select(r => r.Sidecar.DisposeAsync().AsTask()));
        await output.WriteLineAsync("✅  Exited Dapr and the apps successfully");
    }

    private static string Describe(AppRunPlan app, string which, ChildProcess process) =>
        $"the {which} of app {app.AppId} exited with code {process.ExitCode}. Last lines:\n  " + string.Join("\n  ", process.Tail);

    private sealed class StartupFailedException(string message) : Exception(message);
}

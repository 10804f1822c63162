using System.Diagnostics;
using System.Globalization;

namespace BioDapr.Sidecar.MultiAppRun;

/// <summary>
/// Runs the apps of a run file, each with its sidecar, as <c>dapr run -f</c> does: a sidecar first,
/// its app once the sidecar's API listens, both in the app's directory; output lines prefixed
/// <c>== APP - id ==</c> (and <c>== DAPR - id ==</c> when the sidecar logs to the console) and written to
/// <c>&lt;appDir&gt;/.dapr/logs</c>. If anything fails to start, everything is stopped and the run fails
/// with the app, the process, its exit code and its last lines; a sidecar that cannot bind a port the
/// runner picked is started again on fresh ports. Once running, an app or sidecar that dies is
/// restarted as a container platform would (exponential backoff, a line saying so, a limit of
/// consecutive restarts); an app that exits with code 0 ends with its sidecar, as with the CLI.
/// Stopping (Ctrl-C / SIGTERM) terminates apps first, then sidecars, and kills what does not exit
/// within the grace period.
/// </summary>
internal sealed class MultiAppRunner(IReadOnlyList<AppRunPlan> apps, SidecarLauncher launcher, TextWriter output, TextWriter error, Func<int>? freePort = null)
{
    // How often a sidecar that lost a race for a picked port is started again on fresh ports.
    private const int PortAttempts = 3;

    private readonly List<Supervised> _running = [];
    private readonly Dictionary<string, ReplicaSet> _apps = new(StringComparer.Ordinal);
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private HttpClient? _http;
    private CancellationToken _stop;
    private CancellationToken _stopReports;
    private bool _up;
    private int _scaling;
    private readonly List<Task> _readyReports = [];
    private readonly Func<int> _freePort = freePort ?? LoopbackPorts.Next;

    /// <summary>How long each app may take to become ready (sidecar healthy, app connected).</summary>
    public TimeSpan StartupTimeout { get; init; } = DefaultStartupTimeout;

    /// <summary>The default of <see cref="StartupTimeout"/>.</summary>
    public static TimeSpan DefaultStartupTimeout { get; } = TimeSpan.FromSeconds(120);

    /// <summary>How long processes get to exit after SIGTERM.</summary>
    public TimeSpan GracePeriod { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>The wait before the first restart of a process; it doubles with each consecutive restart.</summary>
    public TimeSpan RestartBackoff { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>The longest wait between restarts.</summary>
    public TimeSpan MaxRestartBackoff { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Consecutive restarts of one process before the runner gives up on its app.</summary>
    public int MaxRestarts { get; init; } = 5;

    /// <summary>A process that ran this long before dying counts as healthy: its restart count starts over.</summary>
    public TimeSpan HealthyUptime { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>How long a replica being removed keeps answering after it left name resolution (the sidecar's drain delay).</summary>
    public TimeSpan DrainDelay { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Replicas added by <see cref="ScaleAsync"/> start under <c>SCHED_IDLE</c> (every thread of the app and its sidecar),
    /// back to the runner's priority once ready (<see cref="StartPriority"/>; Linux): on one machine a starting replica
    /// then takes only the CPU the serving replicas leave, as a new pod on its own CPU would. Off by default.
    /// </summary>
    public bool StartIdle { get; init; }

    /// <summary>The apps of the run and their replicas (for the control API).</summary>
    public IReadOnlyList<AppStatus> Status()
    {
        lock (_running)
        {
            return [.. _apps.Values.Select(set => new AppStatus(
                set.Template.AppId,
                [.. set.Replicas.OrderBy(r => r.Plan.Replica).Select(r => new ReplicaStatus(
                    r.Plan.Replica,
                    r.State,
                    r.Plan.DaprHttpPort,
                    r.Plan.AppPort,
                    r.Sidecar is { HasExited: false } sidecar ? sidecar.Id : null,
                    r.App is { HasExited: false } process ? process.Id : null))]))];
        }
    }

    /// <summary>Runs until stopped or until every app has exited; returns the exit code.</summary>
    public async Task<int> RunAsync(CancellationToken stop)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        using var stopReports = new CancellationTokenSource();
        _http = http;
        _stop = stop;
        _stopReports = stopReports.Token;
        List<Supervised> initial = [];
        lock (_running)
        {
            foreach (var plan in apps)
            {
                var set = new ReplicaSet(plan);
                _apps[plan.AppId] = set;
                for (var i = 0; i < plan.Replicas; i++)
                {
                    var replica = new Supervised(plan.ForReplica(i, _freePort, plan.Replicas > 1 ? DrainDelay : TimeSpan.Zero));
                    set.Replicas.Add(replica);
                    _running.Add(replica);
                    initial.Add(replica);
                }
            }
        }

        try
        {
            await Task.WhenAll(initial.Select(replica => StartAsync(replica, http, stop)));
        }
        catch (StartupFailedException ex)
        {
            await error.WriteLineAsync("❌  " + ex.Message);
            await StopAllAsync(stopReports);
            return 1;
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            await StopAllAsync(stopReports);
            return 0;
        }

        await output.WriteLineAsync("✅  You're up and running! Both Dapr and your app logs will appear here.");
        lock (_running)
        {
            foreach (var replica in initial)
            {
                replica.State = ReplicaState.Ready;
                replica.Supervision = SuperviseAsync(replica, http, stop, stopReports.Token);
            }

            _up = true;
        }

        // Until stopped, or until every replica's supervision ended on its own (scaling adds and removes some meanwhile).
        var stopped = Task.Delay(Timeout.Infinite, stop).ContinueWith(_ => { }, TaskScheduler.Default);
        while (!stop.IsCancellationRequested)
        {
            Task changed;
            Task<int>[] supervisions;
            lock (_running)
            {
                changed = _changed.Task;
                // A replica a scale-up is still starting has no supervision yet (it is given one once ready, and the
                // scale's end signals 'changed'): skipped here. Taking it as non-null crashed the runner when a scale-up
                // began between the previous scale's signal and this read (two scale calls back to back).
                supervisions = [.. _running.Select(r => r.Supervision).OfType<Task<int>>()];
                if (_scaling == 0 && supervisions.All(t => t.IsCompleted))
                {
                    break;
                }
            }

            await Task.WhenAny([stopped, changed, .. supervisions.Where(t => !t.IsCompleted)]);
            lock (_running)
            {
                if (_changed.Task.IsCompleted)
                {
                    _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                }
            }
        }

        if (stop.IsCancellationRequested)
        {
            await output.WriteLineAsync("ℹ️  Stopping the apps and their sidecars...");
        }

        Task<int>[] remaining;
        lock (_running)
        {
            remaining = [.. _running.Select(r => r.Supervision).OfType<Task<int>>()];
        }

        // Stopped: every supervision returns at once; otherwise they all ended already.
        var exitCodes = await Task.WhenAll(remaining);
        await StopAllAsync(stopReports);
        return exitCodes.DefaultIfEmpty(0).Max();
    }

    /// <summary>
    /// Changes the number of replicas of <paramref name="appId"/>: new replicas are started and join name
    /// resolution once their app is ready; removed replicas (the highest indexes) leave name resolution
    /// first, finish what they are doing (deliveries stop, in-flight calls complete during the drain
    /// delay and the sidecar's graceful shutdown), then their app stops. Scaling one app is serialized.
    /// </summary>
    public async Task<ScaleResult> ScaleAsync(string appId, int replicas, CancellationToken cancellationToken)
    {
        ReplicaSet? set;
        lock (_running)
        {
            if (!_up || _stop.IsCancellationRequested)
            {
                return ScaleResult.Refused(ScaleOutcome.NotRunning, "the run is not up (starting or stopping); try again once every app is ready");
            }

            _apps.TryGetValue(appId, out set);
        }

        if (set is null)
        {
            return ScaleResult.Refused(ScaleOutcome.UnknownApp, $"app '{appId}' is not part of this run (apps: {string.Join(", ", apps.Select(a => a.AppId))})");
        }

        if (replicas is < 1 or > RunFileParser.MaxReplicas)
        {
            return ScaleResult.Refused(ScaleOutcome.BadCount, $"{replicas} is not a replica count from 1 to {RunFileParser.MaxReplicas}");
        }

        await set.Gate.WaitAsync(cancellationToken);
        lock (_running)
        {
            _scaling++;
        }

        try
        {
            List<Supervised> current;
            lock (_running)
            {
                current = [.. set.Replicas.Where(r => r.State is not ReplicaState.Draining)];
                if (current.Count > 0 && current.All(r => r.Supervision is { IsCompleted: true }))
                {
                    return ScaleResult.Refused(ScaleOutcome.GivenUp, $"app '{appId}' is no longer running (it exited or was given up after repeated restarts)");
                }
            }

            if (replicas > current.Count)
            {
                var used = current.Select(r => r.Plan.Replica).ToHashSet();
                var added = new List<Supervised>();
                lock (_running)
                {
                    for (var index = 0; added.Count < replicas - current.Count; index++)
                    {
                        if (!used.Contains(index))
                        {
                            var replica = new Supervised(set.Template.ForReplica(index, _freePort, DrainDelay)) { StartsIdle = StartIdle && StartPriority.IsSupported };
                            set.Replicas.Add(replica);
                            _running.Add(replica);
                            added.Add(replica);
                        }
                    }
                }

                var failures = new List<string>();
                await Task.WhenAll(added.Select(async replica =>
                {
                    try
                    {
                        await StartAsync(replica, _http!, _stop);
                        lock (_running)
                        {
                            replica.State = ReplicaState.Ready;
                            replica.Supervision = SuperviseAsync(replica, _http!, _stop, _stopReports);
                        }
                    }
                    catch (Exception ex) when (ex is StartupFailedException or OperationCanceledException)
                    {
                        lock (failures)
                        {
                            failures.Add(ex.Message);
                        }

                        await DisposeReplicaAsync(set, replica);
                    }
                }));
                if (failures.Count > 0)
                {
                    await error.WriteLineAsync("❌  " + string.Join("\n❌  ", failures));
                    return ScaleResult.Refused(ScaleOutcome.StartFailed, $"{failures.Count} of {added.Count} new replicas of '{appId}' did not start: {string.Join("; ", failures)}");
                }
            }
            else if (replicas < current.Count)
            {
                var removed = current.OrderByDescending(r => r.Plan.Replica).Take(current.Count - replicas).ToList();
                await Task.WhenAll(removed.Select(replica => DrainAsync(set, replica)));
            }

            await output.WriteLineAsync($"ℹ️  App {appId} runs {replicas} replica{(replicas == 1 ? string.Empty : "s")}");
            return ScaleResult.Done(Status().Single(a => a.AppId == appId));
        }
        finally
        {
            lock (_running)
            {
                _scaling--;
                _changed.TrySetResult();
            }

            set.Gate.Release();
        }
    }

    // Out of rotation (the sidecar unregisters on SIGTERM and drains), then the app.
    private async Task DrainAsync(ReplicaSet set, Supervised replica)
    {
        await output.WriteLineAsync($"ℹ️  Removing replica {replica.Plan.DisplayName}: draining its sidecar, then stopping its app");
        Task<int>? supervision;
        lock (_running)
        {
            replica.State = ReplicaState.Draining;
            supervision = replica.Supervision;
        }

        await replica.Removal.CancelAsync();
        if (supervision is not null)
        {
            await supervision;
        }

        if (replica.Sidecar is { } sidecar)
        {
            await sidecar.StopAsync(GracePeriod + DrainDelay);
        }

        if (replica.App is { } app)
        {
            await app.StopAsync(GracePeriod);
        }

        await DisposeReplicaAsync(set, replica);
        await output.WriteLineAsync($"✅  Replica {replica.Plan.DisplayName} stopped");
    }

    private async Task DisposeReplicaAsync(ReplicaSet set, Supervised replica)
    {
        if (replica.App is { } app)
        {
            await app.DisposeAsync();
        }

        if (replica.Sidecar is { } sidecar)
        {
            await sidecar.DisposeAsync();
        }

        lock (_running)
        {
            set.Replicas.Remove(replica);
            _running.Remove(replica);
        }
    }

    private async Task StartAsync(Supervised app, HttpClient http, CancellationToken stop)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(stop);
        deadline.CancelAfter(StartupTimeout);
        for (var attempt = 1; ; attempt++)
        {
            await output.WriteLineAsync($"ℹ️  Starting Dapr sidecar for app {app.Plan.DisplayName} (HTTP port {app.Plan.DaprHttpPort}){(app.StartsIdle ? " at idle CPU priority until ready" : string.Empty)}");
            app.Sidecar = StartSidecar(app);
            LowerWhileStarting(app);
            try
            {
                await WaitForAsync(http, app, $"http://127.0.0.1:{app.Plan.DaprHttpPort}/v1.0/healthz/outbound", withApp: false, deadline.Token, stop);
                break;
            }
            catch (StartupFailedException) when (attempt < PortAttempts && app.Plan.PickedPorts.Count > 0 && LostPortRace(app.Sidecar))
            {
                await error.WriteLineAsync($"⚠️  The sidecar of app {app.Plan.DisplayName} could not bind a port the runner picked (address already in use); starting it again on fresh ports");
                await app.Sidecar.DisposeAsync();
                app.Plan = app.Plan.WithFreshPorts(_freePort);
            }
        }

        if (app.Plan.Command.Count > 0)
        {
            await output.WriteLineAsync($"ℹ️  Starting app {app.Plan.DisplayName}: {string.Join(' ', app.Plan.Command)}");
            try
            {
                app.App = StartApp(app);
                LowerWhileStarting(app);
            }
            catch (InvalidOperationException ex)
            {
                throw new StartupFailedException($"app {app.Plan.DisplayName} could not be started: {ex.Message}");
            }
        }

        // Ready: the sidecar reached its app (app port open, subscriptions started).
        await WaitForAsync(http, app, $"http://127.0.0.1:{app.Plan.DaprHttpPort}/v1.0/healthz", withApp: true, deadline.Token, stop);
        if (app.StartsIdle)
        {
            app.StartsIdle = false;
            var nice = StartPriority.OwnNice();
            StartPriority.Restore(app.Sidecar!.Id, nice);
            if (app.App is { } started)
            {
                StartPriority.Restore(started.Id, nice);
            }
        }
        await output.WriteLineAsync($"✅  App {app.Plan.DisplayName} and its sidecar are ready");
    }

    // Threads inherit their creator's policy, but the ones a process made before a call are caught only by the next call.
    private static void LowerWhileStarting(Supervised app)
    {
        if (!app.StartsIdle)
        {
            return;
        }

        if (app.Sidecar is { HasExited: false } sidecar)
        {
            StartPriority.Lower(sidecar.Id);
        }

        if (app.App is { HasExited: false } process)
        {
            StartPriority.Lower(process.Id);
        }
    }

    private ChildProcess StartSidecar(Supervised app) =>
        ChildProcess.Start(
            launcher.CreateStartInfo(app.Plan),
            $"== DAPR - {app.Plan.DisplayName} == ",
            app.Plan.DaprdLogDestination is "console" or "fileAndConsole" ? output : null,
            app.Plan.DaprdLogDestination is "file" or "fileAndConsole" ? LogPath(app.Plan, "daprd", ++app.SidecarStarts) : null);

    private ChildProcess StartApp(Supervised app)
    {
        var start = new ProcessStartInfo(app.Plan.Command[0]) { WorkingDirectory = app.Plan.AppDirPath };
        foreach (var argument in app.Plan.Command.Skip(1))
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var (key, value) in app.Plan.AppEnvironment)
        {
            start.Environment[key] = value;
        }

        // The sidecars' secret is for sidecars only, even when the runner or the run file was given one.
        start.Environment.Remove(Security.PeerAuthenticator.SecretVariable);
        return ChildProcess.Start(
            start,
            $"== APP - {app.Plan.DisplayName} == ",
            app.Plan.AppLogDestination is "console" or "fileAndConsole" ? output : null,
            app.Plan.AppLogDestination is "file" or "fileAndConsole" ? LogPath(app.Plan, "app", ++app.AppStarts) : null);
    }

    // One log file per process start (a restart keeps the previous one), named as the CLI names them.
    private static string LogPath(AppRunPlan plan, string kind, int starts)
    {
        var stamp = DateTime.Now.ToString("yyyyMMddHHmmss", CultureInfo.InvariantCulture);
        var suffix = starts == 1 ? string.Empty : "_" + starts.ToString(CultureInfo.InvariantCulture);
        var name = plan.Replica == 0 ? plan.AppId : plan.AppId + "-" + plan.Replica.ToString(CultureInfo.InvariantCulture);
        return Path.Combine(plan.AppDirPath, ".dapr", "logs", $"{name}_{kind}_{stamp}{suffix}.log");
    }

    private static bool LostPortRace(ChildProcess sidecar) =>
        sidecar.HasExited && sidecar.Tail.Any(line => line.Contains("address already in use", StringComparison.OrdinalIgnoreCase));

    private async Task WaitForAsync(HttpClient http, Supervised app, string url, bool withApp, CancellationToken deadline, CancellationToken stop)
    {
        while (true)
        {
            stop.ThrowIfCancellationRequested();
            if (app.Sidecar!.HasExited)
            {
                throw new StartupFailedException(Describe(app.Plan, "sidecar", app.Sidecar));
            }

            if (withApp && app.App is { HasExited: true })
            {
                throw new StartupFailedException(Describe(app.Plan, "app", app.App));
            }

            if (deadline.IsCancellationRequested)
            {
                var stuck = (withApp ? app.App : null) ?? app.Sidecar;
                throw new StartupFailedException(
                    $"app {app.Plan.DisplayName} was not ready within {StartupTimeout.TotalSeconds:0} s ({url} did not answer 204). Last lines of the {(stuck == app.Sidecar ? "sidecar" : "app")}:\n  "
                    + string.Join("\n  ", stuck.Tail));
            }

            LowerWhileStarting(app);
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

    // After startup: restarts what dies; returns the app's exit code (0, or 1 when it was given up).
    // A replica being removed ends its supervision (returning 0) without touching its processes: the drain does that.
    private async Task<int> SuperviseAsync(Supervised app, HttpClient http, CancellationToken runStop, CancellationToken stopReports)
    {
        using var stopOrRemoval = CancellationTokenSource.CreateLinkedTokenSource(runStop, app.Removal.Token);
        var stop = stopOrRemoval.Token;
        var stopped = Task.Delay(Timeout.Infinite, stop).ContinueWith(_ => { }, TaskScheduler.Default);
        var sidecarRestarts = new RestartCount();
        var appRestarts = new RestartCount();
        var sidecarStarted = Stopwatch.StartNew();
        var appStarted = Stopwatch.StartNew();
        while (true)
        {
            var sidecar = app.Sidecar!;
            var process = app.App;
            Task[] watched = process is null ? [sidecar.Exited, stopped] : [sidecar.Exited, process.Exited, stopped];
            var finished = await Task.WhenAny(watched);
            if (finished == stopped)
            {
                return 0;
            }

            if (process is not null && finished == process.Exited && process.ExitCode == 0)
            {
                await output.WriteLineAsync($"ℹ️  The app of {app.Plan.DisplayName} exited");
                await sidecar.StopAsync(GracePeriod);
                return 0;
            }

            var sidecarDied = finished == sidecar.Exited;
            var (dead, which, restarts, uptime) = sidecarDied
                ? (sidecar, "sidecar", sidecarRestarts, sidecarStarted)
                : (process!, "app", appRestarts, appStarted);
            var attempt = restarts.Next(uptime.Elapsed >= HealthyUptime);
            if (attempt > MaxRestarts)
            {
                await error.WriteLineAsync($"❌  {Describe(app.Plan, which, dead)}\n   It died {MaxRestarts + 1} times in a row: not restarted again; stopping app {app.Plan.DisplayName}.");
                if (process is not null)
                {
                    await process.StopAsync(GracePeriod);
                }

                await sidecar.StopAsync(GracePeriod);
                return 1;
            }

            var wait = Backoff(attempt);
            await error.WriteLineAsync(
                $"⚠️  {Describe(app.Plan, which, dead)}\n   Restarting the {which} of {app.Plan.DisplayName} in {wait.TotalSeconds:0.#} s (restart {attempt} of at most {MaxRestarts} in a row).");
            try
            {
                await Task.Delay(wait, stop);
            }
            catch (OperationCanceledException)
            {
                return 0;
            }

            await dead.DisposeAsync();
            try
            {
                if (sidecarDied)
                {
                    app.Sidecar = StartSidecar(app);
                    sidecarStarted.Restart();
                }
                else
                {
                    app.App = StartApp(app);
                    appStarted.Restart();
                }
            }
            catch (InvalidOperationException ex)
            {
                await error.WriteLineAsync($"❌  the {which} of app {app.Plan.DisplayName} could not be restarted: {ex.Message}");
                return 1;
            }

            lock (_readyReports)
            {
                _readyReports.Add(ReportReadyAgainAsync(app, http, stopReports));
            }
        }
    }

    // Says when a restarted app answers again; never fails the run (the supervisor watches the processes).
    private async Task ReportReadyAgainAsync(Supervised app, HttpClient http, CancellationToken stopping)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(stopping);
        deadline.CancelAfter(StartupTimeout);
        var sidecar = app.Sidecar;
        while (!deadline.IsCancellationRequested && sidecar is { HasExited: false } && app.App is not { HasExited: true })
        {
            try
            {
                using var response = await http.GetAsync($"http://127.0.0.1:{app.Plan.DaprHttpPort}/v1.0/healthz", deadline.Token);
                if ((int)response.StatusCode == 204)
                {
                    await output.WriteLineAsync($"✅  App {app.Plan.DisplayName} and its sidecar are ready again");
                    return;
                }

                await Task.Delay(100, deadline.Token);
            }
            catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException)
            {
                // Not ready yet, or the run is stopping.
            }
        }
    }

    private TimeSpan Backoff(int attempt)
    {
        var ticks = RestartBackoff.Ticks * Math.Pow(2, attempt - 1);
        return ticks >= MaxRestartBackoff.Ticks ? MaxRestartBackoff : TimeSpan.FromTicks((long)ticks);
    }

    private async Task StopAllAsync(CancellationTokenSource stopReports)
    {
        await stopReports.CancelAsync();
        Task[] reports;
        lock (_readyReports)
        {
            reports = [.. _readyReports];
        }

        await Task.WhenAll(reports);
        List<Supervised> running;
        lock (_running)
        {
            running = [.. _running];
            _running.Clear();
        }

        await Task.WhenAll(running.Where(r => r.App is not null).Select(r => r.App!.DisposeAsync().AsTask()));
        await Task.WhenAll(running.Where(r => r.Sidecar is not null).Select(r => r.Sidecar!.DisposeAsync().AsTask()));
        await output.WriteLineAsync("✅  Exited Dapr and the apps successfully");
    }

    private static string Describe(AppRunPlan app, string which, ChildProcess process) =>
        $"the {which} of app {app.DisplayName} exited with code {process.ExitCode}. Last lines:\n  " + string.Join("\n  ", process.Tail);

    /// <summary>The replicas of one app and the plan new replicas are made from.</summary>
    private sealed class ReplicaSet(AppRunPlan template)
    {
        public AppRunPlan Template { get; } = template;

        public List<Supervised> Replicas { get; } = [];

        /// <summary>One scale operation at a time per app.</summary>
        public SemaphoreSlim Gate { get; } = new(1, 1);
    }

    /// <summary>One replica of an app: its plan (ports may be re-picked at startup) and its current processes.</summary>
    private sealed class Supervised(AppRunPlan plan)
    {
        public ReplicaState State { get; set; } = ReplicaState.Starting;

        /// <summary>Started by scaling with <see cref="StartIdle"/>: its threads stay at idle priority until it is ready.</summary>
        public bool StartsIdle { get; set; }

        public Task<int>? Supervision { get; set; }

        /// <summary>Cancelled when the replica is removed by scaling.</summary>
        public CancellationTokenSource Removal { get; } = new();

        public int SidecarStarts;

        public int AppStarts;

        public AppRunPlan Plan { get; set; } = plan;

        public ChildProcess? Sidecar { get; set; }

        public ChildProcess? App { get; set; }
    }

    /// <summary>Consecutive restarts of one process; a long enough life starts the count over.</summary>
    private sealed class RestartCount
    {
        private int _count;

        public int Next(bool wasHealthy)
        {
            _count = wasHealthy ? 1 : _count + 1;
            return _count;
        }
    }

    private sealed class StartupFailedException(string message) : Exception(message);
}

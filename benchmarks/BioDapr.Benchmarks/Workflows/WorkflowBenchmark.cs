using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using BioDapr.Benchmarks.Infrastructure;
using BioDapr.Redis;
using Dapr.DurableTask.Protobuf;
using Dapr.Workflow;
using Dapr.Workflow.Registration;
using Grpc.Net.Client;

namespace BioDapr.Benchmarks.Workflows;

/// <summary>
/// Issue 14's numbers: the workflow <c>FanOut(3)</c> (three activities fanned out plus one 0 s timer) through the
/// official Dapr.Workflow 1.19.1 SDK (client in this process, worker in the workflow app's own process) against one
/// sidecar process and one fresh redis-server. Per run: completed workflows/s at saturation (closed loop, N
/// schedule-and-wait loops), p50/p99 schedule→completed at a fixed open-loop rate (from the scheduled send time),
/// and the activity dispatch latency (TaskScheduled → TaskCompleted in the stored history: hand-out to the worker,
/// a trivial activity, the result back), with the load average of the machine.
/// </summary>
internal static class WorkflowBenchmark
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    public static async Task<int> RunAsync(string[] args)
    {
        var seconds = BenchArgs.Int(args, "--seconds", 10);
        var concurrency = BenchArgs.Int(args, "--concurrency", 64);
        var rate = BenchArgs.Int(args, "--rate", 50);
        var runs = BenchArgs.Int(args, "--runs", 3);
        var output = BenchArgs.String(args, "--out", Path.Combine("docs", "benchmarks", "workflow.json"));

        await using var redis = await BenchRedis.StartAsync();
        var resources = await BenchComponents.WriteAsync(redis.Host, new BenchComponent("statestore", "state.redis", ("actorStateStore", "true")));
        using var sidecar = await BenchSidecar.StartAsync("benchwf", null, resources);
        await using var redisConnection = await RedisConnection.ConnectAsync(new RedisOptions { Port = redis.Port }, CancellationToken.None);
        var endpoint = $"http://127.0.0.1:{sidecar.GrpcPort}";
        using var app = StartApp(endpoint);
        await using var client = new DaprWorkflowClientBuilder().UseGrpcEndpoint(endpoint).Build();
        using var channel = GrpcChannel.ForAddress(endpoint);
        var hub = new TaskHubSidecarService.TaskHubSidecarServiceClient(channel);
        Console.WriteLine($"BioDapr workflow benchmark — {Environment.ProcessorCount} cores, .NET {Environment.Version}; FanOut(3) = 3 activities + one 0 s timer; {concurrency} loops at saturation, {rate}/s open loop, {seconds} s each, {runs} runs");

        // Warm-up: the worker connects, JIT, Redis.
        await SaturateAsync(client, concurrency, TimeSpan.FromSeconds(5));

        var results = new List<object>();
        for (var run = 1; run <= runs; run++)
        {
            var loadBefore = LoadAverage();
            var cpu = sidecar.CpuTime;
            var redisBefore = await RedisStatsAsync(redisConnection);
            var (perSecond, completed, failed) = await SaturateAsync(client, concurrency, TimeSpan.FromSeconds(seconds));
            var cpuPerWorkflowMs = (sidecar.CpuTime - cpu).TotalMilliseconds / Math.Max(1, completed);
            var redisAfter = await RedisStatsAsync(redisConnection);
            var redisCallsPerWorkflow = (redisAfter.Calls - redisBefore.Calls) / (double)Math.Max(1, completed);
            var redisUsecPerWorkflow = (redisAfter.Usec - redisBefore.Usec) / (double)Math.Max(1, completed);
            var open = await OpenLoopAsync(client, rate, TimeSpan.FromSeconds(seconds));
            var dispatch = await DispatchLatencyAsync(hub, open.Ids.Take(200).ToList());
            var replay = await ReplayProfileAsync(hub, open.Ids.Take(200).ToList());
            var loadAfter = LoadAverage();
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  where the time goes (per workflow): sidecar CPU {cpuPerWorkflowMs:F2} ms; Redis {redisCallsPerWorkflow:F1} commands, {redisUsecPerWorkflow / 1000:F2} ms server time; {replay.Turns:F1} turns; history {replay.Events:F1} events ({replay.Bytes:F0} B) written; {replay.ReplayedEvents:F1} past events ({replay.ReplayedBytes:F0} B) sent to the worker over the turns"));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"run {run}: saturation {perSecond,6:F1} workflows/s ({completed} completed, {failed} failed, sidecar CPU {cpuPerWorkflowMs:F2} ms/workflow)   at {rate}/s: p50 {open.P50:F1} ms p99 {open.P99:F1} ms (errors {open.Errors})   activity dispatch p50 {dispatch.P50:F1} ms p99 {dispatch.P99:F1} ms   load {loadBefore} → {loadAfter}"));
            results.Add(new
            {
                run,
                workflowsPerSecond = perSecond,
                completed,
                failed,
                sidecarCpuMsPerWorkflow = cpuPerWorkflowMs,
                openLoopRate = rate,
                p50Ms = open.P50,
                p99Ms = open.P99,
                openLoopErrors = open.Errors,
                activityDispatchP50Ms = dispatch.P50,
                activityDispatchP99Ms = dispatch.P99,
                redisCommandsPerWorkflow = redisCallsPerWorkflow,
                redisServerMsPerWorkflow = redisUsecPerWorkflow / 1000,
                turnsPerWorkflow = replay.Turns,
                historyEventsPerWorkflow = replay.Events,
                historyBytesPerWorkflow = replay.Bytes,
                replayedEventsPerWorkflow = replay.ReplayedEvents,
                replayedBytesPerWorkflow = replay.ReplayedBytes,
                loadAverageBefore = loadBefore,
                loadAverageAfter = loadAfter,
            });
        }

        var result = new
        {
            machine = new { cores = Environment.ProcessorCount, dotnet = Environment.Version.ToString(), os = Environment.OSVersion.ToString() },
            at = DateTimeOffset.UtcNow,
            command = "./biodapr bench workflow " + string.Join(' ', args),
            settings = new { seconds, concurrency, rate, runs, workflow = "FanOut(3): 3 activities fanned out + CreateTimer(0)" },
            targets = new { workflowsPerSecond = 200, p99MsAt50PerSecond = 250 },
            results,
        };
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(output))!);
        await File.WriteAllTextAsync(output, JsonSerializer.Serialize(result, Indented));
        Console.WriteLine($"results written to {output}");
        Directory.Delete(resources, recursive: true);
        return 0;
    }

    private static async Task<(double PerSecond, long Completed, long Failed)> SaturateAsync(DaprWorkflowClient client, int concurrency, TimeSpan duration)
    {
        var completed = 0L;
        var failed = 0L;
        var start = Stopwatch.GetTimestamp();
        var end = start + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async _ =>
        {
            while (Stopwatch.GetTimestamp() < end)
            {
                if (await RunOneAsync(client, Guid.NewGuid().ToString("N")))
                {
                    Interlocked.Increment(ref completed);
                }
                else
                {
                    Interlocked.Increment(ref failed);
                }
            }
        }));
        return (completed / Stopwatch.GetElapsedTime(start).TotalSeconds, completed, failed);
    }

    private static async Task<bool> RunOneAsync(DaprWorkflowClient client, string id)
    {
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            await client.ScheduleNewWorkflowAsync("FanOut", id, 3, null, timeout.Token);
            var state = await client.WaitForWorkflowCompletionAsync(id, false, timeout.Token);
            return state.RuntimeStatus == WorkflowRuntimeStatus.Completed;
        }
        catch (Exception ex) when (ex is global::Grpc.Core.RpcException or OperationCanceledException or InvalidOperationException)
        {
            return false;
        }
    }

    private static async Task<(double P50, double P99, int Errors, List<string> Ids)> OpenLoopAsync(DaprWorkflowClient client, int rate, TimeSpan duration)
    {
        var count = (int)(rate * duration.TotalSeconds);
        var latencies = new double[count];
        var ids = new string[count];
        var errors = 0;
        var start = Stopwatch.GetTimestamp();
        var sends = new List<Task>(count);
        for (var i = 0; i < count; i++)
        {
            var scheduled = start + (long)(i * (double)Stopwatch.Frequency / rate);
            var wait = (scheduled - Stopwatch.GetTimestamp()) * 1000.0 / Stopwatch.Frequency;
            if (wait > 1)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(wait));
            }

            var index = i;
            ids[index] = "open-" + Guid.NewGuid().ToString("N");
            sends.Add(Task.Run(async () =>
            {
                if (!await RunOneAsync(client, ids[index]))
                {
                    Interlocked.Increment(ref errors);
                }

                latencies[index] = (Stopwatch.GetTimestamp() - scheduled) * 1000.0 / Stopwatch.Frequency;
            }));
        }

        await Task.WhenAll(sends);
        Array.Sort(latencies);
        return (Percentiles.Of(latencies, 0.50), Percentiles.Of(latencies, 0.99), errors, ids.ToList());
    }

    // TaskScheduled → TaskCompleted per activity, from the stored history (both stamped by the sidecar's clock).
    private static async Task<(double P50, double P99)> DispatchLatencyAsync(TaskHubSidecarService.TaskHubSidecarServiceClient hub, IReadOnlyList<string> ids)
    {
        var samples = new List<double>();
        foreach (var id in ids)
        {
            var history = (await hub.GetInstanceHistoryAsync(new GetInstanceHistoryRequest { InstanceId = id })).Events;
            var scheduled = history.Where(e => e.TaskScheduled is not null).ToDictionary(e => e.EventId, e => e.Timestamp.ToDateTimeOffset());
            foreach (var done in history.Where(e => e.TaskCompleted is not null))
            {
                if (scheduled.TryGetValue(done.TaskCompleted.TaskScheduledId, out var at))
                {
                    samples.Add((done.Timestamp.ToDateTimeOffset() - at).TotalMilliseconds);
                }
            }
        }

        samples.Sort();
        return (Percentiles.Of(samples, 0.50), Percentiles.Of(samples, 0.99));
    }

    // INFO commandstats: every command's calls and server-side microseconds, summed.
    private static async Task<(long Calls, long Usec)> RedisStatsAsync(RedisConnection redis)
    {
        var text = (await redis.ExecuteAsync("INFO", ["commandstats"], CancellationToken.None)).AsString() ?? string.Empty;
        long calls = 0, usec = 0;
        foreach (var line in text.Split('\n', StringSplitOptions.TrimEntries).Where(l => l.StartsWith("cmdstat_", StringComparison.Ordinal)))
        {
            foreach (var field in line[(line.IndexOf(':', StringComparison.Ordinal) + 1)..].Split(','))
            {
                var pair = field.Split('=');
                if (pair is ["calls", var c])
                {
                    calls += long.Parse(c, CultureInfo.InvariantCulture);
                }
                else if (pair is ["usec", var u])
                {
                    usec += long.Parse(u, CultureInfo.InvariantCulture);
                }
            }
        }

        return (calls, usec);
    }

    // Per workflow, from its stored history: turns (WorkflowStarted events), events and bytes written, and the past
    // events (and bytes) the sidecar sent the worker summed over the turns (each turn carries the whole history so far).
    private static async Task<(double Turns, double Events, double Bytes, double ReplayedEvents, double ReplayedBytes)> ReplayProfileAsync(TaskHubSidecarService.TaskHubSidecarServiceClient hub, List<string> ids)
    {
        double turns = 0, events = 0, bytes = 0, replayed = 0, replayedBytes = 0;
        foreach (var id in ids)
        {
            var history = (await hub.GetInstanceHistoryAsync(new GetInstanceHistoryRequest { InstanceId = id })).Events;
            long before = 0;
            for (var i = 0; i < history.Count; i++)
            {
                if (history[i].WorkflowStarted is not null)
                {
                    turns++;
                    replayed += i;
                    replayedBytes += before;
                }

                before += history[i].CalculateSize();
            }

            events += history.Count;
            bytes += before;
        }

        var n = Math.Max(1, ids.Count);
        return (turns / n, events / n, bytes / n, replayed / n, replayedBytes / n);
    }

    private static Process StartApp(string grpcEndpoint)
    {
        var here = new DirectoryInfo(AppContext.BaseDirectory);
        var dll = Path.Combine(here.Parent!.Parent!.FullName, "BioDapr.WorkflowApp", here.Name, "BioDapr.WorkflowApp.dll");
        var start = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(File.Exists(dll) ? dll : throw new FileNotFoundException("build the workflow app first", dll));
        start.Environment["DAPR_GRPC_ENDPOINT"] = grpcEndpoint;
        var process = Process.Start(start)!;
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) { Console.Error.WriteLine("  [app] " + e.Data); } };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { Console.Error.WriteLine("  [app] " + e.Data); } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    private static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "n/a";
}

using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using BioDapr.Benchmarks.Infrastructure;
using StackExchange.Redis;
using Resp = BioDapr.Redis;

namespace BioDapr.Benchmarks.Redis;

/// <summary>
/// Why the development sidecar keeps its own RESP client for pubsub.redis: a Redis Streams consumer group read the way
/// daprd's component reads (<c>XREADGROUP … BLOCK</c>, on a dedicated connection) against the only way
/// StackExchange.Redis can read (it multiplexes one connection and never issues a blocking command, so a consumer
/// polls <c>XREADGROUP</c> without BLOCK and sleeps between empty reads). One producer adds entries at a fixed rate;
/// each reader acknowledges what it reads. Measured: delivery latency (XADD → read) and the read commands each reader
/// sends per second, under load and idle.
/// </summary>
internal static class StreamReadBenchmark
{
    private const string Stream = "bench-stream";
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    public static async Task<int> RunAsync(string[] args)
    {
        var seconds = BenchArgs.Int(args, "--seconds", 10);
        var rate = BenchArgs.Int(args, "--rate", 500);
        var idleSeconds = BenchArgs.Int(args, "--idle-seconds", 5);
        var polls = BenchArgs.String(args, "--poll-ms", "1,10,50").Split(',').Select(p => int.Parse(p, CultureInfo.InvariantCulture)).ToArray();
        var output = BenchArgs.String(args, "--out", Path.Combine("docs", "benchmarks", "redis-streams.json"));
        await using var redis = await BenchRedis.StartAsync();
        await using var producer = await ConnectionMultiplexer.ConnectAsync(redis.Host);
        var db = producer.GetDatabase();
        Console.WriteLine($"Redis Streams read: {rate} entries/s for {seconds} s, then {idleSeconds} s idle; {Environment.ProcessorCount} cores, .NET {Environment.Version}");

        var results = new List<object>();
        var blocking = await MeasureAsync(db, "blocking", seconds, rate, idleSeconds, (group, token) => BlockingReaderAsync(redis.Port, group, token));
        results.Add(blocking);
        foreach (var poll in polls)
        {
            results.Add(await MeasureAsync(db, $"polling-{poll}ms", seconds, rate, idleSeconds, (group, token) => PollingReaderAsync(producer, group, TimeSpan.FromMilliseconds(poll), token)));
        }

        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(output))!);
        await File.WriteAllTextAsync(output, JsonSerializer.Serialize(
            new
            {
                machine = new { cores = Environment.ProcessorCount, dotnet = Environment.Version.ToString() },
                at = DateTimeOffset.UtcNow,
                settings = new { seconds, rate, idleSeconds, polls },
                results,
            },
            Indented));
        Console.WriteLine($"results written to {output}");
        return 0;
    }

    private static async Task<object> MeasureAsync(IDatabase db, string mode, int seconds, int rate, int idleSeconds, Func<string, CancellationToken, Task<Reader>> start)
    {
        var group = "g-" + mode;
        await db.StreamCreateConsumerGroupAsync(Stream, group, StreamPosition.NewMessages, createStream: true);
        using var stop = new CancellationTokenSource();
        var reader = await start(group, stop.Token);

        // Load: entries carry their send timestamp; the reader records the delay when it reads them.
        var interval = Stopwatch.Frequency / rate;
        var begin = Stopwatch.GetTimestamp();
        var sent = 0;
        while (Stopwatch.GetElapsedTime(begin) < TimeSpan.FromSeconds(seconds))
        {
            var due = begin + (sent * interval);
            var wait = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), due);
            if (wait > TimeSpan.Zero)
            {
                await Task.Delay(wait);
            }

            await db.StreamAddAsync(Stream, "t", Stopwatch.GetTimestamp().ToString(CultureInfo.InvariantCulture));
            sent++;
        }

        var drained = Stopwatch.GetTimestamp();
        while (reader.Received < sent && Stopwatch.GetElapsedTime(drained) < TimeSpan.FromSeconds(10))
        {
            await Task.Delay(10);
        }

        var loadCommands = reader.Commands;
        var loadElapsed = Stopwatch.GetElapsedTime(begin).TotalSeconds;

        // Idle: nothing is sent; count what the reader asks Redis meanwhile.
        var idleStart = reader.Commands;
        await Task.Delay(TimeSpan.FromSeconds(idleSeconds));
        var idleCommands = reader.Commands - idleStart;
        await stop.CancelAsync();
        await reader.Completion;

        var latencies = reader.Latencies.OrderBy(l => l).ToList();
        var result = new
        {
            mode,
            sent,
            received = reader.Received,
            p50Ms = Percentiles.Of(latencies, 0.50),
            p99Ms = Percentiles.Of(latencies, 0.99),
            maxMs = latencies.Count > 0 ? latencies[^1] : double.NaN,
            readCommandsPerSecondUnderLoad = loadCommands / loadElapsed,
            readCommandsPerSecondIdle = (double)idleCommands / idleSeconds,
        };
        Console.WriteLine($"{mode,-14} received {result.received}/{sent}  p50 {result.p50Ms,6:F2} ms  p99 {result.p99Ms,6:F2} ms  max {result.maxMs,6:F2} ms  reads/s: load {result.readCommandsPerSecondUnderLoad,7:F0}, idle {result.readCommandsPerSecondIdle,7:F0}");
        return result;
    }

    // What the sidecar does: XREADGROUP … BLOCK on a connection of its own (the server answers when entries arrive).
    private static async Task<Reader> BlockingReaderAsync(int port, string group, CancellationToken cancellationToken)
    {
        var connection = await Resp.RedisConnection.ConnectAsync(new Resp.RedisOptions { Port = port }, CancellationToken.None);
        var reader = new Reader();
        reader.Completion = Task.Run(async () =>
        {
            await using (connection)
            {
                while (!cancellationToken.IsCancellationRequested)
                {
                    reader.CountCommand();
                    var reply = await connection.ExecuteAsync("XREADGROUP", ["GROUP", group, "c", "COUNT", "100", "BLOCK", "1000", "STREAMS", Stream, ">"], CancellationToken.None);
                    var now = Stopwatch.GetTimestamp();
                    if (reply.IsNull)
                    {
                        continue;
                    }

                    var ids = new List<Resp.RedisArg>();
                    foreach (var entry in reply.Items[0].Items[1].Items)
                    {
                        ids.Add(entry.Items[0].AsString()!);
                        reader.Record(now, long.Parse(entry.Items[1].Items[1].AsString()!, CultureInfo.InvariantCulture));
                    }

                    await connection.ExecuteAsync("XACK", [Stream, group, .. ids], CancellationToken.None);
                }
            }
        }, CancellationToken.None);
        return reader;
    }

    // What StackExchange.Redis allows: XREADGROUP without BLOCK on the multiplexed connection, sleeping after an empty read.
    private static Task<Reader> PollingReaderAsync(ConnectionMultiplexer connection, string group, TimeSpan poll, CancellationToken cancellationToken)
    {
        var db = connection.GetDatabase();
        var reader = new Reader();
        reader.Completion = Task.Run(async () =>
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                reader.CountCommand();
                var entries = await db.StreamReadGroupAsync(Stream, group, "c", StreamPosition.NewMessages, count: 100);
                var now = Stopwatch.GetTimestamp();
                if (entries.Length == 0)
                {
                    try
                    {
                        await Task.Delay(poll, cancellationToken);
                    }
                    catch (OperationCanceledException)
                    {
                        break;
                    }

                    continue;
                }

                foreach (var entry in entries)
                {
                    reader.Record(now, long.Parse((string)entry["t"]!, CultureInfo.InvariantCulture));
                }

                await db.StreamAcknowledgeAsync(Stream, group, [.. entries.Select(e => e.Id)]);
            }
        }, CancellationToken.None);
        return Task.FromResult(reader);
    }

    private sealed class Reader
    {
        private readonly Lock _gate = new();
        private readonly List<double> _latencies = [];
        private long _commands;

        public Task Completion { get; set; } = Task.CompletedTask;

        public long Commands => Interlocked.Read(ref _commands);

        public int Received
        {
            get
            {
                lock (_gate)
                {
                    return _latencies.Count;
                }
            }
        }

        public IReadOnlyList<double> Latencies
        {
            get
            {
                lock (_gate)
                {
                    return [.. _latencies];
                }
            }
        }

        public void CountCommand() => Interlocked.Increment(ref _commands);

        public void Record(long now, long sent)
        {
            lock (_gate)
            {
                _latencies.Add(Stopwatch.GetElapsedTime(sent, now).TotalMilliseconds);
            }
        }
    }
}

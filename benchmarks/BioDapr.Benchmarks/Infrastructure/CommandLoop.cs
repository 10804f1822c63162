namespace BioDapr.Benchmarks.Infrastructure;

/// <summary>
/// A child process's command loop: reads lines until the input ends and hands each to a handler, on a thread of its own.
/// Reading a process's standard input blocks its thread (on Unix Console.In's <c>ReadLineAsync</c> reads synchronously),
/// and a loop awaited after an asynchronous start would otherwise hold a thread-pool thread for the process's life: pinned
/// to one core the pool's minimum is one thread, and the SDK-overhead benchmark's cell stalled ~0.5 s each time hill
/// climbing came down to it (docs/benchmarks.md, "The one-core stall").
/// </summary>
internal static class CommandLoop
{
    /// <summary>Runs <paramref name="handle"/> for every line of <paramref name="input"/>; completes when the input ends.</summary>
    public static Task RunAsync(TextReader input, Action<string> handle)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(handle);
        return Task.Factory.StartNew(
            () =>
            {
                while (input.ReadLine() is { } line)
                {
                    handle(line);
                }
            },
            CancellationToken.None,
            TaskCreationOptions.LongRunning,
            TaskScheduler.Default);
    }
}

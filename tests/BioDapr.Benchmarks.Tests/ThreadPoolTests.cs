using BioDapr.Benchmarks.Infrastructure;
using BioDapr.Testing;

namespace BioDapr.Benchmarks.Tests;

/// <summary>
/// The SDK-overhead benchmark's one-core stall (issue 13, item 8): its child's command loop blocked a thread-pool thread.
/// The loop now reads on a thread of its own, and each round counts the pool's starvation injections.
/// </summary>
public sealed class ThreadPoolTests
{
    [Fact]
    public async Task TheCommandLoop_ReadsOffTheThreadPool_EvenWhenStartedFromAPoolThread()
    {
        var input = new RecordingReader("stats", "alloc-start", "alloc-stop");
        var handled = new List<string>();

        // Started as the child starts it: from a continuation on a pool thread.
        await Task.Run(() => CommandLoop.RunAsync(input, handled.Add), TestContext.Current.CancellationToken);

        handled.ShouldBe(["stats", "alloc-start", "alloc-stop"]);
        input.Reads.ShouldBe(4, "three lines, then the end of the input");
        input.ReadOnPoolThread.ShouldBeFalse("a blocking read on a pool thread is what starved the pinned cell");
    }

    [Fact]
    public async Task TheCommandLoop_EndsWithTheInput_AndRethrowsAHandlersFailure()
    {
        await CommandLoop.RunAsync(new StringReader(""), _ => throw new InvalidOperationException("not called"));

        var failing = CommandLoop.RunAsync(new StringReader("bad\n"), line => throw new InvalidOperationException($"cannot serve '{line}'"));

        (await Should.ThrowAsync<InvalidOperationException>(failing)).Message.ShouldBe("cannot serve 'bad'");
    }

    [Fact]
    public async Task TheStarvationCounter_CountsThePoolsInjections_WhenEveryPoolThreadIsBlocked()
    {
        using var starvation = new ThreadPoolStarvation();
        var before = starvation.Injections;
        using var release = new ManualResetEventSlim();
        // More blocking work items than the pool has threads: the queue waits with no thread free, so the gate thread adds
        // threads for starvation (about one per 0.5 s) until all are running. A blocking wait it is not told about
        // (not Task.Wait, which the pool compensates for at once) is what the benchmark's command loop did.
        var blockers = Enumerable.Range(0, ThreadPool.ThreadCount + Environment.ProcessorCount + 2)
            .Select(_ => Task.Factory.StartNew(() => release.Wait(TimeSpan.FromSeconds(60)), CancellationToken.None, TaskCreationOptions.None, TaskScheduler.Default))
            .ToList();
        try
        {
            await Eventually.TrueAsync(() => starvation.Injections > before, TimeSpan.FromSeconds(60), "the pool added no thread for starvation");
        }
        finally
        {
            release.Set();
            await Task.WhenAll(blockers);
        }
    }

    [Fact]
    public async Task TheStarvationCounter_StaysAtZero_WhenThePoolKeepsUp()
    {
        using var starvation = new ThreadPoolStarvation();
        var before = starvation.Injections;

        // Short work items, never blocking: the pool serves them with the threads it has.
        for (var round = 0; round < 20; round++)
        {
            await Task.WhenAll(Enumerable.Range(0, 100).Select(i => Task.Run(() => i * i)));
            await Task.Delay(10, TestContext.Current.CancellationToken);
        }

        starvation.Injections.ShouldBe(before);
    }

    private sealed class RecordingReader(params string[] lines) : TextReader
    {
        private int _next;

        public int Reads { get; private set; }

        public bool ReadOnPoolThread { get; private set; }

        public override string? ReadLine()
        {
            Reads++;
            ReadOnPoolThread |= Thread.CurrentThread.IsThreadPoolThread;
            return _next < lines.Length ? lines[_next++] : null;
        }
    }
}

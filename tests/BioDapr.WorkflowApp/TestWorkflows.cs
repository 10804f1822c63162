using System.Collections.Concurrent;
using Dapr.Workflow;

namespace BioDapr.WorkflowApp;

/// <summary>Input of <c>Flaky</c>: fails its first <paramref name="Failures"/> attempts (counted per key in this process).</summary>
public sealed record FlakyInput(string Key, int Failures);

/// <summary>Input of <c>Slow</c>: one step of a sequence, taking <paramref name="DelayMs"/>.</summary>
public sealed record SlowInput(int Step, int DelayMs);

/// <summary>Input of <c>Sequence</c>.</summary>
public sealed record SequenceInput(int Steps, int DelayMs);

/// <summary>State of <c>Counter</c> across continue-as-new.</summary>
public sealed record CounterState(int Count, int Target);

/// <summary>
/// The workflows and activities the tests and the benchmark run, written against the public Dapr.Workflow 1.19.1
/// API only. Names are the registration names.
/// </summary>
public static class TestWorkflows
{
    /// <summary>Attempts of <c>Flaky</c> per key (this process).</summary>
    public static ConcurrentDictionary<string, int> FlakyAttempts { get; } = new(StringComparer.Ordinal);

    /// <summary>Runs of <c>Slow</c> per "instance/step" (this process): activities run at least once.</summary>
    public static ConcurrentDictionary<string, int> SlowRuns { get; } = new(StringComparer.Ordinal);

    public static void Register(WorkflowRuntimeOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);

        // Activities
        options.RegisterActivity<int, int>("Square", (_, n) => Task.FromResult(n * n));
        options.RegisterActivity<string, string>("Echo", (_, text) => Task.FromResult(text));
        options.RegisterActivity<string, string>("Fail", (_, message) => throw new InvalidOperationException(message));
        options.RegisterActivity<FlakyInput, int>("Flaky", (_, input) =>
        {
            var attempt = FlakyAttempts.AddOrUpdate(input.Key, 1, (_, n) => n + 1);
            return attempt <= input.Failures ? throw new TimeoutException($"attempt {attempt} of {input.Key} failed") : Task.FromResult(attempt);
        });
        options.RegisterActivity<SlowInput, string>("Slow", async (context, input) =>
        {
            SlowRuns.AddOrUpdate($"{context.InstanceId}/{input.Step}", 1, (_, n) => n + 1);
            await Task.Delay(input.DelayMs);
            return $"step-{input.Step}";
        });

        // Fan-out/fan-in with a zero-length timer (also the benchmark's workflow with n = 3).
        options.RegisterWorkflow<int, int>("FanOut", async (context, n) =>
        {
            var squares = Enumerable.Range(1, n).Select(i => context.CallActivityAsync<int>("Square", i)).ToList();
            await context.CreateTimer(TimeSpan.Zero);
            var results = await Task.WhenAll(squares);
            return results.Sum();
        });

        options.RegisterWorkflow<int, string>("Timer", async (context, milliseconds) =>
        {
            var before = context.CurrentUtcDateTime;
            await context.CreateTimer(TimeSpan.FromMilliseconds(milliseconds));
            return $"{(context.CurrentUtcDateTime - before).TotalMilliseconds >= milliseconds}";
        });

        options.RegisterWorkflow<string, string>("Approval", async (context, _) =>
            await context.WaitForExternalEventAsync<string>("approval"));

        options.RegisterWorkflow<int, string>("ApprovalWithTimeout", async (context, milliseconds) =>
        {
            try
            {
                return await context.WaitForExternalEventAsync<string>("approval", TimeSpan.FromMilliseconds(milliseconds));
            }
            catch (TaskCanceledException)
            {
                return "timed out";
            }
        });

        options.RegisterWorkflow<string, string>("FailingActivity", async (context, message) =>
            await context.CallActivityAsync<string>("Fail", message));

        options.RegisterWorkflow<string, string>("CatchFailure", async (context, message) =>
        {
            try
            {
                return await context.CallActivityAsync<string>("Fail", message);
            }
            catch (WorkflowTaskFailedException ex)
            {
                return $"{ex.FailureDetails.ErrorType}: {ex.FailureDetails.ErrorMessage}";
            }
        });

        options.RegisterWorkflow<FlakyInput, int>("Retry", async (context, input) =>
            await context.CallActivityAsync<int>("Flaky", input, new WorkflowTaskOptions(new WorkflowRetryPolicy(3, TimeSpan.FromMilliseconds(50)))));

        options.RegisterWorkflow<int, string>("Parent", async (context, n) =>
        {
            var sum = await context.CallChildWorkflowAsync<int>("FanOut", n);
            string failure;
            try
            {
                await context.CallChildWorkflowAsync<string>("FailingActivity", "child broke");
                failure = "none";
            }
            catch (WorkflowTaskFailedException ex)
            {
                failure = ex.FailureDetails.ErrorMessage;
            }

            return $"{sum}|{failure}";
        });

        options.RegisterWorkflow<CounterState, int>("Counter", async (context, state) =>
        {
            var echoed = await context.CallActivityAsync<string>("Echo", $"generation {state.Count}");
            if (state.Count < state.Target)
            {
                context.ContinueAsNew(state with { Count = state.Count + 1 });
                return -1;
            }

            return echoed.Length > 0 ? state.Count : -2;
        });

        // Each generation consumes one "tick"; ticks raised early are carried over by continue-as-new.
        options.RegisterWorkflow<int, int>("Ticks", async (context, seen) =>
        {
            var tick = await context.WaitForExternalEventAsync<int>("tick");
            if (seen + 1 < 3)
            {
                context.ContinueAsNew(seen + tick);
                return -1;
            }

            return seen + tick;
        });

        options.RegisterWorkflow<string, string>("CustomStatus", async (context, _) =>
        {
            context.SetCustomStatus(new { stage = "waiting" });
            var go = await context.WaitForExternalEventAsync<string>("go");
            context.SetCustomStatus(new { stage = "done" });
            return go;
        });

        options.RegisterWorkflow<string, string>("WaitForever", async (context, _) =>
            await context.WaitForExternalEventAsync<string>("never"));

        options.RegisterWorkflow<string, string>("ParentOfWaiter", async (context, _) =>
            await context.CallChildWorkflowAsync<string>("WaitForever", null, new ChildWorkflowTaskOptions(context.InstanceId + "-child")));

        // Counts the "step" events it sees, reporting them in its custom status (suspend/resume tests).
        options.RegisterWorkflow<int, int>("Steps", async (context, steps) =>
        {
            for (var i = 1; i <= steps; i++)
            {
                await context.WaitForExternalEventAsync<string>("step");
                context.SetCustomStatus(i);
            }

            return steps;
        });

        options.RegisterWorkflow<string, string>("Sender", (context, target) =>
        {
            context.SendEvent(target, "approval", "sent by " + context.InstanceId);
            return Task.FromResult("sent");
        });

        options.RegisterWorkflow<SequenceInput, string>("Sequence", async (context, input) =>
        {
            var results = new List<string>();
            for (var i = 0; i < input.Steps; i++)
            {
                results.Add(await context.CallActivityAsync<string>("Slow", new SlowInput(i, input.DelayMs)));
            }

            return string.Join(",", results);
        });

        // A fan-out of slow activities (crash tests: results spread over several turns).
        options.RegisterWorkflow<SequenceInput, string>("SlowFanOut", async (context, input) =>
        {
            var results = await Task.WhenAll(Enumerable.Range(0, input.Steps).Select(i => context.CallActivityAsync<string>("Slow", new SlowInput(i, input.DelayMs))));
            return string.Join(",", results);
        });
    }
}

namespace BioDapr.Inventory.Tests.Stock;

/// <summary>
/// Runs one race under many schedules, each from a fresh <see cref="LedgerRace"/>:
/// <list type="bullet">
/// <item><see cref="ExhaustiveAsync"/>: every schedule with at most a given number of preemptions (a switch away from a
/// call that could have gone on), by depth-first search over the choices (the bounded search of CHESS, Musuvathi and
/// Qadeer, PLDI 2007: most concurrency bugs need only one or two preemptions). Between preemptions a call runs on.</item>
/// <item><see cref="RandomAsync"/>: schedules drawn from seeds (any runnable call at each step), for races too long to
/// enumerate.</item>
/// </list>
/// Each run ends with the audit on the finished race; a failing audit is rethrown with the schedule
/// (every operation in order), so a failure replays from what it prints.
/// </summary>
internal static class RaceExplorer
{
    /// <summary>How a run went: the choices (call index per step) and how many runs were explored.</summary>
    public sealed record Explored(int Runs, int LongestRun);

    public static async Task<Explored> ExhaustiveAsync(Func<Task<LedgerRace>> race, Func<LedgerRace, Task> audit, int preemptions, int maxRuns = 200_000)
    {
        var pending = new Stack<List<int>>();
        pending.Push([]);
        var runs = 0;
        var longest = 0;
        while (pending.Count > 0)
        {
            var prefix = pending.Pop();
            var run = await RunAsync(race, audit, prefix, random: null);
            runs++;
            longest = Math.Max(longest, run.Choices.Count);
            if (runs > maxRuns)
            {
                throw new InvalidOperationException($"more than {maxRuns} schedules: bound the race more tightly");
            }

            for (var step = run.Choices.Count - 1; step >= prefix.Count; step--)
            {
                var (runnable, current, preempted) = run.Points[step];
                foreach (var other in runnable.Where(index => index != run.Choices[step]))
                {
                    var cost = preempted + (current is { } c && runnable.Contains(c) && other != c ? 1 : 0);
                    if (cost <= preemptions)
                    {
                        pending.Push([.. run.Choices.Take(step), other]);
                    }
                }
            }
        }

        return new Explored(runs, longest);
    }

    public static async Task<Explored> RandomAsync(Func<Task<LedgerRace>> race, Func<LedgerRace, Task> audit, int seed, int runs)
    {
        var longest = 0;
        for (var run = 0; run < runs; run++)
        {
            var done = await RunAsync(race, audit, [], new Random(seed + run));
            longest = Math.Max(longest, done.Choices.Count);
        }

        return new Explored(runs, longest);
    }

    private sealed record Run(List<int> Choices, List<(int[] Runnable, int? Current, int Preempted)> Points);

    // Follows the prefix, then lets the current call go on (or the first runnable one; with a random source, any).
    private static async Task<Run> RunAsync(Func<Task<LedgerRace>> build, Func<LedgerRace, Task> audit, List<int> prefix, Random? random)
    {
        var race = await build();
        var scheduler = race.Scheduler;
        var calls = scheduler.Calls;
        var choices = new List<int>();
        var points = new List<(int[], int?, int)>();
        int? current = null;
        var preempted = 0;
        while (scheduler.Runnable is { Count: > 0 } ready)
        {
            var runnable = ready.Select(call => call.Index).ToArray();
            var step = choices.Count;
            var pick = step < prefix.Count ? prefix[step]
                : random is not null ? runnable[random.Next(runnable.Length)]
                : current is { } c && runnable.Contains(c) ? c : runnable[0];
            points.Add((runnable, current, preempted));
            if (current is { } on && runnable.Contains(on) && pick != on)
            {
                preempted++;
            }

            choices.Add(pick);
            current = pick;
            await scheduler.StepAsync(calls[pick]);
        }

        try
        {
            await audit(race);
        }
        catch (Exception ex)
        {
            throw new ShouldAssertException($"{ex.Message}\nschedule [{string.Join(",", choices)}]:\n  {string.Join("\n  ", scheduler.Trace)}", ex);
        }

        return new Run(choices, points);
    }
}

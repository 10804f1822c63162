namespace BioDapr.Inventory.Tests.Stock;

/// <summary>
/// Runs concurrent calls one store operation at a time, in an order it chooses: a deterministic replacement for the
/// thread pool's timing in the ledger's race tests. Each call (a <see cref="Call"/>: its code runs on its own replica's
/// ledger) waits at <see cref="GateAsync"/> before each store operation; <see cref="StepAsync"/> lets exactly one call
/// go on, up to its next operation or its end, and returns once it is there. Nothing else runs meanwhile, so the same
/// sequence of choices gives the same run, operation for operation. A call waiting for anything but the store (a lock
/// held by a call of the same replica) would stall a step: the tests give every concurrent call its own replica, which
/// is what racing replicas are (within one replica the ledger's locks run calls one after another).
/// </summary>
internal sealed class StepScheduler
{
    private static readonly TimeSpan StepLimit = TimeSpan.FromSeconds(30);
    private readonly AsyncLocal<Call?> _current = new();
    private readonly Lock _gate = new();
    private readonly List<Call> _calls = [];
    private readonly List<string> _trace = [];
    private TaskCompletionSource _moved = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Every operation let through, in order ("name: operation"), and each call's end.</summary>
    public IReadOnlyList<string> Trace
    {
        get
        {
            lock (_gate)
            {
                return [.. _trace];
            }
        }
    }

    /// <summary>The calls added, in order.</summary>
    public IReadOnlyList<Call> Calls
    {
        get
        {
            lock (_gate)
            {
                return [.. _calls];
            }
        }
    }

    /// <summary>Steps taken so far.</summary>
    public int Steps { get; private set; }

    /// <summary>Adds a call that starts at its first step (not before): starting is a choice of the schedule too.</summary>
    public Call Add(string name, Func<Task<object?>> work)
    {
        var call = new Call(name, work, _calls.Count);
        lock (_gate)
        {
            _calls.Add(call);
        }

        return call;
    }

    /// <summary>The calls that can take a step (not started, or waiting at a store operation).</summary>
    public IReadOnlyList<Call> Runnable
    {
        get
        {
            lock (_gate)
            {
                return [.. _calls.Where(call => call.State is CallState.NotStarted or CallState.Waiting)];
            }
        }
    }

    /// <summary>Where a call under this scheduler waits before each store operation; other code passes at once.</summary>
    public async Task GateAsync(string operation)
    {
        var call = _current.Value;
        if (call is null)
        {
            return;
        }

        var go = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_gate)
        {
            call.State = CallState.Waiting;
            call.Next = operation;
            call.Go = go;
            _moved.TrySetResult();
        }

        await go.Task;
    }

    /// <summary>Lets <paramref name="call"/> start or run its next store operation, and waits until it waits again or ends.</summary>
    public async Task StepAsync(Call call)
    {
        TaskCompletionSource moved;
        lock (_gate)
        {
            if (call.State is not (CallState.NotStarted or CallState.Waiting))
            {
                throw new InvalidOperationException($"{call.Name} cannot step: it is {call.State}");
            }

            moved = _moved = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _trace.Add(call.State == CallState.NotStarted ? $"{call.Name}: start" : $"{call.Name}: {call.Next}");
            Steps++;
            if (call.State == CallState.NotStarted)
            {
                call.State = CallState.Running;
                call.StartedAt = Steps;
                call.Task = Task.Run(() => RunAsync(call));
            }
            else
            {
                call.State = CallState.Running;
                call.Go!.SetResult();
            }
        }

        try
        {
            await moved.Task.WaitAsync(StepLimit);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"{call.Name} neither reached a store operation nor ended within {StepLimit.TotalSeconds} s: it waits for something else (a lock of its replica?). Trace: {string.Join(" | ", Trace)}");
        }

        if (call.State == CallState.Done)
        {
            Ended?.Invoke(call);
        }
    }

    /// <summary>Called as soon as a call has ended, before any other call moves: the store is as its answer left it.</summary>
    public Action<Call>? Ended { get; set; }

    /// <summary>Steps <paramref name="call"/> until its next operation matches <paramref name="before"/> (not run), or it ends.</summary>
    public async Task RunUntilAsync(Call call, Func<string, bool> before)
    {
        while (call.State is CallState.NotStarted or CallState.Waiting && !(call.State == CallState.Waiting && before(call.Next!)))
        {
            await StepAsync(call);
        }
    }

    /// <summary>Steps <paramref name="call"/> to its end.</summary>
    public Task RunToEndAsync(Call call) => RunUntilAsync(call, _ => false);

    private async Task RunAsync(Call call)
    {
        _current.Value = call;
        try
        {
            call.Result = await call.Work();
        }
        catch (Exception ex)
        {
            call.Failure = ex;
        }

        lock (_gate)
        {
            call.State = CallState.Done;
            call.EndedAt = Steps;
            call.Next = null;
            _trace.Add($"{call.Name}: answered {call.Failure?.Message ?? Describe(call.Result)}");
            _moved.TrySetResult();
        }
    }

    private static string Describe(object? result) => result switch
    {
        null => "nothing",
        System.Runtime.CompilerServices.ITuple tuple => string.Join(", ", Enumerable.Range(0, tuple.Length).Select(i => tuple[i]?.ToString() ?? "null")),
        _ => result.ToString() ?? "?",
    };

    internal enum CallState
    {
        NotStarted,
        Running,
        Waiting,
        Done,
    }

    /// <summary>One concurrent call: its code, where it is, and how it ended.</summary>
    internal sealed class Call(string name, Func<Task<object?>> work, int index)
    {
        public string Name { get; } = name;

        public int Index { get; } = index;

        public Func<Task<object?>> Work { get; } = work;

        public CallState State { get; set; }

        /// <summary>The store operation it waits to run.</summary>
        public string? Next { get; set; }

        public TaskCompletionSource? Go { get; set; }

        public Task? Task { get; set; }

        /// <summary>The step that started it, and the step after which it ended.</summary>
        public int StartedAt { get; set; }

        public int EndedAt { get; set; }

        public object? Result { get; set; }

        public Exception? Failure { get; set; }

        /// <summary>A snapshot taken by the test when the call ended (the store as the answer left it).</summary>
        public object? AtEnd { get; set; }
    }
}

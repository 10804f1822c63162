using BioDapr.Pathways.Hormones;
using BioDapr.Pathways.Policies;
using BioDapr.Scenarios;
using BioDapr.Control.Controllers;
using BioDapr.Simulation.Randomness;

namespace BioDapr.Simulation;

/// <summary>
/// Runs a scenario in simulated time (see README.md). Single-threaded and deterministic: the same
/// scenario, hormones and seed give the same result.
/// </summary>
public sealed class Simulator
{
    private readonly Scenario _scenario;
    private readonly Func<string, PathwayHormones> _hormones;
    private readonly IPathwayController? _controller;
    private readonly double _decisionMs;
    private readonly Dictionary<string, PathwayHormones> _controlled = new(StringComparer.Ordinal);
    private readonly List<DecisionRecord> _decisions = [];
    // Separate streams, so a controller that sheds or retries more does not shift the arrivals or the
    // service times another controller sees with the same seed (common random numbers).
    private readonly Random _arrivals;
    private readonly Random _service;
    private readonly Random _faults;
    private readonly Random _retries;
    private readonly Random _mix;
    private readonly Random _balancing;
    private readonly Random _clientRetries;
    private readonly Dictionary<ScenarioPhase, IReadOnlyList<(EntryApi Api, double Share)>> _shares = [];
    private readonly PriorityQueue<Action, (double Time, long Sequence)> _events = new();
    private readonly Dictionary<string, CellState> _cells = new(StringComparer.Ordinal);
    private readonly Dictionary<string, PathwaySim> _pathways = new(StringComparer.Ordinal);
    private readonly List<SimulatedSecond> _seconds = [];
    private long _sequence;
    private long _processed;
    private long _completed;
    private long _clientAttempts;
    private long _abandonedVisits;

    /// <summary>Creates a simulator. <paramref name="hormones"/> gives each pathway's settings (key <c>caller→target</c>), read at every decision.</summary>
    public Simulator(Scenario scenario, Func<string, PathwayHormones>? hormones = null, int? seed = null)
    {
        ArgumentNullException.ThrowIfNull(scenario);
        _scenario = scenario;
        _hormones = hormones ?? (_ => PathwayHormones.Default);
        var root = seed ?? scenario.Seed;
        _arrivals = new Random(Seeds.Of(root, RandomSource.Arrivals));
        _service = new Random(Seeds.Of(root, RandomSource.ServiceTimes));
        _faults = new Random(Seeds.Of(root, RandomSource.Faults));
        _retries = new Random(Seeds.Of(root, RandomSource.Retries));
        _mix = new Random(Seeds.Of(root, RandomSource.Mix));
        _balancing = new Random(Seeds.Of(root, RandomSource.Balancing));
        _clientRetries = new Random(Seeds.Of(root, RandomSource.ClientRetries));
        _decisionMs = 1000;
        foreach (var (name, model) in scenario.Topology.Cells)
        {
            _cells[name] = new CellState(name, model);
        }
    }

    /// <summary>
    /// Creates a simulator whose pathways are tuned by <paramref name="controller"/> every
    /// <paramref name="decisionInterval"/> (simulated), from each pathway's last window.
    /// </summary>
    public Simulator(Scenario scenario, IPathwayController controller, TimeSpan decisionInterval, int? seed = null)
        : this(scenario, hormones: null, seed)
    {
        ArgumentNullException.ThrowIfNull(controller);
        _controller = controller;
        _decisionMs = decisionInterval.TotalMilliseconds > 0 ? decisionInterval.TotalMilliseconds : throw new ArgumentOutOfRangeException(nameof(decisionInterval), "the decision interval must be positive");
    }

    /// <summary>Every concurrency-limit change a controller made: when, on which pathway, the new limit.</summary>
    public IReadOnlyList<(double AtMs, string Pathway, int Limit)> LimitChanges
    {
        get
        {
            // Derived from the decisions: each pathway starts at the controller's initial limit.
            var last = new Dictionary<string, int>(StringComparer.Ordinal);
            var changes = new List<(double AtMs, string Pathway, int Limit)>();
            foreach (var decision in _decisions)
            {
                var before = last.TryGetValue(decision.Pathway, out var known) ? known : _controller!.Initial(decision.Pathway).ConcurrencyLimit;
                if (decision.Chosen.ConcurrencyLimit != before)
                {
                    changes.Add((decision.AtMs, decision.Pathway, decision.Chosen.ConcurrencyLimit));
                }

                last[decision.Pathway] = decision.Chosen.ConcurrencyLimit;
            }

            return changes;
        }
    }

    /// <summary>Every decision: when, the pathway's window and the hormones chosen for the next interval.</summary>
    public IReadOnlyList<DecisionRecord> Decisions => _decisions;

    /// <summary>Simulated time now, in milliseconds.</summary>
    public double NowMs { get; private set; }

    /// <summary>Runs until every arrival of the scenario was handled (or <paramref name="horizon"/> of simulated time).</summary>
    public SimulationResult Run(TimeSpan? horizon = null)
    {
        var end = (horizon ?? _scenario.Duration).TotalMilliseconds;
        ScheduleNextArrival(0, end);
        if (_controller is not null)
        {
            At(_decisionMs, () => Decide(end));
        }

        var clients = _scenario.Clients;
        var drainUntil = end + ((clients.Retries + 1) * (_scenario.Slo.ClientDeadlineMs + (1.5 * clients.BackoffMs))) + 60_000;
        while (_events.TryDequeue(out var action, out var at))
        {
            if (at.Time > drainUntil)
            {
                break;
            }

            NowMs = at.Time;
            _processed++;
            action();
        }

        return new SimulationResult(
            _seconds,
            _pathways.ToDictionary(p => p.Key, p => p.Value.Attempts, StringComparer.Ordinal),
            _pathways.ToDictionary(p => p.Key, p => p.Value.Calls, StringComparer.Ordinal),
            _cells.ToDictionary(c => c.Key, c => c.Value.Started == 0 ? 0 : c.Value.QueueWaitMs / c.Value.Started, StringComparer.Ordinal),
            _completed,
            _processed)
        {
            ClientAttempts = _clientAttempts,
            AbandonedVisits = _abandonedVisits,
        };
    }

    private PathwayHormones HormonesOf(string pathway)
    {
        if (_controller is null)
        {
            return _hormones(pathway);
        }

        if (!_controlled.TryGetValue(pathway, out var hormones))
        {
            hormones = _controller.Initial(pathway);
            _controlled[pathway] = hormones;
        }

        return hormones;
    }

    private void Decide(double endMs)
    {
        foreach (var (name, pathway) in _pathways)
        {
            var current = HormonesOf(name);
            var window = pathway.CloseWindow(_decisionMs / 1000);
            var next = _controller!.Decide(name, window, current);
            _decisions.Add(new DecisionRecord(NowMs, name, window, next));
            _controlled[name] = next;
        }

        if (NowMs + _decisionMs <= endMs)
        {
            At(NowMs + _decisionMs, () => Decide(endMs));
        }
    }

    private void At(double timeMs, Action action) => _events.Enqueue(action, (timeMs, _sequence++));

    // ----- arrivals at the entry (open loop, Poisson at the phase's rate) -------------------------

    private void ScheduleNextArrival(double fromMs, double endMs)
    {
        var rate = _scenario.RateAt(TimeSpan.FromMilliseconds(fromMs));
        if (rate <= 0)
        {
            // A zero-rate phase: look again at the next millisecond boundary of 100 ms.
            if (fromMs + 100 < endMs)
            {
                At(fromMs + 100, () => ScheduleNextArrival(fromMs + 100, endMs));
            }

            return;
        }

        var next = fromMs + (-Math.Log(1 - _arrivals.NextDouble()) / rate * 1000);
        if (next >= endMs)
        {
            return;
        }

        At(next, () =>
        {
            Arrive();
            ScheduleNextArrival(next, endMs);
        });
    }

    private void Arrive()
    {
        var second = (int)(NowMs / 1000);
        while (_seconds.Count <= second)
        {
            _seconds.Add(new SimulatedSecond { Second = _seconds.Count });
        }

        var bucket = _seconds[second];
        bucket.Arrivals++;
        var arrived = NowMs;
        var entry = PickEntry();
        var clients = _scenario.Clients;
        var done = false;

        void Try(int attempt)
        {
            _clientAttempts++;
            var attemptDone = false;
            Action cancelVisit = Noop;
            At(NowMs + _scenario.Slo.ClientDeadlineMs, () =>
            {
                if (!attemptDone && !done)
                {
                    attemptDone = true;
                    // The client hung up: the entry cell sees the request aborted and stops serving it
                    // (see "Cancellation" in README.md).
                    cancelVisit();
                    GaveUp(attempt, abandoned: true);
                }
            });
            cancelVisit = Visit(entry, success =>
            {
                if (attemptDone || done)
                {
                    return;
                }

                attemptDone = true;
                if (!success)
                {
                    GaveUp(attempt, abandoned: false);
                    return;
                }

                done = true;
                _completed++;
                var latency = NowMs - arrived;
                bucket.Latencies.Add(latency);
                if (latency <= _scenario.Slo.LatencyMs)
                {
                    bucket.Goodput++;
                }
                else
                {
                    bucket.Slow++;
                }
            });
        }

        // A failed or abandoned attempt: the client retries (its own policy) or the request is lost.
        void GaveUp(int attempt, bool abandoned)
        {
            if (attempt < clients.Retries)
            {
                var wait = clients.BackoffMs * (0.5 + _clientRetries.NextDouble());
                At(NowMs + wait, () => Try(attempt + 1));
                return;
            }

            done = true;
            _completed++;
            if (abandoned)
            {
                bucket.Abandoned++;
            }
            else
            {
                bucket.Latencies.Add(NowMs - arrived);
                bucket.Failed++;
            }
        }

        Try(0);
    }

    private string PickEntry()
    {
        var apis = _scenario.Topology.Apis;
        if (apis.Count == 1)
        {
            return apis[0].Cell;
        }

        var phase = _scenario.PhaseAt(TimeSpan.FromMilliseconds(NowMs))?.Phase ?? _scenario.Phases[^1];
        if (!_shares.TryGetValue(phase, out var shares))
        {
            shares = phase.SharesOf(_scenario.Topology);
            _shares[phase] = shares;
        }

        var draw = _mix.NextDouble();
        foreach (var (api, share) in shares)
        {
            draw -= share;
            if (draw < 0)
            {
                return api.Cell;
            }
        }

        return shares[^1].Api.Cell;
    }

    // ----- a visit: wait for a slot, own work, sequential downstream calls, release ---------------

    private static void Noop()
    {
    }

    /// <summary>
    /// One request to a cell; returns the caller's way to abandon it. Abandoned (the caller's timeout,
    /// a hedge that lost, a client that gave up), the request leaves the replica's queue, or gives its
    /// slot back at once and cancels the downstream call it is making, and <paramref name="done"/> is
    /// never called: as the live cells do when ASP.NET Core aborts the request (the ingress gate and the
    /// simulated work wait on <c>RequestAborted</c>; daprd cancels the call's context at its timeout).
    /// </summary>
    private Action Visit(string cellName, Action<bool> done)
    {
        var cell = _cells[cellName];
        var faults = ActiveFaults(cellName);
        if (faults.Any(f => f.Kind == FaultKind.Outage))
        {
            done(false);
            return Noop;
        }

        if (faults.FirstOrDefault(f => f.Kind == FaultKind.Errors) is { } errors && _faults.NextDouble() < errors.Fraction)
        {
            done(false);
            return Noop;
        }

        // The load balancer: a uniformly random replica (no draw for a single replica, so scenarios
        // without replicas keep their random streams).
        var replicaIndex = cell.Replicas.Length == 1 ? 0 : _balancing.Next(cell.Replicas.Length);
        var replica = cell.Replicas[replicaIndex];
        var enqueued = NowMs;
        var abandoned = false;
        var holding = false;
        var answered = false;
        Action cancelDownstream = Noop;
        QueuedVisit? queued = null;

        void Release()
        {
            if (holding)
            {
                holding = false;
                replica.Busy--;
                StartQueued(cell, replica);
            }
        }

        void Start()
        {
            replica.Busy++;
            holding = true;
            cell.Started++;
            cell.QueueWaitMs += NowMs - enqueued;
            var work = cell.Model.ServiceTime.SampleMs(_service);
            if (ActiveFaults(cellName).FirstOrDefault(f => f.Kind == FaultKind.Latency) is { } slow
                && (slow.Replicas == 0 || replicaIndex < slow.Replicas)
                && _faults.NextDouble() < slow.Fraction)
            {
                work = slow.AddedLatencyMs > 0 ? work + slow.AddedLatencyMs : work * slow.LatencyMultiplier;
            }

            At(NowMs + work, () =>
            {
                if (abandoned)
                {
                    return;
                }

                cancelDownstream = CallDownstream(cell, success =>
                {
                    if (abandoned)
                    {
                        return;
                    }

                    answered = true;
                    Release();
                    done(success);
                });
            });
        }

        if (replica.Busy < SlotsOf(cell))
        {
            Start();
        }
        else
        {
            queued = new QueuedVisit(Start);
            replica.Queue.Enqueue(queued);
        }

        return () =>
        {
            if (abandoned || answered)
            {
                return;
            }

            abandoned = true;
            _abandonedVisits++;
            if (queued is { Started: false })
            {
                queued.Abandoned = true;
                return;
            }

            cancelDownstream();
            Release();
        };
    }

    private void StartQueued(CellState cell, ReplicaState replica)
    {
        while (replica.Busy < SlotsOf(cell) && replica.Queue.TryDequeue(out var next))
        {
            if (!next.Abandoned)
            {
                next.Started = true;
                next.Start();
            }
        }
    }

    private int SlotsOf(CellState cell) =>
        ActiveFaults(cell.Name).FirstOrDefault(f => f.Kind == FaultKind.SlotReduction) is { } loss ? Math.Max(1, loss.Slots) : cell.Model.Slots;

    // The cell's downstream calls, one after another, while it holds its slot; returns the way to cancel
    // the call in progress (the cell's request was aborted).
    private Action CallDownstream(CellState cell, Action<bool> done)
    {
        var cancelled = false;
        Action current = Noop;
        void Next(int callIndex, int repetition)
        {
            while (callIndex < cell.Model.Calls.Count && repetition >= cell.Model.Calls[callIndex].Count)
            {
                callIndex++;
                repetition = 0;
            }

            if (callIndex >= cell.Model.Calls.Count)
            {
                done(true);
                return;
            }

            current = Pathway(cell.Name, cell.Model.Calls[callIndex].Target).Call(success =>
            {
                if (cancelled)
                {
                    return;
                }

                if (success)
                {
                    Next(callIndex, repetition + 1);
                }
                else
                {
                    done(false);
                }
            });
        }

        Next(0, 0);
        return () =>
        {
            cancelled = true;
            current();
        };
    }

    private IEnumerable<Fault> ActiveFaults(string cell) =>
        _scenario.PhaseAt(TimeSpan.FromMilliseconds(NowMs)) is { } current ? current.Phase.Faults.Where(f => f.Cell == cell) : [];

    private PathwaySim Pathway(string caller, string target)
    {
        var key = caller + "→" + target;
        if (!_pathways.TryGetValue(key, out var pathway))
        {
            pathway = new PathwaySim(this, key, target);
            _pathways[key] = pathway;
        }

        return pathway;
    }

    private sealed class CellState(string name, CellModel model)
    {
        public string Name { get; } = name;

        public CellModel Model { get; } = model;

        public ReplicaState[] Replicas { get; } = Enumerable.Range(0, model.Replicas).Select(_ => new ReplicaState()).ToArray();

        public long Started { get; set; }

        public double QueueWaitMs { get; set; }
    }

    private sealed class QueuedVisit(Action start)
    {
        public Action Start { get; } = start;

        public bool Started { get; set; }

        public bool Abandoned { get; set; }
    }

    private sealed class ReplicaState
    {
        public int Busy { get; set; }

        public Queue<QueuedVisit> Queue { get; } = new();
    }

    /// <summary>One pathway in simulated time, driven by the live cells' policy state machines.</summary>
    private sealed class PathwaySim(Simulator simulator, string key, string target)
    {
        private readonly CircuitBreaker _breaker = new();
        private readonly RetryBudget _budget = new();
        private readonly ConcurrencyLimiter<Action> _limiter = new();

        private readonly List<double> _latencies = [];
        private long _windowCalls;
        private long _windowAttempts;
        private long _windowTimeouts;
        private int _windowMaxInFlight;
        private long _windowSuccesses;
        private long _windowWithinSlo;
        private long _windowFailures;
        private long _windowRejected;
        private long _windowAdmitted;
        private double _windowQueueWaitMs;

        public long Attempts { get; private set; }

        public long Calls { get; private set; }

        public PathwayWindow CloseWindow(double seconds)
        {
            _latencies.Sort();
            var window = new PathwayWindow(
                seconds,
                _windowCalls,
                _windowSuccesses,
                _windowFailures,
                _windowRejected,
                _latencies.Count == 0 ? 0 : _latencies[_latencies.Count / 2],
                _latencies.Count == 0 ? 0 : _latencies[0],
                _limiter.InFlight)
            {
                RttP99Ms = _latencies.Count == 0 ? 0 : _latencies[Math.Min(_latencies.Count - 1, (int)Math.Ceiling(_latencies.Count * 0.99) - 1)],
                SuccessesWithinSlo = _windowWithinSlo,
                Attempts = _windowAttempts,
                Timeouts = _windowTimeouts,
                MaxInFlight = Math.Max(_windowMaxInFlight, _limiter.InFlight),
                QueueDelayMs = _windowAdmitted == 0 ? 0 : _windowQueueWaitMs / _windowAdmitted,
            };
            _latencies.Clear();
            _windowCalls = _windowSuccesses = _windowWithinSlo = _windowFailures = _windowRejected = _windowAttempts = _windowTimeouts = 0;
            _windowMaxInFlight = 0;
            _windowAdmitted = 0;
            _windowQueueWaitMs = 0;
            return window;
        }

        private TimeSpan Now => TimeSpan.FromMilliseconds(simulator.NowMs);

        /// <summary>One call through the pathway; returns the way to cancel it (the calling cell's request was aborted).</summary>
        public Action Call(Action<bool> done)
        {
            Calls++;
            _windowCalls++;
            var started = simulator.NowMs;
            var hormones = simulator.HormonesOf(key);
            _budget.OnRequest(Now);
            var call = new CallState();
            var admitted = false;
            void Admitted()
            {
                admitted = true;
                _windowAdmitted++;
                _windowQueueWaitMs += simulator.NowMs - started;
                Attempt(0, call, Finished);
            }

            void ReleaseSlot()
            {
                foreach (var next in _limiter.Release(simulator.HormonesOf(key).ConcurrencyLimit))
                {
                    next();
                }
            }

            void Finished(bool success)
            {
                if (call.Cancelled)
                {
                    return;
                }

                call.Finished = true;
                ReleaseSlot();
                if (success)
                {
                    _windowSuccesses++;
                    var latency = simulator.NowMs - started;
                    _latencies.Add(latency);
                    // As the live cells' vitals count it: a pathway call answered after the scenario's
                    // latency objective is not goodput (the request it serves cannot meet the objective).
                    if (latency <= simulator._scenario.Slo.LatencyMs)
                    {
                        _windowWithinSlo++;
                    }
                }
                else
                {
                    _windowFailures++;
                }

                done(success);
            }

            Action waiter = Admitted;
            switch (_limiter.Request(waiter, hormones.ConcurrencyLimit, hormones.QueueLimit))
            {
                case LimiterDecision.Admitted:
                    Admitted();
                    break;
                case LimiterDecision.Queued:
                    break;
                default:
                    _windowRejected++;
                    call.Finished = true;
                    done(false);
                    break;
            }

            return () =>
            {
                if (call.Cancelled || call.Finished)
                {
                    return;
                }

                // As the live limiter: a queued waiter leaves the queue; an admitted call's attempts are
                // cancelled (each reported to the breaker as Canceled, not judged) and its slot is freed.
                call.Cancelled = true;
                if (!admitted)
                {
                    _limiter.Cancel(waiter);
                    return;
                }

                call.CancelCurrent();
                ReleaseSlot();
            };
        }

        // One attempt of a call (the first or a retry), hedged when the hormones say so, as the live
        // pipeline (limiter → retry → hedging → breaker → timeout): every request sent (the attempt and its
        // hedges) passes the breaker and has its own timeout; a hedge is sent while no good answer came,
        // every HedgeDelayMs (up to MaxHedges), each paid from the retry budget; the first good answer
        // wins and the others are cancelled; the attempt fails with the last outcome when every request
        // sent has answered and no hedge is left to send.
        private void Attempt(int retry, CallState call, Action<bool> done)
        {
            var hormones = simulator.HormonesOf(key);
            var over = false;
            var outstanding = new List<Action>();
            var hedges = 0;
            var hedging = hormones.HedgingEnabled;
            var last = PathwayOutcome.BreakerOpen;

            void CancelAll()
            {
                over = true;
                var losers = outstanding.ToArray();
                outstanding.Clear();
                foreach (var cancel in losers)
                {
                    cancel();
                }
            }

            call.CancelCurrent = CancelAll;

            void End(PathwayOutcome outcome)
            {
                CancelAll();
                call.CancelCurrent = Noop;
                Outcome(outcome, retry, call, done);
            }

            bool MoreHedges() => hedging && hedges < hormones.MaxHedges;

            void Send()
            {
                if (!_breaker.TryAcquire(Now, simulator.HormonesOf(key)))
                {
                    last = PathwayOutcome.BreakerOpen;
                    if (outstanding.Count == 0 && !MoreHedges())
                    {
                        End(last);
                    }

                    return;
                }

                Attempts++;
                _windowAttempts++;
                _windowMaxInFlight = Math.Max(_windowMaxInFlight, _limiter.InFlight);
                var answered = false;
                Action cancelVisit = Noop;
                void Cancel()
                {
                    if (!answered)
                    {
                        answered = true;
                        cancelVisit();
                        _breaker.OnResult(Now, PathwayOutcome.Canceled, simulator.HormonesOf(key));
                    }
                }

                void Answer(PathwayOutcome outcome)
                {
                    answered = true;
                    outstanding.Remove(Cancel);
                    _breaker.OnResult(Now, outcome, simulator.HormonesOf(key));
                    last = outcome;
                    if (PathwayOutcomes.IsGood(outcome) || (outstanding.Count == 0 && !MoreHedges()))
                    {
                        End(outcome);
                    }
                }

                outstanding.Add(Cancel);
                simulator.At(simulator.NowMs + hormones.TimeoutMs, () =>
                {
                    if (!answered && !over)
                    {
                        _windowTimeouts++;
                        cancelVisit();
                        Answer(PathwayOutcome.Timeout);
                    }
                });
                cancelVisit = simulator.Visit(target, success =>
                {
                    if (!answered && !over)
                    {
                        Answer(success ? PathwayOutcome.Success : PathwayOutcome.ServerError);
                    }
                });
            }

            void ScheduleHedge()
            {
                simulator.At(simulator.NowMs + hormones.HedgeDelayMs, () =>
                {
                    if (over || call.Cancelled)
                    {
                        return;
                    }

                    if (_budget.TryWithdraw(Now, simulator.HormonesOf(key)))
                    {
                        hedges++;
                        Send();
                        if (!over && MoreHedges())
                        {
                            ScheduleHedge();
                        }
                    }
                    else
                    {
                        hedges = hormones.MaxHedges;
                        if (outstanding.Count == 0 && !over)
                        {
                            End(last);
                        }
                    }
                });
            }

            Send();
            if (!over && MoreHedges())
            {
                ScheduleHedge();
            }
        }

        private void Outcome(PathwayOutcome outcome, int retry, CallState call, Action<bool> done)
        {
            var hormones = simulator.HormonesOf(key);
            if (PathwayOutcomes.IsGood(outcome))
            {
                done(true);
                return;
            }

            if (PathwayOutcomes.IsRetryable(outcome) && retry < hormones.MaxRetries && _budget.TryWithdraw(Now, hormones))
            {
                var delay = Backoff.Delay(retry + 1, hormones, simulator._retries);
                var waiting = true;
                call.CancelCurrent = () => waiting = false;
                simulator.At(simulator.NowMs + delay.TotalMilliseconds, () =>
                {
                    if (waiting && !call.Cancelled)
                    {
                        Attempt(retry + 1, call, done);
                    }
                });
                return;
            }

            done(false);
        }
    }

    private sealed class CallState
    {
        public bool Cancelled { get; set; }

        public bool Finished { get; set; }

        public Action CancelCurrent { get; set; } = Noop;
    }
}


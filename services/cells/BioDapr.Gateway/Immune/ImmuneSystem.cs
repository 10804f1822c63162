using System.Collections.Concurrent;
using System.Globalization;
using BioDapr.Gateway.Hormones;
using Microsoft.Extensions.Logging.Abstractions;

namespace BioDapr.Gateway.Immune;

/// <summary>
/// The immune response: turns the <see cref="AnomalyDetector"/>'s verdicts into quarantines (throttled, then
/// refused, each with an expiry), remembers the signature of every attack so the same behaviour from the same origin
/// is quarantined on <c>gateway.immune.memoryFactor</c> of the evidence next time, and audits every decision with its
/// reason (structured log and the ledger's audit list). Decisions apply in memory at once; <see cref="ImmuneSync"/>
/// writes them to the state store and reads back what an operator or another gateway replica changed.
/// </summary>
public sealed partial class ImmuneSystem
{
    // A throttled caller detected again this long after its quarantine began is refused.
    private static readonly TimeSpan EscalateAfter = TimeSpan.FromSeconds(2);

    private readonly AnomalyDetector _detector;
    private readonly TimeProvider _time;
    private readonly Func<ImmuneHormones> _hormones;
    private readonly ILogger _logger;
    private readonly ClientRateLimiter _throttle;
    private readonly ConcurrentDictionary<string, Quarantine> _quarantines = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();
    private readonly List<Action<ImmuneLedger>> _pending = [];
    private List<AttackSignature> _signatures = [];

    /// <summary>The immune response over <paramref name="detector"/>.</summary>
    public ImmuneSystem(AnomalyDetector detector, TimeProvider time, Func<ImmuneHormones> hormones, ILogger<ImmuneSystem>? logger = null)
    {
        _detector = detector;
        _time = time;
        _hormones = hormones;
        _logger = logger ?? NullLogger<ImmuneSystem>.Instance;
        _throttle = new ClientRateLimiter(time);
    }

    /// <summary>The detector.</summary>
    public AnomalyDetector Detector => _detector;

    /// <summary>Whether the detector is on now (hormone <c>gateway.immune.enabled</c>).</summary>
    public bool Enabled => _hormones().Enabled;

    /// <summary>The quarantines in force now.</summary>
    public IReadOnlyList<Quarantine> Quarantines
    {
        get
        {
            var now = _time.GetUtcNow();
            return [.. _quarantines.Values.Where(q => q.ExpiresAt > now).OrderBy(q => q.Since)];
        }
    }

    /// <summary>The remembered attack signatures.</summary>
    public IReadOnlyList<AttackSignature> Signatures
    {
        get
        {
            lock (_lock)
            {
                return [.. _signatures];
            }
        }
    }

    /// <summary>Decisions not yet written to the state store.</summary>
    public int PendingChanges
    {
        get
        {
            lock (_lock)
            {
                return _pending.Count;
            }
        }
    }

    /// <summary>Whether a request from <paramref name="address"/> (of <paramref name="client"/>, when known) may go on.</summary>
    public ImmuneDecision Admit(string? client, string address)
    {
        if (_quarantines.IsEmpty)
        {
            return ImmuneDecision.Admit;
        }

        var decision = Check("address:" + address);
        if (decision.Admitted && client is not null)
        {
            decision = Check("client:" + client + "@" + address);
            if (decision.Admitted)
            {
                decision = Check("client:" + client);
            }
        }

        return decision;
    }

    /// <summary>The quarantine in force that holds requests of <paramref name="client"/> from <paramref name="address"/>, or null (no side effect on the throttle).</summary>
    public Quarantine? Find(string? client, string address)
    {
        if (_quarantines.IsEmpty)
        {
            return null;
        }

        var now = _time.GetUtcNow();
        string[] targets = client is null ? ["address:" + address] : ["address:" + address, "client:" + client + "@" + address, "client:" + client];
        foreach (var target in targets)
        {
            if (_quarantines.TryGetValue(target, out var quarantine) && quarantine.ExpiresAt > now)
            {
                return quarantine;
            }
        }

        return null;
    }

    /// <summary>A request of <paramref name="client"/> started (see <see cref="AnomalyDetector.Begin"/>).</summary>
    public long Begin(string? client, string address) => _detector.Begin(client, address);

    /// <summary>The request begun at <paramref name="startedAt"/> has received <paramref name="bytes"/> of its body so far (see <see cref="AnomalyDetector.Receiving"/>).</summary>
    public void Receiving(string? client, string address, long startedAt, long bytes) => _detector.Receiving(client, address, startedAt, bytes);

    /// <summary>The request begun at <paramref name="startedAt"/> was received whole (see <see cref="AnomalyDetector.Received"/>).</summary>
    public void Received(string? client, string address, long startedAt) => _detector.Received(client, address, startedAt);

    /// <summary>Scores a finished request and quarantines its caller when the score (or a remembered signature) says so.</summary>
    public AnomalyVerdict Observe(in RequestObservation request, long startedAt = 0)
    {
        var verdict = _detector.Observe(request, startedAt);
        React(verdict);
        return verdict;
    }

    /// <summary>Ends expired quarantines and scores the callers holding slow requests; call it about every second.</summary>
    public void Sweep()
    {
        var now = _time.GetUtcNow();
        foreach (var quarantine in _quarantines.Values)
        {
            if (quarantine.ExpiresAt <= now && _quarantines.TryRemove(new KeyValuePair<string, Quarantine>(quarantine.Target, quarantine)))
            {
                Record("expired", quarantine.Target, $"quarantine since {quarantine.Since:O} ({quarantine.Reason}) ran out", "detector", ledger => ledger.Quarantines.Remove(quarantine.Target));
            }
        }

        var settings = _hormones();
        foreach (var verdict in _detector.ScoreSlowCallers(settings.ScoreThreshold * settings.MemoryFactor))
        {
            React(verdict);
        }
    }

    /// <summary>Ends <paramref name="target"/>'s quarantine (an operator's decision); false when it had none.</summary>
    public bool Release(string target, string by)
    {
        if (!_quarantines.TryRemove(target, out var quarantine))
        {
            return false;
        }

        Record("released", target, $"released (was {quarantine.Stage.ToString().ToLowerInvariant()} for {quarantine.Reason})", by, ledger => ledger.Quarantines.Remove(target));
        return true;
    }

    /// <summary>Takes the decisions not yet stored, oldest first (apply them to the stored ledger, then <see cref="Adopt"/> it, or <see cref="Requeue"/> them).</summary>
    public IReadOnlyList<Action<ImmuneLedger>> TakePending()
    {
        lock (_lock)
        {
            var taken = _pending.ToArray();
            _pending.Clear();
            return taken;
        }
    }

    /// <summary>Puts decisions that could not be stored back in front of the newer ones.</summary>
    public void Requeue(IReadOnlyList<Action<ImmuneLedger>> changes)
    {
        lock (_lock)
        {
            _pending.InsertRange(0, changes);
        }
    }

    /// <summary>Makes the stored ledger (with the pending decisions on top) the quarantines and memory in force: an operator's release, or another replica's decision, applies here.</summary>
    public void Adopt(ImmuneLedger stored)
    {
        ArgumentNullException.ThrowIfNull(stored);
        lock (_lock)
        {
            var ledger = new ImmuneLedger
            {
                Quarantines = new Dictionary<string, Quarantine>(stored.Quarantines, StringComparer.Ordinal),
                Signatures = [.. stored.Signatures],
            };
            foreach (var change in _pending)
            {
                change(ledger);
            }

            foreach (var target in _quarantines.Keys)
            {
                if (!ledger.Quarantines.ContainsKey(target))
                {
                    _quarantines.TryRemove(target, out _);
                }
            }

            foreach (var (target, quarantine) in ledger.Quarantines)
            {
                _quarantines[target] = quarantine;
            }

            _signatures = ledger.Signatures;
        }
    }

    /// <summary>Applies <paramref name="changes"/> to <paramref name="ledger"/>, keeping its lists within their bounds.</summary>
    public static void Apply(ImmuneLedger ledger, IReadOnlyList<Action<ImmuneLedger>> changes)
    {
        ArgumentNullException.ThrowIfNull(ledger);
        ArgumentNullException.ThrowIfNull(changes);
        foreach (var change in changes)
        {
            change(ledger);
        }

        if (ledger.Audit.Count > ImmuneLedger.MaxAudit)
        {
            ledger.Audit.RemoveRange(0, ledger.Audit.Count - ImmuneLedger.MaxAudit);
        }
    }

    private ImmuneDecision Check(string target)
    {
        if (!_quarantines.TryGetValue(target, out var quarantine) || quarantine.ExpiresAt <= _time.GetUtcNow())
        {
            return ImmuneDecision.Admit;
        }

        if (quarantine.Stage == QuarantineStage.Refused)
        {
            return new ImmuneDecision(false, quarantine, TimeSpan.Zero);
        }

        return _throttle.TryTake(target, _hormones().ThrottledRatePerSecond, 1, out var wait)
            ? new ImmuneDecision(true, quarantine, TimeSpan.Zero)
            : new ImmuneDecision(false, quarantine, wait);
    }

    private void React(in AnomalyVerdict verdict)
    {
        var settings = _hormones();
        if (verdict.Score < settings.ScoreThreshold * settings.MemoryFactor)
        {
            return;
        }

        var now = _time.GetUtcNow();
        var expires = now.AddSeconds(settings.QuarantineSeconds);
        var detected = verdict.Score >= settings.ScoreThreshold && !verdict.MemoryOnly;
        var score = verdict.Score.ToString("F1", CultureInfo.InvariantCulture);
        if (_quarantines.TryGetValue(verdict.Target, out var existing) && existing.ExpiresAt > now)
        {
            if (detected && existing.Stage == QuarantineStage.Throttled && now - existing.Since >= EscalateAfter)
            {
                var refused = existing with { Stage = QuarantineStage.Refused, Score = Math.Max(existing.Score, verdict.Score), ExpiresAt = expires };
                _quarantines[verdict.Target] = refused;
                Record("refused", verdict.Target, $"still {Describe(verdict.Feature)} while throttled (score {score})", "detector", ledger => ledger.Quarantines[refused.Target] = refused);
            }

            return;
        }

        // A rate varies too much in normal traffic for a remembered rate to be evidence: only the detector quarantines for it.
        var network = AddressNetwork.Of(verdict.Address);
        var remembered = !detected && verdict.Feature != AnomalyFeature.Rate && Remembers(verdict, network);
        if (!detected && !remembered)
        {
            return;
        }

        var stage = verdict.Score >= settings.RefuseScore ? QuarantineStage.Refused : QuarantineStage.Throttled;
        var reason = remembered
            ? $"{Describe(verdict.Feature)} (score {score}) like a remembered attack from {(verdict.Client is null ? network : verdict.NewAddress ? verdict.Client + "'s key from " + network : verdict.Client)}"
            : $"{Describe(verdict.Feature)} (score {score}{(verdict.Breakdown is { Length: > 0 } breakdown ? " = " + settings.NewAddressFactor.ToString(CultureInfo.InvariantCulture) + " × (" + breakdown + ") ÷ √3" : string.Empty)}, threshold {settings.ScoreThreshold.ToString(CultureInfo.InvariantCulture)}){(verdict.NewAddress ? " with its key from an address it never used" : string.Empty)}{(verdict.Evidence is { Length: > 0 } evidence ? "; last: " + evidence : string.Empty)}";
        var quarantine = new Quarantine(verdict.Target, stage, verdict.Feature, verdict.Score, reason, remembered, now, expires);
        if (!_quarantines.TryAdd(verdict.Target, quarantine))
        {
            return;
        }

        var signature = new AttackSignature(verdict.Feature, network, verdict.Client, verdict.NewAddress, now, now, 1);
        lock (_lock)
        {
            _signatures = Remember(_signatures, signature);
        }

        Record(stage == QuarantineStage.Refused ? "refused" : "quarantined", verdict.Target, reason, remembered ? "memory" : "detector", ledger =>
        {
            ledger.Quarantines[quarantine.Target] = quarantine;
            var updated = Remember(ledger.Signatures, signature);
            ledger.Signatures.Clear();
            ledger.Signatures.AddRange(updated);
        });
    }

    private bool Remembers(in AnomalyVerdict verdict, string network)
    {
        lock (_lock)
        {
            foreach (var signature in _signatures)
            {
                // A stolen key is remembered as that key from that network: another key used from the same /24 (another
                // client of the same provider) is not convicted by it, and a client whose key matches must show the same
                // kind of evidence again (a different pattern and wrong-doing together), not one fluctuating feature.
                if (signature.Feature == verdict.Feature && signature.NewAddress == verdict.NewAddress
                    && (verdict.Client is null ? signature.Network == network
                        : verdict.NewAddress ? signature.Network == network && signature.Client == verdict.Client
                        : signature.Client == verdict.Client))
                {
                    return true;
                }
            }
        }

        return false;
    }

    // The same behaviour from the same origin is one signature, seen again.
    private static List<AttackSignature> Remember(List<AttackSignature> signatures, AttackSignature seen)
    {
        var updated = new List<AttackSignature>(signatures.Count + 1);
        var found = false;
        foreach (var signature in signatures)
        {
            if (signature.Feature == seen.Feature && signature.Network == seen.Network && signature.Client == seen.Client && signature.NewAddress == seen.NewAddress)
            {
                updated.Add(signature with { LastSeen = seen.LastSeen, Encounters = signature.Encounters + 1 });
                found = true;
            }
            else
            {
                updated.Add(signature);
            }
        }

        if (!found)
        {
            updated.Add(seen);
        }

        if (updated.Count > ImmuneLedger.MaxSignatures)
        {
            updated = [.. updated.OrderByDescending(s => s.LastSeen).Take(ImmuneLedger.MaxSignatures)];
        }

        return updated;
    }

    private void Record(string action, string target, string reason, string by, Action<ImmuneLedger> change)
    {
        var entry = new ImmuneAuditEntry(_time.GetUtcNow(), action, target, reason, by);
        lock (_lock)
        {
            _pending.Add(change);
            _pending.Add(ledger => ledger.Audit.Add(entry));
        }

        Log.Decision(_logger, action, target, reason, by);
    }

    private static string Describe(AnomalyFeature feature) => feature switch
    {
        AnomalyFeature.Rate => "request rate above its normal for this hour",
        AnomalyFeature.Errors => "client errors above its normal",
        AnomalyFeature.FailedAuthentication => "failed authentications",
        AnomalyFeature.PayloadSize => "large bodies",
        AnomalyFeature.EndpointMix => "reads unlike its normal mix of operations",
        AnomalyFeature.SlowRequests => "requests held open far beyond normal (slow drip)",
        AnomalyFeature.Burstiness => "inter-arrival times unlike its own",
        AnomalyFeature.UnlikeItsClient => "unlike its client (its pattern and its mistakes) at an address the key was never used from",
        _ => "anomalous behaviour",
    };

    private static partial class Log
    {
        [LoggerMessage(EventId = 300, Level = LogLevel.Warning, Message = "Immune decision {Action} for {Target}: {Reason} (by {By})")]
        public static partial void Decision(ILogger logger, string action, string target, string reason, string by);
    }
}

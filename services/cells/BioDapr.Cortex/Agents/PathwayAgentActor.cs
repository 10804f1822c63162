using BioDapr.Control.Controllers;
using BioDapr.Control.Guardrails;
using BioDapr.Control.Learning;
using BioDapr.Cortex.Hormones;
using Dapr.Actors.Runtime;
using Microsoft.Extensions.Options;
using BioDapr.Contracts.Vitals;

namespace BioDapr.Cortex.Agents;

/// <summary>The pathway actor (see <see cref="IPathwayAgentActor"/>). Turns are serialized by the sidecar, so one pathway never decides twice at once.</summary>
public sealed partial class PathwayAgentActor(ActorHost host, CortexBrain brain, IHormoneStore store, IOptions<CortexOptions> options, ILogger<PathwayAgentActor> logger) : Actor(host), IPathwayAgentActor
{
    /// <summary>The actor type.</summary>
    public const string TypeName = "PathwayAgent";

    private const string MemoryKey = "memory";
    private const string GuardKey = "guard";
    private const string AuditKey = "audit";
    private const string BaselineKey = "baseline";

    /// <inheritdoc />
    public async Task<IReadOnlyList<HormoneChange>> DecideAsync(VitalsWindow window)
    {
        ArgumentNullException.ThrowIfNull(window);
        var (cell, target) = Split(Id.GetId());
        // The store is the source of truth: an operator's change, or another controller's, is seen at once.
        var current = await store.ReadAsync(cell, target, CancellationToken.None);
        var controller = brain.Controller;
        var pathway = cell + "→" + target;
        // No decision before the pathway has a baseline of its own in this life of the cell: cold-start latency is not one.
        var (baseline, mayAct) = PathwayBaseline.Observe(await GetOrDefaultAsync<BaselineState?>(BaselineKey, null), window, current, options.Value.Baseline);
        await StateManager.SetStateAsync(BaselineKey, baseline);
        if (!mayAct)
        {
            return [];
        }

        var memory = await GetOrDefaultAsync<AgentMemory?>(MemoryKey, null);
        // Each controller keeps its own guard state, so switching does not inherit another's fallback.
        var guardKey = GuardKey + "." + controller;
        var guard = await GetOrDefaultAsync<GuardState?>(guardKey, null);
        var (next, decided, remembered, guarded) = brain.Decide(controller, pathway, PathwayWindow.FromVitals(window), current, memory, guard);
        var changes = decided;
        if (!brain.Frozen())
        {
            // The limit was cut and latency is back to normal: grow it back toward the baseline's (replacing the controller's limit change).
            // The attempt timeout never goes below the latency objective, is not cut while the pathway sheds or queues, and a
            // cut timeout grows back the same way.
            foreach (var rule in new[]
            {
                PathwayBaseline.Recover(baseline, pathway, current, next, options.Value.Baseline, window.End),
                PathwayBaseline.GuardTimeout(baseline, pathway, current, next, window.SloMs, options.Value.Baseline, window.End, window),
            })
            {
                if (rule is not null)
                {
                    changes = [.. changes.Where(c => c.Hormone != rule.Hormone), .. rule.NewValue == rule.OldValue ? Array.Empty<HormoneChange>() : [rule]];
                }
            }
        }

        // The dead band: a change of a few percent is noise (a calm window's trim, then its recovery), not worth a write.
        changes = PathwayBaseline.WithoutSmallChanges(changes, options.Value.Baseline);
        if (changes.Count > 0)
        {
            // Write first: if the store is down the turn fails, nothing is recorded and the next window retries.
            await store.WriteAsync(cell, target, [.. changes.Select(c => (c.Hormone, c.NewValue))], new HormoneOrigin("cortex", string.Join("; ", changes.Select(c => c.Reason).Distinct(StringComparer.Ordinal))), CancellationToken.None);
            var audit = await GetOrDefaultAsync<List<HormoneChange>>(AuditKey, []);
            audit.AddRange(changes);
            var capacity = Math.Max(1, options.Value.AuditCapacity);
            if (audit.Count > capacity)
            {
                audit.RemoveRange(0, audit.Count - capacity);
            }

            await StateManager.SetStateAsync(AuditKey, audit);
            foreach (var change in changes)
            {
                Log.Changed(logger, change.Pathway, change.Hormone, change.OldValue, change.NewValue, change.Reason);
            }
        }

        if (remembered is not null)
        {
            await StateManager.SetStateAsync(MemoryKey, remembered);
        }

        await StateManager.SetStateAsync(guardKey, guarded);
        return changes;
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<HormoneChange>> AuditAsync(int limit)
    {
        var audit = await GetOrDefaultAsync<List<HormoneChange>>(AuditKey, []);
        return [.. audit.AsEnumerable().Reverse().Take(Math.Clamp(limit, 1, 10_000))];
    }

    /// <summary>The actor id of a pathway.</summary>
    public static string IdOf(string cell, string target) => $"{cell}.{target}";

    private async Task<T> GetOrDefaultAsync<T>(string key, T fallback)
    {
        var stored = await StateManager.TryGetStateAsync<T>(key);
        return stored.HasValue ? stored.Value : fallback;
    }

    private static (string Cell, string Target) Split(string id)
    {
        var dot = id.IndexOf('.', StringComparison.Ordinal);
        return dot > 0 && dot < id.Length - 1
            ? (id[..dot], id[(dot + 1)..])
            : throw new ArgumentException($"pathway actor id '{id}' must be '<cell>.<target>'", nameof(id));
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 600, Level = LogLevel.Information, Message = "{Pathway}: {Hormone} {Old} -> {New} ({Reason})")]
        public static partial void Changed(ILogger logger, string pathway, string hormone, string old, string @new, string reason);
    }
}

using Dapr.Actors;
using BioDapr.Control.Guardrails;
using BioDapr.Contracts.Vitals;

namespace BioDapr.Cortex.Agents;

/// <summary>
/// One Dapr actor per pathway (actor type <c>PathwayAgent</c>, id <c>&lt;cell&gt;.&lt;target&gt;</c>): it
/// receives the pathway's vitals windows, decides through the <see cref="CortexBrain"/>, writes changed
/// hormones to the configuration store and keeps the pathway's agent memory, guard state and audit
/// trail in the actor state store.
/// </summary>
public interface IPathwayAgentActor : IActor
{
    /// <summary>Decides on one window; returns the changes written (empty when nothing changed).</summary>
    Task<IReadOnlyList<HormoneChange>> DecideAsync(VitalsWindow window);

    /// <summary>The newest audit records, newest first.</summary>
    Task<IReadOnlyList<HormoneChange>> AuditAsync(int limit);
}

using Dapr.Actors;

namespace BioDapr.Cortex.Recycling;

/// <summary>
/// The one actor (type <c>DeadLetterTrim</c>, id <see cref="DeadLetterTrimActor.OrganismId"/>) whose reminder trims the
/// organism's dead letters: reminders are kept in the state store, survive restarts of the cortex and its sidecar, and
/// fire once per organism, not once per replica (they work on Azure Container Apps, where the Jobs API does not exist).
/// </summary>
public interface IDeadLetterTrimActor : IActor
{
    /// <summary>Registers (or renews) the trim reminder with the configured period; the first trim follows within a period.</summary>
    Task ScheduleAsync();

    /// <summary>Trims now: removes the dead letters older than the retention; returns how many.</summary>
    Task<long> TrimAsync();
}

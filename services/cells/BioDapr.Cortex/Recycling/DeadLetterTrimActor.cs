using Dapr.Actors.Runtime;
using Microsoft.Extensions.Options;

namespace BioDapr.Cortex.Recycling;

/// <summary>The dead-letter trim actor (see <see cref="IDeadLetterTrimActor"/>); the trim itself is <see cref="DeadLetterTrimmer"/>.</summary>
public sealed partial class DeadLetterTrimActor(ActorHost host, DeadLetterTrimmer trimmer, IOptions<DeadLetterOptions> options, ILogger<DeadLetterTrimActor> logger)
    : Actor(host), IDeadLetterTrimActor, IRemindable
{
    /// <summary>The actor type.</summary>
    public const string TypeName = "DeadLetterTrim";

    /// <summary>The one actor's id: one trim per organism.</summary>
    public const string OrganismId = "organism";

    /// <summary>The reminder's name.</summary>
    public const string ReminderName = "trim-dead-letters";

    /// <inheritdoc />
    public async Task ScheduleAsync()
    {
        var period = options.Value.TrimEvery;
        // Registering a reminder of the same name replaces it (and restarts its due time): a short due time keeps a
        // cortex that restarts more often than the period from postponing the trim for ever; a trim is idempotent.
        var due = period < TimeSpan.FromMinutes(1) ? period : TimeSpan.FromMinutes(1);
        await RegisterReminderAsync(ReminderName, [], due, period);
        Log.Scheduled(logger, period, options.Value.Retention);
    }

    /// <inheritdoc />
    public Task<long> TrimAsync() => trimmer.TrimAsync(CancellationToken.None);

    /// <inheritdoc />
    public async Task ReceiveReminderAsync(string reminderName, byte[] state, TimeSpan dueTime, TimeSpan period)
    {
        if (reminderName != ReminderName)
        {
            // A reminder of an earlier version: not ours any more.
            await UnregisterReminderAsync(reminderName);
            return;
        }

        // A failure (Redis down) is logged by the trimmer and thrown: the sidecar retries nothing, the next firing trims.
        await trimmer.TrimAsync(CancellationToken.None);
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 660, Level = LogLevel.Information, Message = "Dead letters are trimmed every {Period} by a reminder (kept {Retention})")]
        public static partial void Scheduled(ILogger logger, TimeSpan period, TimeSpan retention);
    }
}

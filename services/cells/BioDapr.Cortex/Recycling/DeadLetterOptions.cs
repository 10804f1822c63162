using System.ComponentModel.DataAnnotations;

namespace BioDapr.Cortex.Recycling;

/// <summary>
/// How long dead letters are kept and how often they are trimmed (configuration section <c>Cortex:DeadLetters</c>).
/// Dead letters are the <c>deadletters</c> topic's Redis stream (daprd's <c>pubsub.redis</c> layout); the cortex's
/// <see cref="DeadLetterTrimActor"/> removes those older than <see cref="Retention"/> every <see cref="TrimEvery"/>,
/// driven by an actor reminder. No <see cref="Redis"/>: nothing to trim (on Azure the Service Bus subscription
/// <c>operators</c> expires dead letters by its own TTL).
/// </summary>
public sealed class DeadLetterOptions
{
    /// <summary>The configuration section.</summary>
    public const string SectionName = "Cortex:DeadLetters";

    /// <summary>The default <see cref="Retention"/>: a week (as the <c>deadletters trim</c> command and Azure's <c>P7D</c>).</summary>
    public static readonly TimeSpan DefaultRetention = TimeSpan.FromDays(7);

    /// <summary>The default <see cref="TrimEvery"/>: an hour.</summary>
    public static readonly TimeSpan DefaultTrimEvery = TimeSpan.FromHours(1);

    /// <summary>The pub/sub's Redis (a StackExchange.Redis configuration string, e.g. <c>localhost:6379</c>); null or empty: the cortex trims nothing.</summary>
    public string? Redis { get; set; }

    /// <summary>The dead-letter topic's stream.</summary>
    [Required]
    [MinLength(1)]
    public string Stream { get; set; } = BioDapr.Contracts.Topics.DeadLetters;

    /// <summary>How long a dead letter is kept (from the moment it was dead-lettered) before the trim removes it.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "3650.00:00:00")]
    public TimeSpan Retention { get; set; } = DefaultRetention;

    /// <summary>The reminder's period: how often the dead letters are trimmed.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "7.00:00:00")]
    public TimeSpan TrimEvery { get; set; } = DefaultTrimEvery;
}

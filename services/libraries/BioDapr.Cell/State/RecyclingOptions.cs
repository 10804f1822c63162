using System.ComponentModel.DataAnnotations;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace BioDapr.Cell.State;

/// <summary>
/// Cellular recycling of a cell's per-order records (configuration section <c>Recycling</c>): how long a record that
/// only serves deduplication (a payment decision, a stock reservation) is kept after its last write before the state
/// store expires it. Keep it at least as long as orders keep theirs (<c>Orders:IdempotencyRetention</c>): a repeat the
/// order still recognises must find the same decision.
/// </summary>
public sealed class RecyclingOptions
{
    /// <summary>The configuration section.</summary>
    public const string SectionName = "Recycling";

    /// <summary>The default <see cref="Retention"/>: a day.</summary>
    public static readonly TimeSpan DefaultRetention = TimeSpan.FromHours(24);

    /// <summary>How long a record is kept after its last write; zero keeps it forever.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "365.00:00:00")]
    public TimeSpan Retention { get; set; } = DefaultRetention;

    /// <summary>The retention as sent with each write.</summary>
    public StateRetention Records => new(Retention);
}

/// <summary>Registers <see cref="RecyclingOptions"/>.</summary>
public static class RecyclingServiceCollectionExtensions
{
    /// <summary>Binds and validates the <c>Recycling</c> section (a bad value stops the cell at start, naming the key).</summary>
    public static WebApplicationBuilder AddRecycling(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddOptions<RecyclingOptions>().Bind(builder.Configuration.GetSection(RecyclingOptions.SectionName)).ValidateDataAnnotations().ValidateOnStart();
        return builder;
    }
}

using System.ComponentModel.DataAnnotations;

namespace BioDapr.Cortex.Dashboard;

/// <summary>Options of the organism page (configuration section <c>Cortex:Dashboard</c>).</summary>
public sealed class DashboardOptions
{
    /// <summary>The configuration section.</summary>
    public const string SectionName = "Cortex:Dashboard";

    /// <summary>The default of <see cref="HistorySeconds"/>: five minutes of one-second windows per pathway.</summary>
    public const int DefaultHistorySeconds = 300;

    /// <summary>
    /// The organism's cells, drawn even before (or without) their vitals: a cell that publishes vitals is <c>active</c>
    /// while its windows arrive (windows with calls); the others are listed in <see cref="CellsWithoutVitals"/>. Cells seen in vitals but
    /// not listed here are drawn too.
    /// </summary>
    [MinLength(1)]
    public string[] Cells { get; set; } = ["gateway", "orders", "inventory", "payments", "notifications", "shipping", "cortex"];

    /// <summary>Cells that publish no vitals (the page says so rather than calling them silent).</summary>
    public string[] CellsWithoutVitals { get; set; } = ["notifications", "cortex"];

    /// <summary>Seconds of vitals kept per pathway for the plots.</summary>
    [Range(10, 3600)]
    public int HistorySeconds { get; set; } = DefaultHistorySeconds;

    /// <summary>A cell whose last vitals are older than this many seconds is drawn as idle (cells publish vitals only for windows with calls).</summary>
    [Range(2, 600)]
    public int SilentAfterSeconds { get; set; } = 5;

    /// <summary>Changes kept per hormone (its history on the page).</summary>
    [Range(1, 1000)]
    public int HormoneHistory { get; set; } = 20;

    /// <summary>Recent hormone changes kept for the page (the cortex's decisions among them).</summary>
    [Range(10, 10_000)]
    public int RecentChanges { get; set; } = 200;

    /// <summary>How often the gateway's immune ledger is read for quarantines, in milliseconds.</summary>
    [Range(100, 60_000)]
    public int QuarantinePollMs { get; set; } = 1_000;

    /// <summary>The state key of the gateway's immune ledger in the state store's Redis (daprd's <c>state.redis</c> layout: <c>appId||key</c>).</summary>
    [Required]
    public string ImmuneLedgerKey { get; set; } = "gateway||immune-ledger";

    /// <summary>Events buffered per page before the oldest are dropped (a stalled browser never holds the cortex back).</summary>
    [Range(16, 100_000)]
    public int SubscriberBuffer { get; set; } = 1_024;
}

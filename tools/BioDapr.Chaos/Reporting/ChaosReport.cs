using System.Globalization;
using System.Text;
using System.Text.Json;
using BioDapr.Chaos.Audit;

namespace BioDapr.Chaos.Reporting;

/// <summary>The results as a table on stdout, as docs/reliability.md and as a JSON file.</summary>
public static class ChaosReport
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    /// <summary>The fault × checks table (plain text).</summary>
    public static string Table(IReadOnlyList<FaultResult> results)
    {
        ArgumentNullException.ThrowIfNull(results);
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"{"fault",-28} {"sent",5} {"acc",5} {"4xx",5} {"unans",5} {"dup",4} {"lost",4} {"chg≠1",5} {"hidden",6} {"stuck",5} {"drift",5} {"leaks",5} {"fair",5} {"1st%",5} {"recov",6} {"term p50/max",13} result");
        foreach (var r in results)
        {
            text.AppendLine(CultureInfo.InvariantCulture,
                $"{Truncate(r.Fault, 28),-28} {r.Sent,5} {r.Accepted,5} {r.Refused,5} {r.Unanswered,5} {r.Duplicates,4} {r.Lost,4} {r.ChargeMismatches,5} {r.Hidden,6} {r.Stuck,5} {r.StockDrift,5} {r.Leaks,5} {Fair(r),5} {r.GoodFirstTryPercent,5:0} {r.RecoverSeconds,5:0.0}s {Terminal(r),13} {(r.Passed ? "PASS" : "FAIL")}");
        }

        return text.ToString();
    }

    /// <summary>Writes the JSON results.</summary>
    public static async Task WriteJsonAsync(string path, ChaosRunInfo run, IReadOnlyList<FaultResult> results, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        await File.WriteAllTextAsync(path, JsonSerializer.Serialize(new { run, results }, Json), cancellationToken);
    }

    /// <summary>Writes docs/reliability.md: what was run, how, on what machine, and the table.</summary>
    public static async Task WriteMarkdownAsync(string path, ChaosRunInfo run, IReadOnlyList<FaultResult> results, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(run);
        ArgumentNullException.ThrowIfNull(results);
        var md = new StringBuilder();
        md.AppendLine("# Reliability: the chaos matrix");
        md.AppendLine();
        md.AppendLine("Written by `" + run.Command + "` (tools/BioDapr.Chaos); raw results in `" + run.ResultsFile + "`.");
        md.AppendLine("Each row is one fault injected into a real organism (redis-server with an append-only file fsynced on every");
        md.AppendLine("write, the multi-app runner, every cell and sidecar a real process) while the well-behaved client `shop`");
        md.AppendLine(CultureInfo.InvariantCulture, $"starts {run.OrdersPerFault} orders at {run.Rate:0.#}/s, each with its own Idempotency-Key and retried (same key, Retry-After or");
        md.AppendLine("jittered exponential backoff) until it has a final answer. The fault starts a third of the way through the");
        md.AppendLine("orders; a lasting fault (pathogen, hostile client) ends two thirds of the way. The cortex is frozen and payments");
        md.AppendLine("refuse 10 % of payments for the whole run, so cancellations (stock given back) are exercised too.");
        md.AppendLine();
        md.AppendLine("After each fault the audit reads Redis (orders' order records, payments' decisions and the payments topic's");
        md.AppendLine("stream, inventory's reservations and stock) and checks:");
        md.AppendLine();
        md.AppendLine("- **acc / 4xx / unans**: orders answered 201, finally refused with a 4xx (out of stock; the hostile flood's 429s),");
        md.AppendLine("  and never answered within the client's patience (" + run.ClientPatienceSeconds.ToString(CultureInfo.InvariantCulture) + " s; must be 0).");
        md.AppendLine("- **dup**: a key with two accepted orders, a key answered with two order ids, an order with two different");
        md.AppendLine("  payment outcomes published (must be 0).");
        md.AppendLine("- **lost**: answered 201 but not stored as placed/confirmed/cancelled (must be 0).");
        md.AppendLine("- **chg≠1**: an accepted order whose final state and payment decision disagree, or with no decision: every");
        md.AppendLine("  accepted order is charged exactly once (confirmed ⇔ captured; one decision per order, first-write).");
        md.AppendLine("- **hidden**: stored as accepted or charged while its client was told otherwise, or an order nobody placed");
        md.AppendLine("  (the hostile client's forged OrderPlaced) was charged (must be 0).");
        md.AppendLine(CultureInfo.InvariantCulture, $"- **stuck**: accepted orders not confirmed or cancelled within {run.TerminalWithinSeconds} s after the last client was answered (must be 0).");
        md.AppendLine("- **drift**: units unaccounted for on the run's SKUs: initial − available − reserved, reserved − units held by");
        md.AppendLine("  reservations, held − units of placed/confirmed orders (must be 0; cumulative over the run).");
        md.AppendLine("- **leaks**: hostile requests not refused (1 MiB bodies → 413, or 429 while the key is over its rate; invalid keys → 401/429, malformed → 400, hormone");
        md.AppendLine("  writes to public or app ports without the app token → 401/403/404, a replayed key → the first order, the same key");
        md.AppendLine("  with another body → 422) (must be 0).");
        md.AppendLine("- **fair**: hostile row only: the well-behaved client, within its own limit, got ≥ 80 % of its orders answered at");
        md.AppendLine("  the first attempt while the hostile client flooded at 3× its limit.");
        md.AppendLine("- **1st%**: the well-behaved client's orders answered at the first attempt; **recov**: seconds from the fault to");
        md.AppendLine("  the last error it had to retry; **term p50/max**: from an order's creation to confirmed/cancelled (s).");
        md.AppendLine();
        md.AppendLine(CultureInfo.InvariantCulture, $"Run: {run.StartedAt:yyyy-MM-dd HH:mm} UTC, seed {run.Seed}, {(run.Quick ? "quick" : "full")} matrix, {run.Cores} cores, load average {run.LoadAverageBefore} before and {run.LoadAverageAfter} after (other agents' builds and tests share this machine), {run.DurationSeconds / 60:0.0} min.");
        md.AppendLine(CultureInfo.InvariantCulture, $"Result: **{results.Count(r => r.Passed)} of {results.Count} faults pass every check.**");
        md.AppendLine();
        md.AppendLine("| fault | sent | acc | 4xx | unans | dup | lost | chg≠1 | hidden | stuck | drift | leaks | fair | 1st% | recov s | term p50/max s | result |");
        md.AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|---:|---|");
        foreach (var r in results)
        {
            md.AppendLine(CultureInfo.InvariantCulture,
                $"| {r.Fault} | {r.Sent} | {r.Accepted} | {r.Refused} | {r.Unanswered} | {r.Duplicates} | {r.Lost} | {r.ChargeMismatches} | {r.Hidden} | {r.Stuck} | {r.StockDrift} | {r.Leaks} | {Fair(r)} | {r.GoodFirstTryPercent:0} | {r.RecoverSeconds:0.0} | {Terminal(r)} | {(r.Passed ? "pass" : "**FAIL**")} |");
        }

        md.AppendLine();
        md.AppendLine("## Faults, notes and problems");
        md.AppendLine();
        foreach (var r in results)
        {
            md.AppendLine(CultureInfo.InvariantCulture, $"- **{r.Fault}**: {r.Description}");
            foreach (var note in r.Notes)
            {
                md.AppendLine("  - " + note);
            }

            foreach (var problem in r.Problems)
            {
                md.AppendLine("  - problem: " + problem.Trim());
            }
        }

        await File.WriteAllTextAsync(path, md.ToString(), cancellationToken);
    }

    private static string Fair(FaultResult r) => r.FairShareKept switch { true => "yes", false => "NO", null => "-" };

    private static string Terminal(FaultResult r) =>
        r.TerminalP50Seconds is { } p50 ? string.Create(CultureInfo.InvariantCulture, $"{p50:0.0}/{r.TerminalMaxSeconds:0.0}") : "-";

    private static string Truncate(string text, int length) => text.Length <= length ? text : text[..length];
}

/// <summary>How a chaos run was made (for the report).</summary>
/// <param name="Command">The command line.</param>
/// <param name="ResultsFile">Where the JSON results are.</param>
/// <param name="Seed">The seed.</param>
/// <param name="Quick">The quick matrix.</param>
/// <param name="OrdersPerFault">Orders per fault.</param>
/// <param name="Rate">Orders started per second.</param>
/// <param name="TerminalWithinSeconds">The stated time to a final state.</param>
/// <param name="ClientPatienceSeconds">How long a client retries one order.</param>
/// <param name="Cores">Processor count.</param>
/// <param name="LoadAverageBefore">/proc/loadavg before.</param>
/// <param name="LoadAverageAfter">/proc/loadavg after.</param>
/// <param name="StartedAt">When.</param>
/// <param name="DurationSeconds">How long.</param>
public sealed record ChaosRunInfo(
    string Command,
    string ResultsFile,
    int Seed,
    bool Quick,
    int OrdersPerFault,
    double Rate,
    int TerminalWithinSeconds,
    int ClientPatienceSeconds,
    int Cores,
    string LoadAverageBefore,
    string LoadAverageAfter,
    DateTimeOffset StartedAt,
    double DurationSeconds);

using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace BioDapr.Launcher.Telemetry;

/// <summary>One stretch of a replay whose order traces are compared hop by hop (e.g. "cold s0": the first second).</summary>
/// <param name="Label">The column's name.</param>
/// <param name="FromUnixNano">A trace belongs to the bucket when its root span starts at or after this ...</param>
/// <param name="ToUnixNano">... and before this (nanoseconds since the Unix epoch).</param>
public sealed record HopBucket(string Label, ulong FromUnixNano, ulong ToUnixNano);

/// <summary>
/// One hop's time in one bucket: over the bucket's traces that reach it, the median and 90th percentile of the time spent in
/// it per trace, its calls per such trace, and the share of the bucket's traces that reach it at all.
/// </summary>
public sealed record HopTime(double MedianMs, double P90Ms, double CallsPerTrace, double Share);

/// <summary>One hop (a span name in one process) and its time in each bucket.</summary>
/// <param name="Hop">Who and what: <c>orders → POST /orders</c> (a cell's server span), <c>orders-sidecar …</c> (its sidecar's), <c>… (self)</c>: the span's time outside its children.</param>
/// <param name="OffsetMs">Median start of the hop after the trace's root started (for ordering rows as the request travels).</param>
/// <param name="Times">By bucket label; absent where the hop does not occur.</param>
public sealed record HopRow(string Hop, double OffsetMs, IReadOnlyDictionary<string, HopTime> Times);

/// <summary>The hop-by-hop comparison of order traces in a few buckets.</summary>
public sealed record HopTable(IReadOnlyList<HopBucket> Buckets, IReadOnlyDictionary<string, int> Traces, IReadOnlyList<HopRow> Rows)
{
    /// <summary>A markdown table: one row per hop whose p90 reaches <paramref name="minP90Ms"/> in some bucket, in the order requests reach them; median / p90 ms per bucket.</summary>
    public string ToMarkdown(double minP90Ms = 1, int maxRows = 80)
    {
        var text = new StringBuilder();
        text.AppendLine("| hop (median start after the root) | " + string.Join(" | ", Buckets.Select(b => $"{b.Label} ({Traces.GetValueOrDefault(b.Label)} traces): median / p90 ms, calls, share")) + " |");
        text.AppendLine("|---|" + string.Concat(Buckets.Select(_ => "---|")));
        // Hops that take under a millisecond everywhere (a health check's span, a call's thin client side) say nothing here.
        foreach (var row in Rows.Where(r => r.Times.Values.Any(t => t.P90Ms >= minP90Ms)).Take(maxRows))
        {
            text.Append(CultureInfo.InvariantCulture, $"| {row.Hop} (+{row.OffsetMs:F0} ms) |");
            foreach (var bucket in Buckets)
            {
                text.Append(row.Times.TryGetValue(bucket.Label, out var t)
                    ? string.Create(CultureInfo.InvariantCulture, $" {t.MedianMs:F1} / {t.P90Ms:F1}, {t.CallsPerTrace:F1}, {t.Share:P0} |")
                    : " – |");
            }

            text.AppendLine();
        }

        return text.ToString();
    }
}

/// <summary>
/// Order traces read hop by hop: which process spent how long where, for the first real orders of a young organism
/// against a warm one. Every trace rooted at a server span of <c>rootService</c> named <c>rootName</c> (the gateway's
/// <c>POST /api/orders</c>) goes to the bucket its root starts in; each of its spans is a hop named by the process that
/// recorded it (a cell, or its sidecar: the <c>BioDapr.Sidecar</c> scope) and its name (an HTTP client span's path, ids
/// masked); a span with children also gets a "(self)" hop: its time outside the union of its children. Per bucket, a hop's
/// time is the median and p90 of the sum of that hop's spans per trace, over the bucket's traces that reach the hop, with
/// the share of traces that do (an order refused at the gateway never reaches orders).
/// </summary>
public static partial class TraceHops
{
    /// <summary>The instrumentation scope of the development sidecar's spans.</summary>
    public const string SidecarScope = "BioDapr.Sidecar";

    /// <summary>Reads <paramref name="spans"/> into the hop table of <paramref name="buckets"/>.</summary>
    public static HopTable Compare(IEnumerable<ReceivedSpan> spans, IReadOnlyList<HopBucket> buckets, string rootService = "gateway", string rootName = "POST /api/orders")
    {
        ArgumentNullException.ThrowIfNull(spans);
        ArgumentNullException.ThrowIfNull(buckets);
        var byTrace = spans.GroupBy(s => s.TraceId, StringComparer.Ordinal);
        var perBucket = buckets.ToDictionary(b => b.Label, _ => new List<Dictionary<string, (double Ms, int Calls, double Offset)>>(), StringComparer.Ordinal);
        foreach (var trace in byTrace)
        {
            var list = trace.ToList();
            var root = list.Where(s => s.Service == rootService && s.Kind == ReceivedSpanKind.Server && s.Name == rootName && s.Scope != SidecarScope)
                .OrderBy(s => s.StartUnixNano).FirstOrDefault();
            if (root is null || buckets.FirstOrDefault(b => root.StartUnixNano >= b.FromUnixNano && root.StartUnixNano < b.ToUnixNano) is not { } bucket)
            {
                continue;
            }

            var children = list.ToLookup(s => s.ParentSpanId, StringComparer.Ordinal);
            var hops = new Dictionary<string, (double Ms, int Calls, double Offset)>(StringComparer.Ordinal);
            foreach (var span in list.Where(s => s.StartUnixNano >= root.StartUnixNano))
            {
                var offset = (span.StartUnixNano - root.StartUnixNano) / 1e6;
                Add(hops, HopName(span), span.DurationMs, offset);
                if (children[span.SpanId].ToList() is { Count: > 0 } kids)
                {
                    Add(hops, HopName(span) + " (self)", Math.Max(0, span.DurationMs - Covered(kids, span)), offset);
                }
            }

            perBucket[bucket.Label].Add(hops);
        }

        var names = perBucket.Values.SelectMany(t => t).SelectMany(h => h.Keys).Distinct(StringComparer.Ordinal);
        var rows = new List<HopRow>();
        foreach (var name in names)
        {
            var times = new Dictionary<string, HopTime>(StringComparer.Ordinal);
            var offsets = new List<double>();
            foreach (var (label, traces) in perBucket)
            {
                if (!traces.Any(t => t.ContainsKey(name)))
                {
                    continue;
                }

                var with = traces.Where(t => t.ContainsKey(name)).Select(t => t[name]).ToList();
                var values = with.Select(h => h.Ms).Order().ToList();
                times[label] = new HopTime(Math.Round(Percentile(values, 0.5), 2), Math.Round(Percentile(values, 0.9), 2), Math.Round(with.Average(h => h.Calls), 2), Math.Round((double)with.Count / traces.Count, 3));
                offsets.AddRange(traces.Where(t => t.ContainsKey(name)).Select(t => t[name].Offset));
            }

            rows.Add(new HopRow(name, Math.Round(Percentile([.. offsets.Order()], 0.5), 1), times));
        }

        return new HopTable(buckets, perBucket.ToDictionary(p => p.Key, p => p.Value.Count, StringComparer.Ordinal), [.. rows.OrderBy(r => r.OffsetMs).ThenBy(r => r.Hop, StringComparer.Ordinal)]);
    }

    /// <summary>A span's hop name: <c>process kind name</c>, the process a cell or <c>app-sidecar</c>.</summary>
    public static string HopName(ReceivedSpan span)
    {
        ArgumentNullException.ThrowIfNull(span);
        var process = span.Scope == SidecarScope ? span.Service + "-sidecar" : span.Service;
        var name = span.Name;
        // HttpClient's spans are named by the method only: the path says which call it was.
        if (span.Kind == ReceivedSpanKind.Client && !name.Contains('/', StringComparison.Ordinal)
            && (span.Attributes.GetValueOrDefault("url.full") ?? span.Attributes.GetValueOrDefault("http.url")) is { } url
            && Uri.TryCreate(url, UriKind.Absolute, out var uri))
        {
            name += " " + MaskIds(uri.AbsolutePath);
        }

        var kind = span.Kind switch
        {
            ReceivedSpanKind.Server => "in",
            ReceivedSpanKind.Client => "out",
            ReceivedSpanKind.Producer => "publish",
            ReceivedSpanKind.Consumer => "deliver",
            _ => "",
        };
        return $"{process} {kind} {MaskIds(name)}".Replace("  ", " ", StringComparison.Ordinal);
    }

    /// <summary>Path segments with a digit and no dot (ids, SKUs; not <c>v1.0</c> or <c>dapr.proto.runtime.v1.Dapr</c>) become <c>{id}</c>, so the same call in two traces is one hop.</summary>
    public static string MaskIds(string path) => IdSegment().Replace(path, "{id}");

    // How much of the parent's time its children cover (their union, clipped to the parent).
    private static double Covered(List<ReceivedSpan> children, ReceivedSpan parent)
    {
        var covered = 0.0;
        ulong until = parent.StartUnixNano;
        foreach (var child in children.OrderBy(c => c.StartUnixNano))
        {
            var from = Math.Max(child.StartUnixNano, until);
            var to = Math.Min(child.EndUnixNano, parent.EndUnixNano);
            if (to > from)
            {
                covered += (to - from) / 1e6;
                until = to;
            }
        }

        return covered;
    }

    private static void Add(Dictionary<string, (double Ms, int Calls, double Offset)> hops, string name, double ms, double offset) =>
        hops[name] = hops.TryGetValue(name, out var h) ? (h.Ms + ms, h.Calls + 1, h.Offset) : (ms, 1, offset);

    // Nearest rank.
    private static double Percentile(List<double> sorted, double q) =>
        sorted.Count == 0 ? 0 : sorted[Math.Clamp((int)Math.Ceiling(q * sorted.Count) - 1, 0, sorted.Count - 1)];

    [GeneratedRegex(@"(?<=/)(?=[^/.]*\d)[^/.]+(?=/|$)")]
    private static partial Regex IdSegment();
}

using System.Globalization;

namespace BioDapr.Chaos;

/// <summary>
/// What <c>./biodapr chaos</c> runs: the seed, the full or the quick matrix (or some faults of it), the load per
/// fault and where the results go.
/// </summary>
public sealed record ChaosOptions
{
    /// <summary>Orders per fault in the full matrix.</summary>
    public const int DefaultOrders = 60;

    /// <summary>Orders per fault in the quick matrix.</summary>
    public const int QuickOrders = 24;

    /// <summary>Seeds every random choice (SKUs, quantities, retry jitter, payment failures are the cells' own).</summary>
    public int Seed { get; init; } = 1;

    /// <summary>The short matrix (one fault of each kind, fewer orders): what CI runs.</summary>
    public bool Quick { get; init; }

    /// <summary>Only the faults whose name contains one of these (null: all of the matrix).</summary>
    public IReadOnlyList<string>? Only { get; init; }

    /// <summary>Orders driven through the gateway per fault.</summary>
    public int Orders { get; init; } = DefaultOrders;

    /// <summary>Orders started per second (each one retried by its client until it has an answer).</summary>
    public double Rate { get; init; } = 6;

    /// <summary>How long an accepted order may take to reach confirmed or cancelled once the fault is over.</summary>
    public TimeSpan TerminalWithin { get; init; } = TimeSpan.FromSeconds(90);

    /// <summary>How long a client keeps retrying one order before it gives up (then the order counts as unanswered).</summary>
    public TimeSpan ClientPatience { get; init; } = TimeSpan.FromSeconds(120);

    /// <summary>The JSON results file (null: none).</summary>
    public string? ResultsPath { get; init; }

    /// <summary>The Markdown report (null: none).</summary>
    public string? ReportPath { get; init; }

    /// <summary>Parses the command line; throws <see cref="ArgumentException"/> naming what is wrong.</summary>
    public static ChaosOptions Parse(IReadOnlyList<string> args, string repositoryRoot)
    {
        ArgumentNullException.ThrowIfNull(args);
        var options = new ChaosOptions();
        int? orders = null;
        string? results = null;
        string? report = null;
        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            string Value() => i + 1 < args.Count ? args[++i] : throw new ArgumentException($"{arg} needs a value");
            switch (arg)
            {
                case "--seed":
                    options = options with { Seed = ParseInt(arg, Value(), 0) };
                    break;
                case "--quick":
                    options = options with { Quick = true };
                    break;
                case "--faults":
                    options = options with { Only = Value().Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) };
                    break;
                case "--orders":
                    orders = ParseInt(arg, Value(), 3);
                    break;
                case "--rate":
                    options = options with { Rate = double.TryParse(Value(), NumberStyles.Float, CultureInfo.InvariantCulture, out var rate) && rate is > 0 and <= 200 ? rate : throw new ArgumentException("--rate must be a number of orders per second in (0, 200]") };
                    break;
                case "--terminal-within":
                    options = options with { TerminalWithin = TimeSpan.FromSeconds(ParseInt(arg, Value(), 1)) };
                    break;
                case "--out":
                    results = Value();
                    break;
                case "--report":
                    report = Value();
                    break;
                case "--no-report":
                    report = string.Empty;
                    break;
                default:
                    throw new ArgumentException($"unknown option '{arg}' (known: --seed N, --quick, --faults a,b, --orders N, --rate R, --terminal-within S, --out FILE, --report FILE, --no-report)");
            }
        }

        var quick = options.Quick;
        return options with
        {
            Orders = orders ?? (quick ? QuickOrders : DefaultOrders),
            ResultsPath = results ?? Path.Combine(repositoryRoot, "docs", "benchmarks", quick ? "chaos-quick.json" : "chaos.json"),
            ReportPath = report is { Length: 0 } ? null : report ?? (quick ? null : Path.Combine(repositoryRoot, "docs", "reliability.md")),
        };
    }

    private static int ParseInt(string name, string value, int min) =>
        int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var parsed) && parsed >= min
            ? parsed
            : throw new ArgumentException($"{name} must be an integer of at least {min} (got '{value}')");
}

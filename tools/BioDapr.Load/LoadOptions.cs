namespace BioDapr.Load;

/// <summary>What to replay and against what.</summary>
public sealed record LoadOptions
{
    /// <summary>The scenario file.</summary>
    public required string ScenarioPath { get; init; }

    /// <summary>The entry cell's URL for placing an order (default: the gateway under <c>./biodapr up</c>).</summary>
    public Uri Target { get; init; } = new("http://127.0.0.1:5100/api/orders");

    /// <summary>The client API key sent as <c>X-Api-Key</c>.</summary>
    public string ApiKey { get; init; } = "dev-loadgen-key-change-me";

    /// <summary>The Redis holding the hormones (<c>host:port</c>), where pathogens are switched on and off.</summary>
    public string HormoneRedis { get; init; } = "127.0.0.1:6379";

    /// <summary>Scales every phase length (1 = as written; 0.02 replays 15 minutes in 18 s).</summary>
    public double Shorten { get; init; } = 1;

    /// <summary>Scales every arrival rate (to fit the organism on a small machine).</summary>
    public double RateScale { get; init; } = 1;

    /// <summary>Overrides the scenario's seed.</summary>
    public int? Seed { get; init; }

    /// <summary>Where the per-second report goes (JSON); null: none.</summary>
    public string? Output { get; init; }

    /// <summary>Unmeasured load (the first phase's rate, no faults) before the replay, to warm the organism up.</summary>
    public TimeSpan Warmup { get; init; }

    /// <summary>
    /// Gives the cells the scenario topology's worker slots (with an unbounded queue) and service times for the run (admission and
    /// <c>pathogens.work*</c> hormones; service times stretched by 1 ÷ <see cref="RateScale"/> so the
    /// bottleneck scales with the load), and puts the previous values back afterwards.
    /// </summary>
    public bool Emulate { get; init; }

    /// <summary>Parses <c>--scenario f --target url --api-key k --redis h:p --shorten x --rate-scale x --seed n --out f --warmup seconds --emulate</c>.</summary>
    /// <exception cref="ArgumentException">A flag is unknown, lacks a value, or has an invalid value; the message names it.</exception>
    public static LoadOptions Parse(string[] args)
    {
        ArgumentNullException.ThrowIfNull(args);
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        var emulate = false;
        for (var i = 0; i < args.Length; i++)
        {
            if (args[i] == "--emulate")
            {
                emulate = true;
                continue;
            }

            if (args[i] is not ("--scenario" or "--target" or "--api-key" or "--redis" or "--shorten" or "--rate-scale" or "--seed" or "--out" or "--warmup"))
            {
                throw new ArgumentException($"unknown flag '{args[i]}'; flags: --scenario --target --api-key --redis --shorten --rate-scale --seed --out --warmup --emulate");
            }

            values[args[i]] = i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
        }

        static double Positive(string flag, string text) =>
            double.TryParse(text, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var value) && value > 0 && double.IsFinite(value)
                ? value
                : throw new ArgumentException($"{flag} must be a positive number, got '{text}'");

        var options = new LoadOptions { ScenarioPath = values.TryGetValue("--scenario", out var path) ? path : throw new ArgumentException("--scenario is required") };
        if (values.TryGetValue("--target", out var target))
        {
            options = options with { Target = Uri.TryCreate(target, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https" ? uri : throw new ArgumentException($"--target must be an http(s) URL, got '{target}'") };
        }

        if (values.TryGetValue("--seed", out var seed))
        {
            options = options with { Seed = int.TryParse(seed, System.Globalization.CultureInfo.InvariantCulture, out var s) ? s : throw new ArgumentException($"--seed must be an integer, got '{seed}'") };
        }

        return options with
        {
            ApiKey = values.GetValueOrDefault("--api-key", options.ApiKey),
            HormoneRedis = values.GetValueOrDefault("--redis", options.HormoneRedis),
            Shorten = values.TryGetValue("--shorten", out var shorten) ? Positive("--shorten", shorten) : 1,
            RateScale = values.TryGetValue("--rate-scale", out var scale) ? Positive("--rate-scale", scale) : 1,
            Output = values.GetValueOrDefault("--out"),
            Emulate = emulate,
            Warmup = values.TryGetValue("--warmup", out var warmup) ? TimeSpan.FromSeconds(Positive("--warmup", warmup)) : TimeSpan.Zero,
        };
    }
}

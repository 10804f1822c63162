using BioDapr.Sidecar.Resources;

namespace BioDapr.Sidecar.Resiliency;

/// <summary>
/// The retry policies daprd always defines. A Resiliency document may override them by name (an override
/// starts from the ordinary defaults, and one with fewer than 3 retries, including -1, gets 3), except
/// <see cref="ActorNotFoundRetries"/>, which is protected.
/// </summary>
internal static class BuiltInRetryPolicies
{
    /// <summary>Service invocation transport retries: constant 1 s, 3 retries.</summary>
    public const string ServiceRetries = "DaprBuiltInServiceRetries";

    /// <summary>Remote actor invocation: constant 1 s, 3 retries.</summary>
    public const string ActorRetries = "DaprBuiltInActorRetries";

    /// <summary>Actor reminder operations: exponential with no retry count set (so no retries).</summary>
    public const string ActorReminderRetries = "DaprBuiltInActorReminderRetries";

    /// <summary>Actor not found on the host: constant 1 s, 5 retries; cannot be overridden.</summary>
    public const string ActorNotFoundRetries = "DaprBuiltInActorNotFoundRetries";

    /// <summary>Start-up calls to the app such as <c>GET /dapr/subscribe</c>: exponential, at most 3 retries within 10 s.</summary>
    public const string InitializationRetries = "DaprBuiltInInitializationRetries";

    /// <summary>Every built-in name.</summary>
    public static IReadOnlyList<string> Names { get; } = [ServiceRetries, ActorRetries, ActorReminderRetries, ActorNotFoundRetries, InitializationRetries];

    /// <summary>True when <paramref name="name"/> is a built-in policy name.</summary>
    public static bool IsBuiltIn(string name) => Names.Contains(name);

    /// <summary>True when a document may not replace the policy.</summary>
    public static bool IsProtected(string name) => name == ActorNotFoundRetries;

    /// <summary>The built-in settings, before any override.</summary>
    public static IReadOnlyDictionary<string, RetrySettings> Defaults { get; } = new Dictionary<string, RetrySettings>(StringComparer.Ordinal)
    {
        [ServiceRetries] = Constant(TimeSpan.FromSeconds(1), 3),
        [ActorRetries] = Constant(TimeSpan.FromSeconds(1), 3),
        [ActorNotFoundRetries] = Constant(TimeSpan.FromSeconds(1), 5),
        [ActorReminderRetries] = new(
            RetryBackoff.Exponential,
            TimeSpan.Zero,
            TimeSpan.FromMilliseconds(500),
            0.5,
            1.5,
            TimeSpan.FromSeconds(60),
            TimeSpan.FromMinutes(15),
            0,
            null,
            null),
        [InitializationRetries] = new(
            RetryBackoff.Exponential,
            TimeSpan.FromSeconds(2),
            TimeSpan.FromMilliseconds(500),
            0.5,
            1.5,
            TimeSpan.FromSeconds(1),
            TimeSpan.FromSeconds(10),
            3,
            null,
            null),
    };

    private static RetrySettings Constant(TimeSpan duration, long maxRetries) =>
        new(RetryBackoff.Constant, duration, TimeSpan.Zero, 0, 0, TimeSpan.Zero, TimeSpan.Zero, maxRetries, null, null);
}

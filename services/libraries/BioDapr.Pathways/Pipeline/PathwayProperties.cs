using Polly;

namespace BioDapr.Pathways.Pipeline;

/// <summary>Resilience-context properties the pathway sets for the code it runs.</summary>
public static class PathwayProperties
{
    /// <summary>The attempt number (1 = first attempt).</summary>
    public static readonly ResiliencePropertyKey<int> Attempt = new("BioDapr.Pathway.Attempt");

    /// <summary>
    /// Whether the call may be sent more than once (retried or hedged): true for idempotent calls, false for
    /// a call whose repetition could act twice (an HTTP POST without an <c>Idempotency-Key</c>).
    /// </summary>
    public static readonly ResiliencePropertyKey<bool> MayRepeat = new("BioDapr.Pathway.MayRepeat");

    // Polly stores property values as objects: setting a bool or an int through the typed keys boxes it on every call.
    // The same names under object keys take boxes made once; the typed keys above read them unchanged.
    private static readonly ResiliencePropertyKey<object> BoxedAttempt = new(Attempt.Key);
    private static readonly ResiliencePropertyKey<object> BoxedMayRepeat = new(MayRepeat.Key);
    private static readonly object True = true;
    private static readonly object False = false;
    private static readonly object[] Attempts = [.. Enumerable.Range(0, 17).Select(static n => (object)n)];

    internal static void SetMayRepeat(ResilienceProperties properties, bool mayRepeat) =>
        properties.Set(BoxedMayRepeat, mayRepeat ? True : False);

    internal static void SetAttempt(ResilienceProperties properties, int attempt) =>
        properties.Set(BoxedAttempt, (uint)attempt < (uint)Attempts.Length ? Attempts[attempt] : attempt);
}

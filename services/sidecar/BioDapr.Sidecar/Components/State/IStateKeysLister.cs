namespace BioDapr.Sidecar.Components.State;

/// <summary>
/// A state store that lists stored keys by a pattern (components-contrib's <c>state.KeysLiker</c>, the
/// <c>KEYS_LIKE</c> feature): <c>%</c> matches any run of characters, everything else matches itself.
/// daprd lists workflow instances with it; the workflow engine also finds the instances to resume after a restart.
/// </summary>
internal interface IStateKeysLister
{
    /// <summary>One page of keys matching <paramref name="pattern"/>; a null continuation token means the listing is complete.</summary>
    Task<StateKeysPage> KeysLikeAsync(string pattern, string? continuationToken, int pageSize, CancellationToken cancellationToken);
}

/// <summary>A page of keys and the token of the next page (null after the last).</summary>
internal sealed record StateKeysPage(IReadOnlyList<string> Keys, string? ContinuationToken);

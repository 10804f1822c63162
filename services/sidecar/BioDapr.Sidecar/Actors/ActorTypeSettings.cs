namespace BioDapr.Sidecar.Actors;

/// <summary>How one hosted actor type behaves (from the app's <c>/dapr/config</c>).</summary>
internal sealed record ActorTypeSettings(string Type, TimeSpan IdleTimeout, bool Reentrancy, int MaxStackDepth);

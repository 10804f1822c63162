namespace BioDapr.Sidecar.Actors;

/// <summary>The answer of an actor turn, as it goes back to the caller.</summary>
/// <param name="StatusCode">200 for success; the app's status for an actor error (<c>X-DaprErrorResponseHeader</c>).</param>
/// <param name="Headers">The app's response headers.</param>
/// <param name="Body">The app's response body.</param>
internal sealed record ActorCallResult(int StatusCode, IReadOnlyList<KeyValuePair<string, string[]>> Headers, byte[] Body);

namespace BioDapr.Sidecar.AppChannel;

/// <summary>
/// How the actor runtime reaches the app that hosts its actors: daprd's actor callbacks over HTTP
/// (<see cref="HttpActorCallbackChannel"/>), or the app-initiated gRPC stream
/// <c>SubscribeActorEventsAlpha1</c> (<see cref="ActorCallbackStream"/>).
/// </summary>
internal interface IActorCallbackChannel
{
    /// <summary>
    /// Runs one actor callback: <paramref name="path"/> is <c>method/{m}</c> (with its query),
    /// <c>method/remind/{name}</c> or <c>method/timer/{name}</c>; <paramref name="request"/> carries the
    /// body and headers as the HTTP callback would.
    /// </summary>
    /// <returns>The app's answer (status 200 on success, as daprd reads it).</returns>
    /// <exception cref="HttpRequestException">The app could not be reached over HTTP.</exception>
    /// <exception cref="Wire.DaprApiException">The callback failed with a daprd error.</exception>
    Task<AppResponse> CallAsync(string type, string id, string path, HttpRequestMessage request, CancellationToken cancellationToken);

    /// <summary>Tells the app an actor was deactivated; returns the app's status (200 on success).</summary>
    Task<int> DeactivateAsync(string type, string id, CancellationToken cancellationToken);
}

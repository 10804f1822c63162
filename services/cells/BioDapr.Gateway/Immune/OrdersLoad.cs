namespace BioDapr.Gateway.Immune;

/// <summary>
/// A request feature the endpoint fills in for <see cref="DownstreamCapacity"/>: whether orders was too loaded to serve
/// this request (it shed it with a Retry-After, or the call timed out). Errors that are not load (a 500, the client's own
/// 4xx) leave it false.
/// </summary>
public sealed class OrdersLoad
{
    /// <summary>True when orders could not serve the request for load.</summary>
    public bool Overloaded { get; set; }
}

namespace BioDapr.Gateway.Immune;

/// <summary>What a request to the clients' API was, for the anomaly detector.</summary>
public enum RequestKind
{
    /// <summary>Anything else on the clients' API.</summary>
    Other,

    /// <summary><c>POST /api/orders</c>.</summary>
    PlaceOrder,

    /// <summary><c>GET /api/orders/{id}</c>.</summary>
    ReadOrder,
}

/// <summary>One finished request to the clients' API, as the anomaly detector sees it.</summary>
/// <param name="Client">The client its key (or token) identified, or null when it had no valid credential.</param>
/// <param name="Address">The source address.</param>
/// <param name="Kind">The operation.</param>
/// <param name="Status">The HTTP status answered.</param>
/// <param name="BodyBytes">The request body's size (Content-Length), 0 when unknown.</param>
/// <param name="DomainAnswer">
/// The status is the orders cell's decision on a placement that passed the gateway's checks (409 out of stock or a key
/// still in progress, 400 over the maximum quantity, 422 a key reused with another body), not the gateway's verdict on
/// the request itself. Such an answer depends on the organism's state (stock, a hormone an operator lowered, a retry
/// racing its original), and a client that follows the API gets it: it is not the client's mistake. Reads stay
/// counted: a 404 for an order id is how enumeration (scraping) looks.
/// </param>
/// <param name="Abandoned">
/// The caller went away before its answer (it closed the connection or aborted the request, e.g. at its own deadline):
/// the status the gateway set then (a body cut short is 400) is not the caller's mistake. A young or overloaded
/// organism whose answers come after the clients' deadlines made its only client look like a fuzzer this way
/// ("client errors above its normal; last: POST /api/orders 400 ×8", coldstart9) and quarantined it for 15 minutes.
/// </param>
public readonly record struct RequestObservation(string? Client, string Address, RequestKind Kind, int Status, long BodyBytes, bool DomainAnswer = false, bool Abandoned = false)
{
    /// <summary>The caller's credential was missing or wrong (401), or it was limited for sending without one.</summary>
    public bool AuthFailed => Status == 401 || (Client is null && Status == 429);

    /// <summary>
    /// The body arrived too slowly and the server cut it (408: Kestrel's minimum body data rate, 240 B/s after a 5 s
    /// grace, or the body's read timing out): on the clients' API nothing else answers 408. A slow drip's bodies end so.
    /// </summary>
    public bool SlowBody => Status == 408;

    /// <summary>The caller's own mistake (4xx other than a credential failure, a rate limit, a quarantine refusal or a domain answer, to a caller that waited for it).</summary>
    public bool ClientError => Status is >= 400 and < 500 and not 401 and not 403 and not 429 && !DomainAnswer && !Abandoned;
}

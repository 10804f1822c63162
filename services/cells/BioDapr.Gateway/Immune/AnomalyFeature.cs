using System.Text.Json.Serialization;

namespace BioDapr.Gateway.Immune;

/// <summary>The behaviours the detector models per client; a verdict names the one that stood out most.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<AnomalyFeature>))]
public enum AnomalyFeature
{
    /// <summary>Nothing stood out.</summary>
    None,

    /// <summary>Request rate above the client's normal for this hour of day.</summary>
    Rate,

    /// <summary>Client errors (404, 400, 413, ...) above the client's normal ratio.</summary>
    Errors,

    /// <summary>Failed authentications.</summary>
    FailedAuthentication,

    /// <summary>Large bodies.</summary>
    PayloadSize,

    /// <summary>More reads than the client's normal mix of operations.</summary>
    EndpointMix,

    /// <summary>Several requests held open far longer than any normal one (a slow drip).</summary>
    SlowRequests,

    /// <summary>Inter-arrival times unlike the client's (machine-regular or bursty).</summary>
    Burstiness,

    /// <summary>
    /// A key used from an address its client was never learned at, unlike its client: a different pattern (the key's rate,
    /// the endpoint mix) and wrong-doing (errors, failed authentications, large or slow bodies) together, the way a stolen
    /// key looks and a client that moved does not.
    /// </summary>
    UnlikeItsClient,
}

namespace BioDapr.Sidecar.Messaging;

/// <summary>How daprd reads an app's answer to a delivery.</summary>
internal enum DeliveryOutcome
{
    /// <summary>2xx with an empty or non-JSON body, no status, or <c>SUCCESS</c>.</summary>
    Success,

    /// <summary><c>DROP</c> or HTTP 404: not retried; dead-lettered when a dead-letter topic is set.</summary>
    Drop,

    /// <summary><c>RETRY</c>, an unknown status (matching is case-sensitive), any other HTTP status, or a transport error.</summary>
    Retry,
}

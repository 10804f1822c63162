using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;

namespace BioDapr.Cell.Events;

/// <summary>The three answers a subscriber gives the sidecar.</summary>
public static class TopicResults
{
    /// <summary>The status of <see cref="Success"/>.</summary>
    public const string SuccessStatus = "SUCCESS";

    /// <summary>The status of <see cref="Retry"/>.</summary>
    public const string RetryStatus = "RETRY";

    /// <summary>The status of <see cref="Drop"/>.</summary>
    public const string DropStatus = "DROP";

    /// <summary>Processed: acknowledge the message.</summary>
    public static Ok<TopicResponse> Success() => TypedResults.Ok(new TopicResponse(SuccessStatus));

    /// <summary>Not now: the sidecar's inbound resiliency policy may retry it.</summary>
    public static Ok<TopicResponse> Retry() => TypedResults.Ok(new TopicResponse(RetryStatus));

    /// <summary>Never: drop it (to the dead-letter topic when configured).</summary>
    public static Ok<TopicResponse> Drop() => TypedResults.Ok(new TopicResponse(DropStatus));
}

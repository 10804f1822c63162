using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;

namespace BioDapr.Cell.Events;

/// <summary>The three answers a subscriber gives the sidecar.</summary>
public static class TopicResults
{
    /// <summary>Processed: acknowledge the message.</summary>
    public static Ok<TopicResponse> Success() => TypedResults.Ok(new TopicResponse("SUCCESS"));

    /// <summary>Not now: the sidecar's inbound resiliency policy may retry it.</summary>
    public static Ok<TopicResponse> Retry() => TypedResults.Ok(new TopicResponse("RETRY"));

    /// <summary>Never: drop it (to the dead-letter topic when configured).</summary>
    public static Ok<TopicResponse> Drop() => TypedResults.Ok(new TopicResponse("DROP"));
}

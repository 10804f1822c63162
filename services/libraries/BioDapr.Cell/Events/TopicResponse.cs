namespace BioDapr.Cell.Events;

/// <summary>The body a subscriber answers: <c>{"status":"SUCCESS|RETRY|DROP"}</c> (daprd matches the status case-sensitively).</summary>
public sealed record TopicResponse(string Status);

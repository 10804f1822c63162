using Dapr.DurableTask.Protobuf;

namespace BioDapr.Sidecar.Workflows;

/// <summary>A workflow turn handed to a worker: the completion token and the inbox events it carries.</summary>
internal sealed record TurnTicket(string Token, HistoryEvent Started, IReadOnlyList<InboxEntry> Consumed, ulong Generation);

using Dapr.DurableTask.Protobuf;

namespace BioDapr.Sidecar.Workflows;

/// <summary>
/// An event waiting for the next turn. <see cref="Persisted"/> events are in the store's <c>inbox-NNNNNN</c> keys
/// (starts, raised events, control events, messages from other instances); the others (activity results, fired
/// timers) live in memory only, as daprd does not persist fired timers either: if the sidecar dies before the turn
/// that consumes them is saved, the activity runs again or the timer is re-armed from history.
/// </summary>
internal sealed record InboxEntry(HistoryEvent Event, bool Persisted);

using BioDapr.Sidecar.Components.State;

namespace BioDapr.Sidecar.Runtime;

/// <summary>A loaded state store with its key prefix rule and whether it is the actor state store.</summary>
internal sealed record StateStoreEntry(string Name, IStateStore Component, StateKeyPrefix KeyPrefix, bool IsActorStateStore);

namespace BioDapr.Cell.Immune;

/// <summary>
/// Endpoint metadata: this endpoint is the cell's public API, called by clients directly. It is served on
/// the public port (<see cref="Hosting.CellOptions.PublicPort"/>), never on the app port the sidecar uses,
/// and it does not take the sidecar's token. Every other endpoint is a Dapr callback.
/// </summary>
[AttributeUsage(AttributeTargets.Method | AttributeTargets.Class)]
public sealed class PublicApiAttribute : Attribute;

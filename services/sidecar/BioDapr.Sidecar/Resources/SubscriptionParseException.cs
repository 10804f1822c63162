namespace BioDapr.Sidecar.Resources;

/// <summary>
/// The app's <c>GET /dapr/subscribe</c> answer cannot be used: not JSON, not a list, a field of the wrong
/// type, or a routing rule whose match does not compile. The message says which entry and field.
/// </summary>
internal sealed class SubscriptionParseException(string message, Exception? inner = null) : Exception(message, inner);

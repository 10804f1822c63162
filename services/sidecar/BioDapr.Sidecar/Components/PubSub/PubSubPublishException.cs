namespace BioDapr.Sidecar.Components.PubSub;

/// <summary>The broker failed to accept a message.</summary>
internal sealed class PubSubPublishException(string message, Exception? inner = null) : Exception(message, inner);

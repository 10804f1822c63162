namespace BioDapr.Sidecar.Messaging;

/// <summary>The publish body could not be turned into a CloudEvent (500 <c>ERR_PUBSUB_CLOUD_EVENTS_SER</c>).</summary>
internal sealed class CloudEventCreationException(string message) : Exception(message);

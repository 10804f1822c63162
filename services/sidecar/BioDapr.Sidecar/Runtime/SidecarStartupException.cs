namespace BioDapr.Sidecar.Runtime;

/// <summary>The sidecar cannot start (bad resources, a component that failed to initialise, a busy port). The message names what and where.</summary>
internal sealed class SidecarStartupException(string message, Exception? inner = null) : Exception(message, inner);

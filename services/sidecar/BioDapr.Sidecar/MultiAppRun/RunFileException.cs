namespace BioDapr.Sidecar.MultiAppRun;

/// <summary>The run file is invalid; the message names the file, the line and the field.</summary>
internal sealed class RunFileException(string message, Exception? inner = null) : Exception(message, inner);

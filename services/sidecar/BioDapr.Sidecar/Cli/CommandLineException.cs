namespace BioDapr.Sidecar.Cli;

/// <summary>
/// A daprd flag is unknown, malformed, has a bad value, or asks for something the development
/// sidecar cannot do. The message names the flag and the problem; the process exits with
/// <see cref="ExitCodes.UsageError"/>.
/// </summary>
internal sealed class CommandLineException(string message) : Exception(message);

namespace BioDapr.Scenarios;

/// <summary>A scenario file is malformed. The message names the file, the line and the field.</summary>
public sealed class ScenarioFormatException(string message, Exception? inner = null) : Exception(message, inner);

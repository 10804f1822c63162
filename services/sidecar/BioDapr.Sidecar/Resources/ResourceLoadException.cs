namespace BioDapr.Sidecar.Resources;

/// <summary>
/// A resource file (Component, Subscription, Resiliency) or a <c>--config</c> file cannot be used.
/// The message names the file, the document (kind and name when known), the line and column when
/// known, and the problem, so the sidecar can print it and stop without a stack trace.
/// </summary>
internal sealed class ResourceLoadException : Exception
{
    public ResourceLoadException(string message, string? filePath = null, int? line = null, int? column = null, Exception? inner = null)
        : base(message, inner)
    {
        FilePath = filePath;
        Line = line;
        Column = column;
    }

    /// <summary>The file at fault, when the problem is in a file.</summary>
    public string? FilePath { get; }

    /// <summary>One-based line of the problem, when known.</summary>
    public int? Line { get; }

    /// <summary>One-based column of the problem, when known.</summary>
    public int? Column { get; }
}

using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace BioDapr.Sidecar.Resources;

/// <summary>Reads a YAML file into its documents, turning syntax errors into <see cref="ResourceLoadException"/>s with the line and column.</summary>
internal static class YamlFile
{
    /// <summary>Parses <paramref name="text"/> (the content of <paramref name="filePath"/>) into documents; empty documents are kept as null roots.</summary>
    public static IReadOnlyList<YamlNode?> ParseDocuments(string filePath, string text)
    {
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(text));
        }
        catch (YamlException e)
        {
            var line = e.Start.Line > 0 ? (int?)e.Start.Line : null;
            var column = e.Start.Column > 0 ? (int?)e.Start.Column : null;
            var where = line is null ? "" : $" at line {line}, column {column}";
            throw new ResourceLoadException($"{filePath}: YAML syntax error{where}: {StripMark(e.Message)}", filePath, line, column, e);
        }
        catch (InvalidOperationException e)
        {
            // YamlDotNet fails this way (without a position) on some unterminated flow collections.
            throw new ResourceLoadException($"{filePath}: invalid YAML: the parser stopped ({e.Message}); look for an unclosed '[', '{{' or quote", filePath, inner: e);
        }
        catch (ArgumentException e)
        {
            // YamlDotNet reports a key repeated in one mapping this way.
            throw new ResourceLoadException($"{filePath}: invalid YAML: {e.Message}", filePath, inner: e);
        }

        return stream.Documents.Select(d => IsEmpty(d.RootNode) ? null : d.RootNode).ToList();
    }

    public static string ReadText(string filePath)
    {
        try
        {
            return File.ReadAllText(filePath);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ResourceLoadException($"{filePath}: cannot read the file: {e.Message}", filePath, inner: e);
        }
    }

    private static bool IsEmpty(YamlNode? node) =>
        node is null || (node is YamlScalarNode { Style: ScalarStyle.Plain or ScalarStyle.Any } scalar && string.IsNullOrEmpty(scalar.Value));

    // YamlDotNet prefixes messages with "(Line: 3, Col: 5, Idx: 20) - (Line: 3, Col: 6, Idx: 21): "; the location is reported separately.
    private static string StripMark(string message)
    {
        if (!message.StartsWith("(Line:", StringComparison.Ordinal))
        {
            return message;
        }

        var end = message.IndexOf("): ", StringComparison.Ordinal);
        while (end >= 0 && message.AsSpan(end + 3).StartsWith("(Line:"))
        {
            end = message.IndexOf("): ", end + 3, StringComparison.Ordinal);
        }

        return end < 0 ? message : message[(end + 3)..];
    }
}

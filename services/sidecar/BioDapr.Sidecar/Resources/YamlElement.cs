using System.Globalization;
using System.Text;
using System.Text.Json;
using YamlDotNet.RepresentationModel;

namespace BioDapr.Sidecar.Resources;

/// <summary>
/// A position in a parsed YAML document with typed accessors that fail with a
/// <see cref="ResourceLoadException"/> naming the file, the document, the line and column and the field path.
/// Keys match case-insensitively for resource documents (daprd decodes them through Go's JSON decoder,
/// which ignores case) and exactly for <c>--config</c> files (decoded with a YAML library that does not).
/// A missing key and an explicit null read the same, as in Go.
/// </summary>
internal sealed class YamlElement
{
    private static readonly string[] NullWords = ["", "~", "null", "Null", "NULL"];
    private static readonly string[] TrueWords = ["true", "True", "TRUE", "yes", "Yes", "YES", "y", "Y", "on", "On", "ON"];
    private static readonly string[] FalseWords = ["false", "False", "FALSE", "no", "No", "NO", "n", "N", "off", "Off", "OFF"];

    public YamlElement(YamlNode? node, string path, YamlSource source, YamlElement? parent = null)
    {
        Node = node;
        Path = path;
        Source = source;
        Parent = parent;
    }

    /// <summary>The element this one was reached from; a missing field reports its parent's position.</summary>
    public YamlElement? Parent { get; }

    public YamlNode? Node { get; }

    /// <summary>The field path from the document root, such as <c>spec.metadata[2].name</c>.</summary>
    public string Path { get; }

    public YamlSource Source { get; }

    public bool IsNull => Node is null || (Node is YamlScalarNode { Style: YamlDotNet.Core.ScalarStyle.Plain or YamlDotNet.Core.ScalarStyle.Any } scalar && NullWords.Contains(scalar.Value ?? ""));

    public bool IsMapping => Node is YamlMappingNode;

    public bool IsSequence => Node is YamlSequenceNode;

    /// <summary>Returns the child at <paramref name="key"/>; its <see cref="Node"/> is null when the key is absent.</summary>
    public YamlElement this[string key]
    {
        get
        {
            var childPath = Path.Length == 0 ? key : $"{Path}.{key}";
            if (IsNull)
            {
                return new YamlElement(null, childPath, Source, this);
            }

            if (Node is not YamlMappingNode mapping)
            {
                throw Fail("must be a mapping");
            }

            YamlNode? exact = null;
            YamlNode? folded = null;
            foreach (var (k, v) in mapping.Children)
            {
                var name = (k as YamlScalarNode)?.Value;
                if (name is null)
                {
                    continue;
                }

                if (string.Equals(name, key, StringComparison.Ordinal))
                {
                    exact = v;
                }
                else if (Source.CaseInsensitiveKeys && folded is null && string.Equals(name, key, StringComparison.OrdinalIgnoreCase))
                {
                    folded = v;
                }
            }

            return new YamlElement(exact ?? folded, childPath, Source, this);
        }
    }

    /// <summary>The entries of a mapping (none when null).</summary>
    public IEnumerable<KeyValuePair<string, YamlElement>> Entries()
    {
        if (IsNull)
        {
            yield break;
        }

        if (Node is not YamlMappingNode mapping)
        {
            throw Fail("must be a mapping");
        }

        foreach (var (k, v) in mapping.Children)
        {
            if (k is not YamlScalarNode { Value: { } name })
            {
                throw new YamlElement(k, Path, Source, this).Fail("mapping keys must be plain strings");
            }

            yield return new KeyValuePair<string, YamlElement>(name, new YamlElement(v, Path.Length == 0 ? name : $"{Path}.{name}", Source, this));
        }
    }

    /// <summary>The items of a sequence (none when null).</summary>
    public IReadOnlyList<YamlElement> Items()
    {
        if (IsNull)
        {
            return [];
        }

        if (Node is not YamlSequenceNode sequence)
        {
            throw Fail("must be a list");
        }

        return sequence.Children.Select((item, i) => new YamlElement(item, $"{Path}[{i}]", Source, this)).ToList();
    }

    /// <summary>The text of a scalar; null when absent or null. Non-string scalars (numbers, booleans) keep their text.</summary>
    public string? AsString()
    {
        if (IsNull)
        {
            return null;
        }

        return Node is YamlScalarNode scalar ? scalar.Value ?? "" : throw Fail("must be a string, not a " + (IsMapping ? "mapping" : "list"));
    }

    public string AsStringOrEmpty() => AsString() ?? "";

    /// <summary>A list of strings (each item a scalar); empty when absent.</summary>
    public IReadOnlyList<string> AsStringList() => Items().Select(i => i.AsStringOrEmpty()).ToList();

    /// <summary>A boolean: an unquoted YAML boolean word (true/false, yes/no, on/off); null when absent.</summary>
    public bool? AsBool()
    {
        if (IsNull)
        {
            return null;
        }

        if (Node is YamlScalarNode { Style: YamlDotNet.Core.ScalarStyle.Plain or YamlDotNet.Core.ScalarStyle.Any, Value: { } text })
        {
            if (TrueWords.Contains(text))
            {
                return true;
            }

            if (FalseWords.Contains(text))
            {
                return false;
            }
        }

        throw Fail($"must be a boolean (true or false), found {Describe()}");
    }

    /// <summary>An integer written as an unquoted number; null when absent.</summary>
    public long? AsInteger()
    {
        if (IsNull)
        {
            return null;
        }

        if (Node is YamlScalarNode { Style: YamlDotNet.Core.ScalarStyle.Plain or YamlDotNet.Core.ScalarStyle.Any, Value: { } text }
            && long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value))
        {
            return value;
        }

        throw Fail($"must be an integer, found {Describe()}");
    }

    /// <summary>
    /// The value as daprd keeps a component metadata value: a scalar's text, or JSON text for a mapping or list.
    /// </summary>
    public string AsRawText()
    {
        if (Node is YamlScalarNode or null)
        {
            return AsStringOrEmpty();
        }

        var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            WriteJson(writer, Node);
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    public ResourceLoadException Fail(string problem)
    {
        var (line, column) = Position();
        return new ResourceLoadException(Locate(problem), Source.FilePath, line, column);
    }

    /// <summary>The problem prefixed with the file, document, line, column and field path, for warnings.</summary>
    public string Locate(string problem)
    {
        var (line, column) = Position();
        var location = line is null ? "" : $", line {line}, column {column}";
        var field = Path.Length == 0 ? "" : $"{Path}: ";
        return $"{Source.Describe()}{location}): {field}{problem}";
    }

    private (int? Line, int? Column) Position()
    {
        for (var element = this; element is not null; element = element.Parent)
        {
            if (element.Node?.Start is { Line: > 0 } mark)
            {
                return ((int)mark.Line, (int)mark.Column);
            }
        }

        return (null, null);
    }

    private string Describe() => Node switch
    {
        YamlScalarNode { Style: YamlDotNet.Core.ScalarStyle.SingleQuoted or YamlDotNet.Core.ScalarStyle.DoubleQuoted } s => $"the quoted string \"{s.Value}\"",
        YamlScalarNode s => $"\"{s.Value}\"",
        YamlMappingNode => "a mapping",
        YamlSequenceNode => "a list",
        _ => "nothing",
    };

    private static void WriteJson(Utf8JsonWriter writer, YamlNode node)
    {
        switch (node)
        {
            case YamlMappingNode mapping:
                writer.WriteStartObject();
                foreach (var (k, v) in mapping.Children)
                {
                    writer.WritePropertyName((k as YamlScalarNode)?.Value ?? "");
                    WriteJson(writer, v);
                }

                writer.WriteEndObject();
                break;
            case YamlSequenceNode sequence:
                writer.WriteStartArray();
                foreach (var item in sequence.Children)
                {
                    WriteJson(writer, item);
                }

                writer.WriteEndArray();
                break;
            case YamlScalarNode scalar:
                var text = scalar.Value ?? "";
                if (scalar.Style is YamlDotNet.Core.ScalarStyle.Plain or YamlDotNet.Core.ScalarStyle.Any)
                {
                    if (NullWords.Contains(text))
                    {
                        writer.WriteNullValue();
                        return;
                    }

                    if (text is "true" or "True" or "TRUE" or "false" or "False" or "FALSE")
                    {
                        writer.WriteBooleanValue(text[0] is 't' or 'T');
                        return;
                    }

                    if (long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var integer))
                    {
                        writer.WriteNumberValue(integer);
                        return;
                    }

                    if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var number) && double.IsFinite(number))
                    {
                        writer.WriteNumberValue(number);
                        return;
                    }
                }

                writer.WriteStringValue(text);
                break;
            default:
                writer.WriteNullValue();
                break;
        }
    }
}

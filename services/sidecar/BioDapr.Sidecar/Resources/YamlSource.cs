namespace BioDapr.Sidecar.Resources;

/// <summary>
/// Where a YAML document came from, for error messages: the file, the document's position in the file
/// and, once read, the resource kind and name.
/// </summary>
internal sealed class YamlSource(string filePath, int documentNumber, bool caseInsensitiveKeys)
{
    public string FilePath { get; } = filePath;

    /// <summary>One-based position of the document in its file (documents are separated by <c>---</c>).</summary>
    public int DocumentNumber { get; } = documentNumber;

    public bool CaseInsensitiveKeys { get; } = caseInsensitiveKeys;

    public string? Kind { get; set; }

    public string? Name { get; set; }

    public string Describe()
    {
        var what = (Kind, Name) switch
        {
            (not null, { Length: > 0 }) => $" {Kind} '{Name}'",
            (not null, _) => $" {Kind}",
            _ => "",
        };
        return $"{FilePath}:{what} (document {DocumentNumber}";
    }
}

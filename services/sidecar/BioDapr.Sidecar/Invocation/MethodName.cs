namespace BioDapr.Sidecar.Invocation;

/// <summary>
/// daprd's method normalisation for service invocation and actor calls: forbidden characters
/// (<c>#</c>, <c>?</c>, NUL, control characters) are rejected and <c>..</c> is resolved so a method
/// can never climb out of the app's path space.
/// </summary>
internal static class MethodName
{
    /// <summary>daprd's <c>ValidateName</c> for actor types, ids, reminder and timer names: null when valid, else the reason.</summary>
    public static string? ValidateName(string name)
    {
        if (name.AsSpan().IndexOfAny("#?\0/\\") >= 0)
        {
            return $"name contains forbidden character: \"{name}\"";
        }

        for (var i = 0; i < name.Length; i++)
        {
            if (name[i] < 0x20 || name[i] == 0x7f)
            {
                return $"name contains control character at position {i}: \"{name}\"";
            }
        }

        return name is "." or ".." ? $"name is a path traversal sequence: \"{name}\"" : null;
    }

    public static bool TryNormalize(string method, out string normalized, out string error)
    {
        normalized = string.Empty;
        error = string.Empty;
        if (method.AsSpan().IndexOfAny("#?\0") >= 0)
        {
            error = $"method contains forbidden character: \"{method}\"";
            return false;
        }

        for (var i = 0; i < method.Length; i++)
        {
            if (method[i] < 0x20 || method[i] == 0x7f)
            {
                error = $"method contains control character at position {i}: \"{method}\"";
                return false;
            }
        }

        var cleaned = CleanPath(method);
        while (cleaned.StartsWith("../", StringComparison.Ordinal))
        {
            cleaned = cleaned[3..];
        }

        normalized = cleaned is ".." or "." ? string.Empty : cleaned;
        return true;
    }

    /// <summary>Go's <c>path.Clean</c>: collapse slashes, drop <c>.</c>, resolve <c>..</c>, no trailing slash.</summary>
    public static string CleanPath(string path)
    {
        if (path.Length == 0)
        {
            return ".";
        }

        var rooted = path[0] == '/';
        var parts = new List<string>();
        foreach (var part in path.Split('/'))
        {
            if (part.Length == 0 || part == ".")
            {
                continue;
            }

            if (part == "..")
            {
                if (parts.Count > 0 && parts[^1] != "..")
                {
                    parts.RemoveAt(parts.Count - 1);
                }
                else if (!rooted)
                {
                    parts.Add("..");
                }

                continue;
            }

            parts.Add(part);
        }

        var joined = string.Join('/', parts);
        if (rooted)
        {
            return "/" + joined;
        }

        return joined.Length == 0 ? "." : joined;
    }
}

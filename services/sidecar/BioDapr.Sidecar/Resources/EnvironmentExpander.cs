using System.Text;

namespace BioDapr.Sidecar.Resources;

/// <summary>
/// Replaces <c>$VAR</c> and <c>${VAR}</c> the way Go's <c>os.ExpandEnv</c> does, which daprd applies to
/// <c>--config</c> files: unset variables become empty, <c>$</c> not followed by a name stays as it is,
/// <c>${}</c> is removed, and one-character special names (<c>$1</c>, <c>$*</c>, ...) are looked up too.
/// </summary>
internal static class EnvironmentExpander
{
    public static string Expand(string text, Func<string, string?> getEnvironmentVariable)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(getEnvironmentVariable);
        StringBuilder? builder = null;
        var copied = 0;
        for (var j = 0; j < text.Length; j++)
        {
            if (text[j] != '$' || j + 1 >= text.Length)
            {
                continue;
            }

            builder ??= new StringBuilder(text.Length * 2);
            builder.Append(text, copied, j - copied);
            var (name, width) = ShellName(text, j + 1);
            if (name.Length == 0 && width > 0)
            {
                // Bad syntax such as "${}" or an unterminated "${": the characters are dropped.
            }
            else if (name.Length == 0)
            {
                builder.Append('$');
            }
            else
            {
                builder.Append(getEnvironmentVariable(name) ?? "");
            }

            j += width;
            copied = j + 1;
        }

        return builder is null ? text : builder.Append(text, copied, text.Length - copied).ToString();
    }

    private static (string Name, int Width) ShellName(string s, int start)
    {
        if (s[start] == '{')
        {
            if (s.Length - start > 2 && IsSpecial(s[start + 1]) && s[start + 2] == '}')
            {
                return (s.Substring(start + 1, 1), 3);
            }

            for (var i = start + 1; i < s.Length; i++)
            {
                if (s[i] == '}')
                {
                    return i == start + 1 ? ("", 2) : (s[(start + 1)..i], i - start + 1);
                }
            }

            return ("", 1);
        }

        if (IsSpecial(s[start]))
        {
            return (s.Substring(start, 1), 1);
        }

        var end = start;
        while (end < s.Length && (char.IsAsciiLetterOrDigit(s[end]) || s[end] == '_'))
        {
            end++;
        }

        return (s[start..end], end - start);
    }

    private static bool IsSpecial(char c) => c is '*' or '#' or '$' or '@' or '!' or '?' or '-' or (>= '0' and <= '9');
}

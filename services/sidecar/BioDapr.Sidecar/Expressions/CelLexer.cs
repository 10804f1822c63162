using System.Buffers;
using System.Globalization;
using System.Text;

namespace BioDapr.Sidecar.Expressions;

/// <summary>Turns CEL source text into tokens (CEL's lexical grammar, including string escapes).</summary>
internal static class CelLexer
{
    private static readonly SearchValues<char> HexDigits = SearchValues.Create("0123456789abcdefABCDEF");

    private static readonly HashSet<string> ReservedWords =
    [
        "as", "break", "const", "continue", "else", "for", "function", "if", "import",
        "let", "loop", "package", "namespace", "return", "var", "void", "while",
    ];

    public static List<CelToken> Tokenize(string text)
    {
        var tokens = new List<CelToken>();
        var i = 0;
        while (true)
        {
            i = SkipWhitespaceAndComments(text, i);
            if (i >= text.Length)
            {
                tokens.Add(new CelToken(CelTokenKind.End, text.Length, ""));
                return tokens;
            }

            var c = text[i];
            var start = i;
            if (char.IsAsciiDigit(c) || (c == '.' && i + 1 < text.Length && char.IsAsciiDigit(text[i + 1])))
            {
                tokens.Add(ReadNumber(text, ref i));
                continue;
            }

            if (IsStringStart(text, i, out var prefixLength))
            {
                tokens.Add(ReadString(text, ref i, prefixLength));
                continue;
            }

            if (char.IsAsciiLetter(c) || c == '_')
            {
                while (i < text.Length && (char.IsAsciiLetterOrDigit(text[i]) || text[i] == '_'))
                {
                    i++;
                }

                var word = text[start..i];
                var kind = word switch
                {
                    "true" => CelTokenKind.True,
                    "false" => CelTokenKind.False,
                    "null" => CelTokenKind.Null,
                    "in" => CelTokenKind.In,
                    _ => CelTokenKind.Identifier,
                };
                if (kind == CelTokenKind.Identifier && ReservedWords.Contains(word))
                {
                    throw new CelParseException(text, start, $"'{word}' is a reserved word and cannot be used as an identifier");
                }

                tokens.Add(new CelToken(kind, start, word));
                continue;
            }

            var (operatorKind, length) = ReadOperator(text, i);
            if (length == 0)
            {
                throw new CelParseException(text, start, $"unexpected character '{c}'");
            }

            i += length;
            tokens.Add(new CelToken(operatorKind, start, text.Substring(start, length)));
        }
    }

    private static int SkipWhitespaceAndComments(string text, int i)
    {
        while (i < text.Length)
        {
            var c = text[i];
            if (c is ' ' or '\t' or '\r' or '\n' or '\f')
            {
                i++;
            }
            else if (c == '/' && i + 1 < text.Length && text[i + 1] == '/')
            {
                while (i < text.Length && text[i] != '\n')
                {
                    i++;
                }
            }
            else
            {
                break;
            }
        }

        return i;
    }

    private static (CelTokenKind Kind, int Length) ReadOperator(string text, int i)
    {
        var c = text[i];
        var next = i + 1 < text.Length ? text[i + 1] : '\0';
        return c switch
        {
            '(' => (CelTokenKind.LeftParen, 1),
            ')' => (CelTokenKind.RightParen, 1),
            '[' => (CelTokenKind.LeftBracket, 1),
            ']' => (CelTokenKind.RightBracket, 1),
            '{' => (CelTokenKind.LeftBrace, 1),
            '}' => (CelTokenKind.RightBrace, 1),
            ',' => (CelTokenKind.Comma, 1),
            '.' => (CelTokenKind.Dot, 1),
            ':' => (CelTokenKind.Colon, 1),
            '?' => (CelTokenKind.Question, 1),
            '+' => (CelTokenKind.Plus, 1),
            '-' => (CelTokenKind.Minus, 1),
            '*' => (CelTokenKind.Star, 1),
            '/' => (CelTokenKind.Slash, 1),
            '%' => (CelTokenKind.Percent, 1),
            '!' when next == '=' => (CelTokenKind.NotEqual, 2),
            '!' => (CelTokenKind.Not, 1),
            '<' when next == '=' => (CelTokenKind.LessEqual, 2),
            '<' => (CelTokenKind.Less, 1),
            '>' when next == '=' => (CelTokenKind.GreaterEqual, 2),
            '>' => (CelTokenKind.Greater, 1),
            '=' when next == '=' => (CelTokenKind.Equal, 2),
            '&' when next == '&' => (CelTokenKind.And, 2),
            '|' when next == '|' => (CelTokenKind.Or, 2),
            _ => (CelTokenKind.End, 0),
        };
    }

    private static CelToken ReadNumber(string text, ref int i)
    {
        var start = i;
        if (text[i] == '0' && i + 1 < text.Length && text[i + 1] is 'x' or 'X')
        {
            i += 2;
            var digitsStart = i;
            while (i < text.Length && char.IsAsciiHexDigit(text[i]))
            {
                i++;
            }

            if (i == digitsStart)
            {
                throw new CelParseException(text, start, "hexadecimal literal has no digits");
            }

            if (!ulong.TryParse(text.AsSpan(digitsStart, i - digitsStart), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var hex))
            {
                throw new CelParseException(text, start, "integer literal is out of range");
            }

            return FinishInteger(text, ref i, start, hex);
        }

        while (i < text.Length && char.IsAsciiDigit(text[i]))
        {
            i++;
        }

        var isDouble = false;
        if (i + 1 < text.Length && text[i] == '.' && char.IsAsciiDigit(text[i + 1]))
        {
            isDouble = true;
            i++;
            while (i < text.Length && char.IsAsciiDigit(text[i]))
            {
                i++;
            }
        }

        if (i < text.Length && text[i] is 'e' or 'E')
        {
            var exponentStart = i;
            i++;
            if (i < text.Length && text[i] is '+' or '-')
            {
                i++;
            }

            if (i >= text.Length || !char.IsAsciiDigit(text[i]))
            {
                throw new CelParseException(text, exponentStart, "exponent has no digits");
            }

            while (i < text.Length && char.IsAsciiDigit(text[i]))
            {
                i++;
            }

            isDouble = true;
        }

        var literal = text[start..i];
        if (isDouble)
        {
            var value = double.Parse(literal, NumberStyles.Float, CultureInfo.InvariantCulture);
            return new CelToken(CelTokenKind.Double, start, literal, value);
        }

        if (!ulong.TryParse(literal, NumberStyles.None, CultureInfo.InvariantCulture, out var magnitude))
        {
            throw new CelParseException(text, start, $"integer literal {literal} is out of range");
        }

        return FinishInteger(text, ref i, start, magnitude);
    }

    private static CelToken FinishInteger(string text, ref int i, int start, ulong magnitude)
    {
        if (i < text.Length && text[i] is 'u' or 'U')
        {
            i++;
            return new CelToken(CelTokenKind.UInt, start, text[start..i], magnitude);
        }

        return new CelToken(CelTokenKind.Int, start, text[start..i], magnitude);
    }

    private static bool IsStringStart(string text, int i, out int prefixLength)
    {
        prefixLength = 0;
        while (prefixLength < 2 && i + prefixLength < text.Length && text[i + prefixLength] is 'r' or 'R' or 'b' or 'B')
        {
            prefixLength++;
        }

        if (i + prefixLength < text.Length && text[i + prefixLength] is '"' or '\'')
        {
            var prefix = text.Substring(i, prefixLength).ToLowerInvariant();
            return prefix is "" or "r" or "b" or "rb" or "br";
        }

        prefixLength = 0;
        return text[i] is '"' or '\'';
    }

    private static CelToken ReadString(string text, ref int i, int prefixLength)
    {
        var start = i;
        var prefix = text.Substring(i, prefixLength).ToLowerInvariant();
        var raw = prefix.Contains('r', StringComparison.Ordinal);
        var isBytes = prefix.Contains('b', StringComparison.Ordinal);
        i += prefixLength;
        var quote = text[i];
        var triple = i + 2 < text.Length && text[i + 1] == quote && text[i + 2] == quote;
        i += triple ? 3 : 1;

        var bytes = new List<byte>();
        var chars = new StringBuilder();
        while (true)
        {
            if (i >= text.Length)
            {
                throw new CelParseException(text, start, "string literal is not terminated");
            }

            var c = text[i];
            if (c == quote && (!triple || (i + 2 < text.Length && text[i + 1] == quote && text[i + 2] == quote)))
            {
                i += triple ? 3 : 1;
                break;
            }

            if (!triple && c is '\n' or '\r')
            {
                throw new CelParseException(text, start, "string literal is not terminated before the end of the line");
            }

            if (c == '\\' && !raw)
            {
                ReadEscape(text, ref i, isBytes, bytes, chars);
                continue;
            }

            if (isBytes)
            {
                // Keep surrogate pairs together so UTF-8 encoding sees whole code points.
                var length = char.IsHighSurrogate(c) && i + 1 < text.Length ? 2 : 1;
                bytes.AddRange(Encoding.UTF8.GetBytes(text.Substring(i, length)));
                i += length;
            }
            else
            {
                chars.Append(c);
                i++;
            }
        }

        var literal = text[start..i];
        return isBytes
            ? new CelToken(CelTokenKind.Bytes, start, literal, bytes.ToArray())
            : new CelToken(CelTokenKind.String, start, literal, chars.ToString());
    }

    private static void ReadEscape(string text, ref int i, bool isBytes, List<byte> bytes, StringBuilder chars)
    {
        var escapeStart = i;
        i++;
        if (i >= text.Length)
        {
            throw new CelParseException(text, escapeStart, "escape sequence at the end of the input");
        }

        var e = text[i++];
        int codePoint;
        var isByteValue = false;
        switch (e)
        {
            case '\\': codePoint = '\\'; break;
            case '"': codePoint = '"'; break;
            case '\'': codePoint = '\''; break;
            case '`': codePoint = '`'; break;
            case '?': codePoint = '?'; break;
            case 'a': codePoint = '\a'; break;
            case 'b': codePoint = '\b'; break;
            case 'f': codePoint = '\f'; break;
            case 'n': codePoint = '\n'; break;
            case 'r': codePoint = '\r'; break;
            case 't': codePoint = '\t'; break;
            case 'v': codePoint = '\v'; break;
            case 'x' or 'X':
                codePoint = ReadHex(text, ref i, 2, escapeStart);
                isByteValue = true;
                break;
            case 'u' when !isBytes:
                codePoint = ReadHex(text, ref i, 4, escapeStart);
                break;
            case 'U' when !isBytes:
                codePoint = ReadHex(text, ref i, 8, escapeStart);
                break;
            case >= '0' and <= '3':
                if (i + 1 >= text.Length || text[i] is < '0' or > '7' || text[i + 1] is < '0' or > '7')
                {
                    throw new CelParseException(text, escapeStart, "octal escape needs three digits");
                }

                codePoint = ((e - '0') * 64) + ((text[i] - '0') * 8) + (text[i + 1] - '0');
                i += 2;
                isByteValue = true;
                break;
            default:
                throw new CelParseException(text, escapeStart, $"invalid escape sequence '\\{e}'");
        }

        if (isBytes)
        {
            if (isByteValue)
            {
                bytes.Add((byte)codePoint);
            }
            else
            {
                bytes.AddRange(Encoding.UTF8.GetBytes(char.ConvertFromUtf32(codePoint)));
            }

            return;
        }

        if (codePoint is > 0x10FFFF or (>= 0xD800 and <= 0xDFFF))
        {
            throw new CelParseException(text, escapeStart, "escape sequence is not a valid Unicode code point");
        }

        chars.Append(char.ConvertFromUtf32(codePoint));
    }

    private static int ReadHex(string text, ref int i, int digits, int escapeStart)
    {
        if (i + digits > text.Length
            || text.AsSpan(i, digits).ContainsAnyExcept(HexDigits)
            || !long.TryParse(text.AsSpan(i, digits), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var value))
        {
            throw new CelParseException(text, escapeStart, $"escape sequence needs {digits} hexadecimal digits");
        }

        i += digits;
        return (int)Math.Min(value, int.MaxValue);
    }
}

namespace BioDapr.Sidecar.Expressions;

/// <summary>The kinds of CEL tokens.</summary>
internal enum CelTokenKind
{
    End,
    Identifier,
    Int,
    UInt,
    Double,
    String,
    Bytes,
    True,
    False,
    Null,
    In,
    LeftParen,
    RightParen,
    LeftBracket,
    RightBracket,
    LeftBrace,
    RightBrace,
    Comma,
    Dot,
    Colon,
    Question,
    Not,
    Minus,
    Plus,
    Star,
    Slash,
    Percent,
    Less,
    LessEqual,
    Greater,
    GreaterEqual,
    Equal,
    NotEqual,
    And,
    Or,
}

/// <summary>
/// One CEL token. <see cref="Value"/> holds the decoded literal: an unsigned magnitude for
/// <see cref="CelTokenKind.Int"/> (so <c>-9223372036854775808</c> can be folded), a <see cref="ulong"/>,
/// <see cref="double"/>, <see cref="string"/> or <see cref="byte"/> array.
/// </summary>
internal readonly record struct CelToken(CelTokenKind Kind, int Position, string Text, object? Value = null)
{
    /// <summary>How the token reads in an error message.</summary>
    public string Describe() => Kind switch
    {
        CelTokenKind.End => "end of input",
        CelTokenKind.Identifier => $"identifier '{Text}'",
        CelTokenKind.String or CelTokenKind.Bytes => "a string literal",
        CelTokenKind.Int or CelTokenKind.UInt or CelTokenKind.Double => $"number {Text}",
        _ => $"'{Text}'",
    };
}

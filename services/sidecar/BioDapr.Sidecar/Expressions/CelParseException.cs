namespace BioDapr.Sidecar.Expressions;

/// <summary>
/// A CEL expression does not compile: a syntax error, an unknown function or a bad literal.
/// The message gives the line and column, what was found and what was expected.
/// </summary>
internal sealed class CelParseException : Exception
{
    public CelParseException(string expression, int position, string problem)
        : base(Describe(expression, position, problem))
    {
        Expression = expression;
        Position = position;
        (Line, Column) = LineAndColumn(expression, position);
        Problem = problem;
    }

    /// <summary>The expression text.</summary>
    public string Expression { get; }

    /// <summary>Zero-based character offset of the problem.</summary>
    public int Position { get; }

    /// <summary>One-based line of the problem.</summary>
    public int Line { get; }

    /// <summary>One-based column of the problem.</summary>
    public int Column { get; }

    /// <summary>The problem without the location.</summary>
    public string Problem { get; }

    private static string Describe(string expression, int position, string problem)
    {
        var (line, column) = LineAndColumn(expression, position);
        return $"CEL syntax error at {line}:{column} in '{expression}': {problem}";
    }

    private static (int Line, int Column) LineAndColumn(string text, int position)
    {
        var line = 1;
        var column = 1;
        for (var i = 0; i < Math.Min(position, text.Length); i++)
        {
            if (text[i] == '\n')
            {
                line++;
                column = 1;
            }
            else
            {
                column++;
            }
        }

        return (line, column);
    }
}

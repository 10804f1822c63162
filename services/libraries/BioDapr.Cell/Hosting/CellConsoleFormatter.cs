using System.Globalization;
using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Logging.Console;

namespace BioDapr.Cell.Hosting;

/// <summary>
/// The cells' console log format: one line per entry (<c>info: Category[id] message</c>), in which every
/// control character of the message is written escaped (<c>\r</c>, <c>\n</c>, <c>\u001b</c>…). A value a
/// client sent (a customer id, a path, a header) therefore stays inside its entry and can never forge a log
/// line. An exception follows on indented lines.
/// </summary>
internal sealed class CellConsoleFormatter() : ConsoleFormatter(FormatterName)
{
    /// <summary>The formatter's name (<c>Logging:Console:FormatterName</c>).</summary>
    public const string FormatterName = "cell";

    public override void Write<TState>(in LogEntry<TState> logEntry, IExternalScopeProvider? scopeProvider, TextWriter textWriter)
    {
        var message = logEntry.Formatter?.Invoke(logEntry.State, logEntry.Exception);
        if (message is null && logEntry.Exception is null)
        {
            return;
        }

        var line = new StringBuilder();
        line.Append(Level(logEntry.LogLevel)).Append(": ").Append(logEntry.Category)
            .Append('[').Append(logEntry.EventId.Id.ToString(CultureInfo.InvariantCulture)).Append("] ");
        Escape(message ?? string.Empty, line);
        textWriter.WriteLine(line.ToString());
        if (logEntry.Exception is { } exception)
        {
            foreach (var exceptionLine in exception.ToString().Split('\n'))
            {
                line.Clear().Append("      ");
                Escape(exceptionLine.TrimEnd('\r'), line);
                textWriter.WriteLine(line.ToString());
            }
        }
    }

    /// <summary>Appends <paramref name="text"/> with every control and line-separator character escaped.</summary>
    internal static void Escape(string text, StringBuilder into)
    {
        foreach (var c in text)
        {
            switch (c)
            {
                case '\r': into.Append("\\r"); break;
                case '\n': into.Append("\\n"); break;
                case '\t': into.Append("\\t"); break;
                default:
                    if (char.IsControl(c) || c is '\u2028' or '\u2029')
                    {
                        into.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                    }
                    else
                    {
                        into.Append(c);
                    }

                    break;
            }
        }
    }

    private static string Level(LogLevel level) => level switch
    {
        LogLevel.Trace => "trce",
        LogLevel.Debug => "dbug",
        LogLevel.Information => "info",
        LogLevel.Warning => "warn",
        LogLevel.Error => "fail",
        LogLevel.Critical => "crit",
        _ => "none",
    };
}

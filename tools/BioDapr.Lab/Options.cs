using System.Globalization;

namespace BioDapr.Lab;

/// <summary>Parses <c>--name value</c> and <c>--flag</c> options; errors name the option.</summary>
internal sealed class Options
{
    private readonly Dictionary<string, string?> _values = new(StringComparer.Ordinal);

    public Options(string[] args, params string[] known)
    {
        for (var i = 0; i < args.Length; i++)
        {
            var name = args[i];
            if (!name.StartsWith("--", StringComparison.Ordinal) || !known.Contains(name[2..]))
            {
                throw new ArgumentException($"unknown option '{name}' (known: {string.Join(", ", known.Select(k => "--" + k))})");
            }

            _values[name[2..]] = i + 1 < args.Length && !args[i + 1].StartsWith("--", StringComparison.Ordinal) ? args[++i] : null;
        }
    }

    public bool Flag(string name) => _values.ContainsKey(name);

    public string Text(string name, string fallback) => _values.TryGetValue(name, out var value) && value is not null ? value : fallback;

    public int Integer(string name, int fallback, int min = 0, int max = int.MaxValue)
    {
        if (!_values.TryGetValue(name, out var value))
        {
            return fallback;
        }

        return int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var parsed) && parsed >= min && parsed <= max
            ? parsed
            : throw new ArgumentException($"--{name} must be an integer from {min} to {max}, got '{value}'");
    }

    public double Number(string name, double fallback, double min, double max)
    {
        if (!_values.TryGetValue(name, out var value))
        {
            return fallback;
        }

        return double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var parsed) && parsed >= min && parsed <= max
            ? parsed
            : throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"--{name} must be a number from {min} to {max}, got '{value}'"));
    }

    /// <summary>
    /// Cancelled by Ctrl-C, SIGTERM or SIGHUP (which then do not end the process, so what the command started is stopped),
    /// printing <paramref name="message"/>.
    /// </summary>
    public static BioDapr.Launcher.StopSignals StopOnCtrlC(string message) => new(_ => Console.WriteLine(message));

    public static string Duration(TimeSpan span) => span.TotalHours >= 1 ? span.ToString(@"h\:mm\:ss", CultureInfo.InvariantCulture) : span.ToString(@"m\:ss", CultureInfo.InvariantCulture);
}

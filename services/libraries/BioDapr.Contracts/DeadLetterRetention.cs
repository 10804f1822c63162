using System.Globalization;

namespace BioDapr.Contracts;

/// <summary>
/// The one rule for trimming the <see cref="Topics.DeadLetters"/> stream: a Redis stream entry id starts with the
/// millisecond the entry was added, so <c>XTRIM &lt;stream&gt; MINID &lt;cutoff&gt;</c> removes exactly the dead letters
/// older than the retention. Shared by the cortex's trim reminder and the operator's <c>./biodapr deadletters trim</c>.
/// </summary>
public static class DeadLetterRetention
{
    /// <summary>The <c>MINID</c> argument of <c>XTRIM</c> that keeps the dead letters of the last <paramref name="retention"/> before <paramref name="now"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="retention"/> is negative.</exception>
    public static string MinId(DateTimeOffset now, TimeSpan retention)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(retention, TimeSpan.Zero);
        return (now - retention).ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture);
    }
}

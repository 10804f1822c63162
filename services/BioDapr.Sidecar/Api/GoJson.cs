using System.Text.Encodings.Web;
using System.Text.Unicode;

namespace BioDapr.Sidecar.Api;

/// <summary>
/// JSON output settings that match Go's <c>encoding/json</c>, which daprd uses: HTML characters
/// (&lt; &gt; &amp;) are escaped as <c>\u003c</c> etc., everything else printable is written as is.
/// </summary>
internal static class GoJson
{
    /// <summary>An encoder that escapes what Go escapes by default and leaves other Unicode alone.</summary>
    public static JavaScriptEncoder Encoder { get; } = JavaScriptEncoder.Create(UnicodeRanges.All);
}

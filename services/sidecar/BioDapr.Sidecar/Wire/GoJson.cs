using System.Text.Encodings.Web;

namespace BioDapr.Sidecar.Wire;

/// <summary>
/// JSON output settings close to Go's <c>encoding/json</c>, which daprd uses: non-ASCII text is written
/// as is and quotes as <c>\"</c>. (Go also escapes &lt; &gt; &amp; as <c>\u003c</c>…; both forms are the
/// same JSON value, so we keep the readable one.)
/// </summary>
internal static class GoJson
{
    /// <summary>The encoder every JSON answer of the sidecar uses.</summary>
    public static JavaScriptEncoder Encoder { get; } = JavaScriptEncoder.UnsafeRelaxedJsonEscaping;
}

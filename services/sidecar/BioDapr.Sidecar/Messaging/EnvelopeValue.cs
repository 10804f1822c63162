using System.Text.Json;
using BioDapr.Sidecar.Wire;

namespace BioDapr.Sidecar.Messaging;

/// <summary>One envelope field value: a string or an already-parsed JSON value.</summary>
internal readonly struct EnvelopeValue
{
    private readonly string? _text;
    private readonly JsonElement _json;
    private readonly bool _isJson;

    private EnvelopeValue(string? text, JsonElement json, bool isJson)
    {
        _text = text;
        _json = json;
        _isJson = isJson;
    }

    public bool IsNull => _isJson && _json.ValueKind == JsonValueKind.Null;

    public static EnvelopeValue Text(string value) => new(value, default, false);

    public static EnvelopeValue Json(JsonElement value) => new(null, value, true);

    public void WriteTo(Utf8JsonWriter writer)
    {
        if (_isJson)
        {
            GoJsonWriter.WriteCanonical(writer, _json);
        }
        else
        {
            writer.WriteStringValue(_text);
        }
    }
}

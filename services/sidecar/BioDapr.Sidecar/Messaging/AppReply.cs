using System.Text.Json;

namespace BioDapr.Sidecar.Messaging;

/// <summary>Interprets the app's answer to a pub/sub delivery exactly as daprd's HTTP postman does.</summary>
internal static class AppReply
{
    public static DeliveryOutcome Interpret(int statusCode, ReadOnlySpan<byte> body)
    {
        if (statusCode is >= 200 and <= 299)
        {
            return StatusOf(body) switch
            {
                null or "" or "SUCCESS" => DeliveryOutcome.Success,
                "DROP" => DeliveryOutcome.Drop,
                _ => DeliveryOutcome.Retry,
            };
        }

        return statusCode == 404 ? DeliveryOutcome.Drop : DeliveryOutcome.Retry;
    }

    // Go decodes {"status": "..."} into a struct: field name case-insensitive, value case-sensitive.
    // A body that is empty, not JSON, or not an object with a string status counts as success (null).
    private static string? StatusOf(ReadOnlySpan<byte> body)
    {
        var reader = new Utf8JsonReader(body);
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return null;
            }

            string? status = null;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var isStatus = string.Equals(reader.GetString(), "status", StringComparison.OrdinalIgnoreCase);
                reader.Read();
                if (isStatus)
                {
                    if (reader.TokenType == JsonTokenType.String)
                    {
                        status = reader.GetString();
                    }
                    else if (reader.TokenType != JsonTokenType.Null)
                    {
                        return null;
                    }
                }
                else
                {
                    reader.Skip();
                }
            }

            return status;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}

using Google.Protobuf;

namespace BioDapr.Launcher.Telemetry;

/// <summary>
/// Reads the parts of an OTLP <c>ExportTraceServiceRequest</c> (opentelemetry-proto, collector/trace/v1) the tests
/// look at, field by field, skipping the rest: resource_spans (1) → resource (1, its attributes 1) and scope_spans
/// (2) → scope (1, its name 1) and spans (2) → trace_id (1), span_id (2), parent_span_id (4), name (5), kind (6),
/// start_time_unix_nano (7), end_time_unix_nano (8), attributes (9), status (15: its code 3). Attributes are key (1) and value (2, an AnyValue whose string_value is field 1).
/// </summary>
public static class OtlpTraceReader
{
    /// <summary>
    /// The spans of one export; throws <see cref="InvalidProtocolBufferException"/> on a malformed body and
    /// <see cref="InvalidDataException"/> on a span without valid ids.
    /// </summary>
    public static IReadOnlyList<ReceivedSpan> Read(byte[] body)
    {
        ArgumentNullException.ThrowIfNull(body);
        var spans = new List<ReceivedSpan>();
        foreach (var resourceSpans in Messages(body, 1))
        {
            var service = "";
            foreach (var resource in Messages(resourceSpans, 1))
            {
                service = Attributes(resource, 1).GetValueOrDefault("service.name", "");
            }

            foreach (var scopeSpans in Messages(resourceSpans, 2))
            {
                var scope = "";
                foreach (var scopeMessage in Messages(scopeSpans, 1))
                {
                    scope = Strings(scopeMessage, 1).FirstOrDefault() ?? "";
                }

                foreach (var span in Messages(scopeSpans, 2))
                {
                    spans.Add(Span(service, scope, span));
                }
            }
        }

        return spans;
    }

    // Status: message (2), code (3).
    private static ReceivedSpanStatus StatusCode(byte[] status)
    {
        var input = new CodedInputStream(status);
        var code = ReceivedSpanStatus.Unset;
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            if (tag == WireFormat.MakeTag(3, WireFormat.WireType.Varint))
            {
                code = (ReceivedSpanStatus)input.ReadEnum();
            }
            else
            {
                input.SkipLastField();
            }
        }

        return code;
    }

    private static ReceivedSpan Span(string service, string scope, byte[] span)
    {
        string traceId = "", spanId = "", parent = "", name = "";
        var kind = ReceivedSpanKind.Unspecified;
        var status = ReceivedSpanStatus.Unset;
        ulong start = 0, end = 0;
        var input = new CodedInputStream(span);
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            switch (WireFormat.GetTagFieldNumber(tag), WireFormat.GetTagWireType(tag))
            {
                case (1, WireFormat.WireType.LengthDelimited):
                    traceId = Convert.ToHexStringLower(input.ReadBytes().Span);
                    break;
                case (2, WireFormat.WireType.LengthDelimited):
                    spanId = Convert.ToHexStringLower(input.ReadBytes().Span);
                    break;
                case (4, WireFormat.WireType.LengthDelimited):
                    parent = Convert.ToHexStringLower(input.ReadBytes().Span);
                    break;
                case (5, WireFormat.WireType.LengthDelimited):
                    name = input.ReadString();
                    break;
                case (6, WireFormat.WireType.Varint):
                    kind = (ReceivedSpanKind)input.ReadEnum();
                    break;
                case (7, WireFormat.WireType.Fixed64):
                    start = input.ReadFixed64();
                    break;
                case (8, WireFormat.WireType.Fixed64):
                    end = input.ReadFixed64();
                    break;
                case (15, WireFormat.WireType.LengthDelimited):
                    status = StatusCode(input.ReadBytes().ToByteArray());
                    break;
                default:
                    input.SkipLastField();
                    break;
            }
        }

        if (traceId.Length != 32 || spanId.Length != 16)
        {
            throw new InvalidDataException($"span '{name}' has a trace id of {traceId.Length / 2} bytes and a span id of {spanId.Length / 2} (expected 16 and 8)");
        }

        return new ReceivedSpan(service, scope, traceId, spanId, parent, name, kind, Attributes(span, 9)) { Status = status, StartUnixNano = start, EndUnixNano = end };
    }

    private static Dictionary<string, string> Attributes(byte[] message, int field)
    {
        var attributes = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var keyValue in Messages(message, field))
        {
            var key = Strings(keyValue, 1).FirstOrDefault();
            var value = Messages(keyValue, 2).Select(any => Strings(any, 1).FirstOrDefault()).FirstOrDefault();
            if (key is not null && value is not null)
            {
                attributes[key] = value;
            }
        }

        return attributes;
    }

    private static IEnumerable<string> Strings(byte[] message, int field) =>
        Messages(message, field).Select(bytes => System.Text.Encoding.UTF8.GetString(bytes));

    // The length-delimited values of one field of a message, in order.
    private static List<byte[]> Messages(byte[] message, int field)
    {
        var values = new List<byte[]>();
        var input = new CodedInputStream(message);
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            if (WireFormat.GetTagFieldNumber(tag) == field && WireFormat.GetTagWireType(tag) == WireFormat.WireType.LengthDelimited)
            {
                values.Add(input.ReadBytes().ToByteArray());
            }
            else
            {
                input.SkipLastField();
            }
        }

        return values;
    }
}

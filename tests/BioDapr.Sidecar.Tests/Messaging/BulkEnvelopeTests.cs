using System.Text.Json;
using BioDapr.Sidecar.Messaging;

namespace BioDapr.Sidecar.Tests.Messaging;

public sealed class BulkEnvelopeTests
{
    [Fact]
    public void BulkEnvelope_HasDaprdsFields_InGoMapOrder()
    {
        using var cloudEvent = JsonDocument.Parse("""{"id":"e1","data":"x"}""");
        var delivery = new BulkEventDelivery(
            "/bulk",
            [
                new BulkEventEntry("a", default, cloudEvent.RootElement, "application/cloudevents+json", new Dictionary<string, string> { ["k"] = "v" }),
                new BulkEventEntry("b", "raw"u8.ToArray(), null, "application/octet-stream", new Dictionary<string, string>()),
            ],
            new Dictionary<string, string> { ["pubsubName"] = "pubsub" },
            "orders",
            "pubsub");

        using var envelope = JsonDocument.Parse(HttpEventSink.BulkEnvelope(delivery));

        var root = envelope.RootElement;
        root.EnumerateObject().Select(p => p.Name).ShouldBe(["entries", "id", "metadata", "pubsubname", "topic", "type"]);
        root.GetProperty("type").GetString().ShouldBe("com.dapr.event.sent.bulk");
        var entries = root.GetProperty("entries").EnumerateArray().ToList();
        entries[0].GetProperty("entryId").GetString().ShouldBe("a");
        entries[0].GetProperty("event").GetProperty("id").GetString().ShouldBe("e1");
        entries[0].GetProperty("metadata").GetProperty("k").GetString().ShouldBe("v");
        entries[1].GetProperty("event").GetString().ShouldBe(Convert.ToBase64String("raw"u8.ToArray()));
        entries[1].GetProperty("contentType").GetString().ShouldBe("application/octet-stream");
    }
}

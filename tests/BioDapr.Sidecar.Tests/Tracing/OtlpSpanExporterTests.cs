using System.Diagnostics;
using BioDapr.Sidecar.Resources;
using BioDapr.Sidecar.Tracing;
using BioDapr.Testing;
using BioDapr.Testing.Telemetry;
using Microsoft.Extensions.Logging.Abstractions;

namespace BioDapr.Sidecar.Tests.Tracing;

/// <summary>The sidecar's span exporter against a real OTLP/HTTP receiver on loopback, and against none.</summary>
public sealed class OtlpSpanExporterTests
{
    [Fact]
    public async Task FinishedSpans_ArriveAsOtlp_WithTheirIdsParentKindAndTheAppIdAsService()
    {
        await using var receiver = new OtlpReceiver();
        await receiver.InitializeAsync();
        var exporter = new OtlpSpanExporter(new OtelSettings($"127.0.0.1:{receiver.Port}", "http", IsSecure: false), "orders", replica: null, NullLogger.Instance, TimeProvider.System);
        var parsed = TraceContext.TryParse("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", null, out var caller);
        parsed.ShouldBeTrue();
        var server = caller.NewChild();
        var consumer = server.NewChild();
        var start = DateTimeOffset.UtcNow;

        exporter.Record(server, "POST /v1.0/invoke/inventory/method/reservations", SpanKind.Server, start, start.AddMilliseconds(12), failed: false);
        exporter.Record(consumer, "deliver orders", SpanKind.Consumer, start, start.AddMilliseconds(3), failed: true);

        var spans = await Eventually.ReturnsAsync(
            () => Task.FromResult(receiver.Trace("4bf92f3577b34da6a3ce929d0e0e4736")),
            trace => trace.Count >= 2,
            TimeSpan.FromSeconds(30),
            "both spans are exported");
        await exporter.DisposeAsync();
        spans.Count.ShouldBe(2);
        spans.ShouldAllBe(s => s.Service == "orders" && s.Scope == "BioDapr.Sidecar");
        var exported = spans.Single(s => s.SpanId == server.SpanId);
        exported.ParentSpanId.ShouldBe("00f067aa0ba902b7");
        exported.Kind.ShouldBe(ReceivedSpanKind.Server);
        exported.Name.ShouldBe("POST /v1.0/invoke/inventory/method/reservations");
        spans.Single(s => s.SpanId == consumer.SpanId).ShouldSatisfyAllConditions(
            s => s.ParentSpanId.ShouldBe(server.SpanId),
            s => s.Kind.ShouldBe(ReceivedSpanKind.Consumer));
        receiver.Rejected.ShouldBe(0);
    }

    [Fact]
    public async Task UnsampledSpans_AreNotExported()
    {
        await using var receiver = new OtlpReceiver();
        await receiver.InitializeAsync();
        var exporter = new OtlpSpanExporter(new OtelSettings($"127.0.0.1:{receiver.Port}", "http", IsSecure: false), "orders", replica: null, NullLogger.Instance, TimeProvider.System);
        var sampled = TraceContext.NewRoot(sampled: true);
        var unsampled = TraceContext.NewRoot(sampled: false);

        exporter.Record(unsampled, "not sampled", SpanKind.Server, DateTimeOffset.UtcNow, DateTimeOffset.UtcNow, failed: false);
        exporter.Record(sampled, "sampled", SpanKind.Server, DateTimeOffset.UtcNow, DateTimeOffset.UtcNow, failed: false);
        await Eventually.ReturnsAsync(() => Task.FromResult(receiver.Spans), spans => spans.Count > 0, TimeSpan.FromSeconds(30), "the sampled span is exported");
        await exporter.DisposeAsync();

        receiver.Spans.Select(s => s.Name).ShouldBe(["sampled"]);
    }

    [Fact]
    public async Task ACollectorThatIsDown_CostsNoException_AndStoppingStaysQuick()
    {
        var closed = FreePort.Next();
        var exporter = new OtlpSpanExporter(new OtelSettings($"127.0.0.1:{closed}", "http", IsSecure: false), "orders", replica: null, NullLogger.Instance, TimeProvider.System);
        for (var i = 0; i < OtlpSpanExporter.QueueCapacity * 2; i++)
        {
            // More than the queue holds: the rest are dropped, nothing blocks.
            exporter.Record(TraceContext.NewRoot(sampled: true), "span", SpanKind.Server, DateTimeOffset.UtcNow, DateTimeOffset.UtcNow, failed: false);
        }

        var stopping = Stopwatch.StartNew();
        await exporter.DisposeAsync();

        stopping.Elapsed.ShouldBeLessThan(TimeSpan.FromSeconds(15), "stopping waits at most 2 s for the queue, then cancels");
    }
}

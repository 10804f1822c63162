using System.Diagnostics;
using BioDapr.Sidecar.Resources;
using BioDapr.Sidecar.Tracing;
using BioDapr.Testing;
using BioDapr.Launcher.Telemetry;
using BioDapr.Testing.Telemetry;

namespace BioDapr.Sidecar.Tests.Tracing;

/// <summary>
/// The sidecar's spans through OpenTelemetry's SDK and OTLP exporter (<see cref="SpanExport"/>), against a real
/// OTLP/HTTP receiver on loopback, and against none.
/// </summary>
public sealed class SpanExportTests
{
    private const string CallerParent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

    [Fact]
    public async Task RecordedSpans_ArriveAsOtlp_WithTheHopsIdsParentKindNameAndAttributes()
    {
        await using var receiver = new OtlpReceiver();
        await receiver.InitializeAsync();
        var tracing = Policy(receiver.Port, "1");

        var server = tracing.StartSpan(CallerParent, "vendor=x").ShouldNotBeNull();
        var consumer = tracing.StartDelivery(server.TraceParent, server.TraceState).ShouldNotBeNull();
        tracing.End(consumer, "pubsub/orders", "the delivery failed", [new("messaging.system", "pubsub"), new("messaging.destination.name", "orders")]);
        tracing.End(server, "CallLocal/inventory/reservations", error: null, [new("rpc.service", "ServiceInvocation")]);

        var spans = await Eventually.ReturnsAsync(
            () => Task.FromResult(receiver.Trace("4bf92f3577b34da6a3ce929d0e0e4736")),
            trace => trace.Count >= 2,
            TimeSpan.FromSeconds(30),
            "both spans are exported");
        tracing.Dispose();
        spans.Count.ShouldBe(2);
        spans.ShouldAllBe(s => s.Service == "orders" && s.Scope == SpanExport.ScopeName);
        server.TraceState.ShouldBe("vendor=x");
        spans.Single(s => s.SpanId == server.SpanId).ShouldSatisfyAllConditions(
            s => s.ParentSpanId.ShouldBe("00f067aa0ba902b7", "the hop's span continues the caller's context"),
            s => s.Kind.ShouldBe(ReceivedSpanKind.Server),
            s => s.Name.ShouldBe("CallLocal/inventory/reservations"),
            s => s.Attributes["rpc.service"].ShouldBe("ServiceInvocation"));
        spans.Single(s => s.SpanId == consumer.SpanId).ShouldSatisfyAllConditions(
            s => s.ParentSpanId.ShouldBe(server.SpanId, "the id passed downstream in traceparent is the exported span's"),
            s => s.Kind.ShouldBe(ReceivedSpanKind.Consumer),
            s => s.Attributes["messaging.destination.name"].ShouldBe("orders"));
        receiver.Rejected.ShouldBe(0);
    }

    [Fact]
    public async Task UnsampledSpans_AreNotRecordedOrExported_AndKeepTheirParentsDecision()
    {
        await using var receiver = new OtlpReceiver();
        await receiver.InitializeAsync();
        var tracing = Policy(receiver.Port, "1");

        var unsampled = tracing.StartSpan("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00", null).ShouldNotBeNull();
        var sampled = tracing.StartSpan(null, null).ShouldNotBeNull();
        tracing.End(unsampled, "not sampled", error: null);
        tracing.End(sampled, "sampled", error: null);
        await Eventually.ReturnsAsync(() => Task.FromResult(receiver.Spans), spans => spans.Count > 0, TimeSpan.FromSeconds(30), "the sampled span is exported");
        tracing.Dispose();

        unsampled.Recording.ShouldBeNull();
        unsampled.TraceParent.ShouldEndWith("-00");
        sampled.Recording.ShouldNotBeNull();
        receiver.Spans.Select(s => s.Name).ShouldBe(["sampled"]);
        receiver.Spans[0].ParentSpanId.ShouldBeEmpty("a call without traceparent starts a trace");
    }

    [Fact]
    public void RecordedSpans_DoNotBecomeTheCurrentActivity()
    {
        var tracing = Policy(FreePort.Next(), "1");
        var before = Activity.Current;

        var span = tracing.StartSpan(CallerParent, null).ShouldNotBeNull();
        var during = Activity.Current;
        tracing.End(span, "span", error: null);
        var after = Activity.Current;
        tracing.Dispose();

        span.Recording.ShouldNotBeNull();
        during.ShouldBe(before, "the sidecar's outgoing clients must not pick its spans up");
        after.ShouldBe(before);
    }

    [Fact]
    public async Task BulkPublishEntrySpans_AreProducerChildrenOfTheCall_EndedTogetherWithTheCallsOutcome()
    {
        await using var receiver = new OtlpReceiver();
        await receiver.InitializeAsync();
        var tracing = Policy(receiver.Port, "1");
        var call = tracing.StartSpan(CallerParent, null).ShouldNotBeNull();
        var spans = new BulkPublishSpans(tracing, call, "/dapr.proto.runtime.v1.Dapr/BulkPublishEvent/");

        var first = spans.StartEntry().ShouldNotBeNull();
        var second = spans.StartEntry().ShouldNotBeNull();
        spans.End("Internal");
        tracing.End(call, "/dapr.proto.runtime.v1.Dapr/BulkPublishEvent", "Internal");

        var exported = await Eventually.ReturnsAsync(
            () => Task.FromResult(receiver.Trace("4bf92f3577b34da6a3ce929d0e0e4736")),
            trace => trace.Count >= 3,
            TimeSpan.FromSeconds(30),
            "the call's span and both entries' spans are exported");
        tracing.Dispose();
        first.SpanId.ShouldNotBe(second.SpanId);
        first.TraceParent.ShouldBe($"00-4bf92f3577b34da6a3ce929d0e0e4736-{first.SpanId}-01", "the entry's envelope carries its own span");
        exported.Where(s => s.SpanId == first.SpanId || s.SpanId == second.SpanId).ShouldAllBe(s =>
            s.Kind == ReceivedSpanKind.Producer && s.ParentSpanId == call.SpanId && s.Name == "/dapr.proto.runtime.v1.Dapr/BulkPublishEvent/" && s.Status == ReceivedSpanStatus.Error);
        exported.Count.ShouldBe(3);
    }

    [Fact]
    public void BulkPublishEntrySpans_FollowTheCallsDecision_NoneWithoutTracing_IdsOnlyWhenNotSampled()
    {
        var tracing = Policy(FreePort.Next(), "1");

        new BulkPublishSpans(tracing, call: null, "/v1.0-alpha1/publish/bulk/pubsub/orders").StartEntry().ShouldBeNull("tracing off: no trace fields in the envelope");
        var unsampledCall = tracing.StartSpan("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00", null).ShouldNotBeNull();
        var entry = new BulkPublishSpans(tracing, unsampledCall, "/v1.0-alpha1/publish/bulk/pubsub/orders").StartEntry().ShouldNotBeNull();
        tracing.Dispose();

        entry.Recording.ShouldBeNull("an unsampled call's entries are not recorded");
        entry.TraceParent.ShouldEndWith("-00");
        entry.ParentSpanId.ShouldBe(unsampledCall.SpanId);
    }

    [Fact]
    public void SamplingRateZero_StartsNoSpan()
    {
        var tracing = Policy(FreePort.Next(), "0");

        tracing.StartSpan(CallerParent, null).ShouldBeNull();
        tracing.StartDelivery(CallerParent, null).ShouldBeNull();
        tracing.Dispose();
    }

    [Fact]
    public void ACollectorThatIsDown_CostsNoException_AndStoppingStaysQuick()
    {
        var tracing = Policy(FreePort.Next(), "1");
        for (var i = 0; i < SpanExport.QueueCapacity * 2; i++)
        {
            // More than the queue holds: the rest are dropped, nothing blocks.
            tracing.End(tracing.StartSpan(null, null), "span", error: null);
        }

        var stopping = Stopwatch.StartNew();
        tracing.Dispose();

        stopping.Elapsed.ShouldBeLessThan(TimeSpan.FromSeconds(15), "stopping waits at most 2 s for the queue");
    }

    private static TracingPolicy Policy(int port, string samplingRate) =>
        new(new TracingSettings(samplingRate, Stdout: false, ZipkinEndpoint: null, new OtelSettings($"127.0.0.1:{port}", "http", IsSecure: false)), new Random(7))
        {
            Export = new SpanExport(new OtelSettings($"127.0.0.1:{port}", "http", IsSecure: false), "orders", replica: null),
        };
}

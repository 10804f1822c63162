using BioDapr.Launcher;
using BioDapr.Launcher.Telemetry;

namespace BioDapr.EndToEnd.Tests;

/// <summary>
/// The lab's hop-by-hop reading of order traces (<c>coldstart --trace</c>): unit tests on hand-made spans (no organism), so
/// the table it writes about the first real orders can be trusted.
/// </summary>
public sealed class TraceHopsTests
{
    private const ulong Second = 1_000_000_000;
    private const ulong Ms = 1_000_000;
    private static readonly ulong T0 = 1_800_000_000 * Second;

    private static readonly HopBucket[] Buckets = [new("s0", T0, T0 + Second), new("s1", T0 + Second, T0 + 2 * Second)];

    // One order: the gateway's request (its own time before the pathway: `before` ms), the pathway, orders' request with a
    // state call through its sidecar (`state` ms) and an HTTP call to inventory; all of it starting at `at`.
    private static IEnumerable<ReceivedSpan> Order(string trace, ulong at, double before, double state)
    {
        var b = (ulong)(before * Ms);
        var s = (ulong)(state * Ms);
        yield return Span(trace, "0000000000000001", "", "gateway", "POST /api/orders", ReceivedSpanKind.Server, at, at + b + s + 30 * Ms);
        yield return Span(trace, "0000000000000002", "0000000000000001", "gateway", "pathway orders", ReceivedSpanKind.Internal, at + b, at + b + s + 25 * Ms);
        yield return Span(trace, "0000000000000003", "0000000000000002", "orders", "POST /orders", ReceivedSpanKind.Server, at + b + 2 * Ms, at + b + s + 22 * Ms);
        yield return Span(trace, "0000000000000004", "0000000000000003", "orders", "dapr.proto.runtime.v1.Dapr/GetState", ReceivedSpanKind.Client, at + b + 3 * Ms, at + b + s + 3 * Ms);
        yield return Span(trace, "0000000000000005", "0000000000000004", "orders", "/dapr.proto.runtime.v1.Dapr/GetState", ReceivedSpanKind.Server, at + b + 4 * Ms, at + b + s + 2 * Ms, TraceHops.SidecarScope);
        yield return Span(trace, "0000000000000006", "0000000000000003", "orders", "POST", ReceivedSpanKind.Client, at + b + s + 5 * Ms, at + b + s + 15 * Ms,
            attributes: new Dictionary<string, string> { ["url.full"] = "http://127.0.0.1:3500/v1.0/invoke/inventory/method/reservations/ord-4f2a91c7e3" });
    }

    private static ReceivedSpan Span(string trace, string id, string parent, string service, string name, ReceivedSpanKind kind, ulong start, ulong end,
        string scope = "app", IReadOnlyDictionary<string, string>? attributes = null) =>
        new(service, scope, trace, id, parent, name, kind, attributes ?? new Dictionary<string, string>()) { StartUnixNano = start, EndUnixNano = end };

    [Fact]
    public void Compare_PutsEachOrderInTheSecondItsGatewayRequestStarted_AndShowsWhichHopGrew()
    {
        // s0: three slow orders (the gateway held them 400 ms before the pathway; the state read took 50 ms);
        // s1: two quick ones (5 ms, 2 ms).
        var spans = Order("a".PadLeft(32, '0'), T0 + 10 * Ms, 400, 50)
            .Concat(Order("b".PadLeft(32, '0'), T0 + 300 * Ms, 420, 60))
            .Concat(Order("c".PadLeft(32, '0'), T0 + 600 * Ms, 380, 40))
            .Concat(Order("d".PadLeft(32, '0'), T0 + Second + 10 * Ms, 5, 2))
            .Concat(Order("e".PadLeft(32, '0'), T0 + Second + 500 * Ms, 5, 2))
            // s1: one order refused at the gateway (it never reaches the pathway).
            .Append(Span("7".PadLeft(32, '0'), "0000000000000001", "", "gateway", "POST /api/orders", ReceivedSpanKind.Server, T0 + Second + 700 * Ms, T0 + Second + 701 * Ms))
            // A trace rooted elsewhere (an event delivery) and one outside every bucket are not orders of these seconds.
            .Append(Span("f".PadLeft(32, '0'), "0000000000000001", "", "payments", "POST /events/order-placed", ReceivedSpanKind.Server, T0, T0 + 5 * Ms))
            .Concat(Order("9".PadLeft(32, '0'), T0 + 5 * Second, 900, 900))
            .ToList();

        var table = TraceHops.Compare(spans, Buckets);

        table.Traces["s0"].ShouldBe(3);
        table.Traces["s1"].ShouldBe(3);
        var rows = table.Rows.ToDictionary(r => r.Hop);
        // The gateway's own time outside the pathway (immune, admission, the fair-share queue) is what grew: 400 → 5 ms.
        rows["gateway in POST /api/orders (self)"].Times["s0"].MedianMs.ShouldBe(405, 0.01);
        rows["gateway in POST /api/orders (self)"].Times["s1"].MedianMs.ShouldBe(10, 0.01);
        rows["gateway in POST /api/orders (self)"].Times["s0"].P90Ms.ShouldBe(425, 0.01);
        // The refused order counts in the bucket, not in the times of the hops it never reached.
        rows["gateway pathway orders"].Times["s1"].MedianMs.ShouldBe(27, 0.01);
        rows["gateway pathway orders"].Times["s1"].Share.ShouldBe(0.667, 0.001);
        rows["gateway in POST /api/orders"].Times["s1"].MedianMs.ShouldBe(37, 0.01);
        // The sidecar's span of the state read is its own hop; the client span's time outside it is orders' side of the call.
        rows["orders-sidecar in /dapr.proto.runtime.v1.Dapr/GetState"].Times["s0"].MedianMs.ShouldBe(48, 0.01);
        rows["orders out dapr.proto.runtime.v1.Dapr/GetState (self)"].Times["s1"].MedianMs.ShouldBe(2, 0.01);
        // HttpClient's spans are named by method and path, the order id masked.
        rows.ShouldContainKey("orders out POST /v1.0/invoke/inventory/method/reservations/{id}");
        rows["orders out POST /v1.0/invoke/inventory/method/reservations/{id}"].Times["s1"].CallsPerTrace.ShouldBe(1);
        // Rows in the order requests reach them.
        table.Rows[0].Hop.ShouldBe("gateway in POST /api/orders");
        table.ToMarkdown().ShouldContain("| gateway in POST /api/orders (self) (+0 ms) | 405.0 / 425.0, 1.0, 100 % | 10.0 / 10.0, 1.0, 67 % |");
    }

    [Fact]
    public void Compare_WithNoOrderInABucket_ReportsZeroTracesAndNoTimes()
    {
        var table = TraceHops.Compare(Order("a".PadLeft(32, '0'), T0 + 10 * Ms, 1, 1), Buckets);

        table.Traces["s1"].ShouldBe(0);
        table.Rows.ShouldAllBe(r => !r.Times.ContainsKey("s1"));
        table.ToMarkdown().ShouldContain(" – |");
    }

    [Theory]
    [InlineData("/v1.0/state/statestore", "/v1.0/state/statestore")]
    [InlineData("/v1.0/invoke/orders/method/orders/3f2504e0-4f89-11d3-9a0c-0305e82c3301", "/v1.0/invoke/orders/method/orders/{id}")]
    [InlineData("/dapr.proto.runtime.v1.Dapr/GetState", "/dapr.proto.runtime.v1.Dapr/GetState")]
    [InlineData("/v1.0/state/statestore/stock||apple-042", "/v1.0/state/statestore/{id}")]
    [InlineData("/v1.0/invoke/inventory/method/stock/sku-7", "/v1.0/invoke/inventory/method/stock/{id}")]
    public void MaskIds_MasksIdSegmentsOnly(string path, string masked) => TraceHops.MaskIds(path).ShouldBe(masked);
}

/// <summary>The CPU time per process the lab's cold-start run reads from /proc.</summary>
public sealed class ProcessCpuTests
{
    [Fact]
    public void Parse_CountsTheFieldsAfterTheLastParenthesis_SoACommandNameWithSpacesIsRead()
    {
        // pid (comm) state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime ...
        ProcessCpu.Parse("4242 (dotnet (x) y) S 1 4242 4242 0 -1 4194304 100 0 0 0 250 37 0 0 20 0 30 0").ShouldBe(2870);
    }

    [Fact]
    public void Parse_ALineWithoutTheTimes_IsNull()
    {
        ProcessCpu.Parse("4242 (dotnet) S 1").ShouldBeNull();
        ProcessCpu.Parse("garbage").ShouldBeNull();
    }

    [Fact]
    public void Milliseconds_OfThisProcess_GrowsWithWorkAndIsNullForAProcessThatIsGone()
    {
        var before = ProcessCpu.Milliseconds(Environment.ProcessId);
        before.ShouldNotBeNull();
        // Busy until the kernel has counted at least one more tick (10 ms) for this process; on a loaded machine that takes
        // longer than 10 ms of wall time, so the deadline is generous.
        var deadline = Environment.TickCount64 + 30_000;
        var after = before;
        while (after <= before && Environment.TickCount64 < deadline)
        {
            for (var i = 0; i < 1_000_000; i++)
            {
                after = i == 0 ? ProcessCpu.Milliseconds(Environment.ProcessId) : after;
            }
        }

        after!.Value.ShouldBeGreaterThan(before.Value);
        ProcessCpu.Milliseconds(int.MaxValue).ShouldBeNull();
    }

    [Fact]
    public void RunQueueWaitCounter_OnlyGrows_WhenAThreadEnds_AndCountsANewThreadsWholeWait()
    {
        var reads = new Queue<IReadOnlyDictionary<int, double>?>(
        [
            new Dictionary<int, double> { [10] = 100, [11] = 50 },
            new Dictionary<int, double> { [10] = 120 },               // thread 11 ended: its 50 ms stay counted
            new Dictionary<int, double> { [10] = 130, [12] = 40 },    // thread 12 is new: all of its 40 ms are added
            null,                                                    // the process is gone: the last total
        ]);
        var counter = new RunQueueWaitCounter(_ => reads.Dequeue());

        counter.Milliseconds(7).ShouldBe(150);
        counter.Milliseconds(7).ShouldBe(170);
        counter.Milliseconds(7).ShouldBe(220);
        counter.Milliseconds(7).ShouldBe(220);
    }

    [Fact]
    public void RunQueueWaitByThread_OfThisProcess_ListsItsThreads_AndIsNullForAProcessThatIsGone()
    {
        var threads = ProcessCpu.RunQueueWaitByThread(Environment.ProcessId);
        threads.ShouldNotBeNull();
        threads.Keys.ShouldContain(Environment.ProcessId);
        threads.Values.ShouldAllBe(ms => ms >= 0);
        ProcessCpu.RunQueueWaitByThread(int.MaxValue).ShouldBeNull();
    }
}

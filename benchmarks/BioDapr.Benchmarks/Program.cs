using BioDapr.Benchmarks.Actors;
using BioDapr.Benchmarks.Foundation;
using BioDapr.Benchmarks.Invocation;
using BioDapr.Benchmarks.Grpc;
using BioDapr.Benchmarks.Redis;
using BioDapr.Benchmarks.Sdk;
using BioDapr.Benchmarks.Tracing;
using BioDapr.Benchmarks.Workflows;

// Benchmark commands. Each prints its numbers and writes a JSON results file (see docs/benchmarks.md).
return args.FirstOrDefault() switch
{
    "foundation" => await FoundationBenchmark.RunAsync(args[1..]),
    "actors" => await ActorBenchmark.RunAsync(args[1..]),
    "sdk-overhead" => await SdkOverheadBenchmark.RunAsync(args[1..]),
    "invocation" => await InvocationBenchmark.RunAsync(args[1..]),
    "grpc" => await GrpcBenchmark.RunAsync(args[1..]),
    "workflow" => await WorkflowBenchmark.RunAsync(args[1..]),
    "redis-streams" => await StreamReadBenchmark.RunAsync(args[1..]),
    "sidecar-tracing" => await TracingBenchmark.RunAsync(args[1..]),
    _ => Usage(),
};

static int Usage()
{
    Console.WriteLine("""
        Usage: ./biodapr bench <command> [options]

          foundation   pub/sub through the sidecar (saturation and latency at a fixed rate) and hormone propagation
                       --messages 100000 --concurrency 64 --rate 1000 --seconds 15 --hormones 300 --out docs/benchmarks/foundation.json
          actors       actor calls through the sidecar (one id, many ids) and reminder firing lateness
                       --seconds 10 --concurrency 32 --ids 1000 --reminders 500 --out docs/benchmarks/actors.json
          sdk-overhead the cell SDK's cost: a trivial endpoint, bare minimal API vs. immune + ingress + vitals + pathway (wrk),
                       interleaved rounds with rate, p99, server CPU and bytes allocated per request, and the load average;
                       the server under test pinned to the last core, wrk to the others (--no-pin: share every core)
                       --seconds 6 --connections 32 --runs 12 --out docs/benchmarks/sdk-overhead.json
                       --serve 300: only start both servers (for dotnet-trace/dotnet-counters) and print their ports
                       --alloc-types: instead of the rounds, one loaded run of the cell with its allocation sampled by type
          invocation   service invocation through two sidecars, internal channel open vs. secured (run secret + access control)
                       --seconds 10 --concurrency 32 --rounds 3 --out docs/benchmarks/invocation.json
          grpc         publish, state save and state get through the gRPC API and the HTTP API of one sidecar (same payloads, same Redis):
                       calls/s at saturation and p50/p99 at a fixed open-loop rate
                       --seconds 10 --concurrency 64 --rate 1000 --runs 3 --out docs/benchmarks/grpc.json
          workflow     Dapr.Workflow 1.19.1 SDK: FanOut(3) (3 activities + a 0 s timer) completed/s at saturation, p50/p99
                       schedule→completed at a fixed open-loop rate, activity dispatch latency
                       --seconds 10 --concurrency 64 --rate 50 --runs 3 --out docs/benchmarks/workflow.json
          redis-streams  a Redis Streams consumer group read with XREADGROUP BLOCK (the sidecar's RESP client) vs. polled
                       with StackExchange.Redis (no BLOCK): delivery latency and read commands/s under load and idle
                       --seconds 10 --rate 500 --idle-seconds 5 --poll-ms 1,10,50 --out docs/benchmarks/redis-streams.json
          sidecar-tracing  the sidecar's tracing on the hot path: one HTTP API call at saturation with tracing off, ids only,
                       sampled out and sampled (exported with OpenTelemetry's SDK to a collector on loopback), interleaved:
                       calls/s, bytes allocated and CPU per call
                       --seconds 10 --concurrency 32 --runs 3 --out docs/benchmarks/sidecar-tracing.json
        """);
    return 2;
}

using System.Buffers.Binary;
using BioDapr.Testing;
using Dapr.DurableTask.Protobuf;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Logging;

namespace BioDapr.Sidecar.WorkflowTests.Infrastructure;

/// <summary>
/// A stand-in for the sidecar's worker side, for replay checks: it serves <c>TaskHubSidecarService</c> on
/// loopback (gRPC over h2c, framed by hand), hands the connecting SDK worker exactly one workflow turn — a finished
/// instance's stored history as the past events, minus its completion — and records the actions the worker answers.
/// A deterministic workflow schedules nothing new and completes with the stored result.
/// </summary>
internal sealed class ReplayHub : IAsyncDisposable
{
    private readonly TaskCompletionSource<WorkflowResponse> _answer = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _stopping = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly WorkItem _turn;
    private WebApplication? _app;
    private int _handedOut;

    private ReplayHub(WorkItem turn, int port)
    {
        _turn = turn;
        Endpoint = $"http://127.0.0.1:{port}";
    }

    public string Endpoint { get; }

    /// <summary>The worker's answer to the replayed turn.</summary>
    public Task<WorkflowResponse> Answer => _answer.Task;

    /// <summary>Serves one turn replaying <paramref name="history"/> (a finished instance's, up to its ExecutionCompleted).</summary>
    public static async Task<ReplayHub> StartAsync(string instanceId, IReadOnlyList<HistoryEvent> history)
    {
        var past = history.TakeWhile(e => e.ExecutionCompleted is null).ToList();
        past.Count.ShouldBeLessThan(history.Count, "the instance must be finished (its history ends with ExecutionCompleted)");
        var request = new WorkflowRequest { InstanceId = instanceId };
        if (past.FirstOrDefault(e => e.ExecutionStarted is not null)?.ExecutionStarted.WorkflowInstance?.ExecutionId is { } executionId)
        {
            request.ExecutionId = executionId;
        }

        request.PastEvents.AddRange(past);
        request.NewEvents.Add(new HistoryEvent { EventId = -1, Timestamp = Timestamp.FromDateTime(DateTime.UtcNow), WorkflowStarted = new WorkflowStartedEvent() });
        var hub = new ReplayHub(new WorkItem { WorkflowRequest = request, CompletionToken = "replay-1" }, FreePort.Next());
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(System.Net.IPAddress.Loopback, int.Parse(hub.Endpoint[(hub.Endpoint.LastIndexOf(':') + 1)..], System.Globalization.CultureInfo.InvariantCulture), o => o.Protocols = HttpProtocols.Http2));
        var app = builder.Build();
        app.MapPost("/TaskHubSidecarService/{method}", hub.HandleAsync);
        await app.StartAsync();
        hub._app = app;
        return hub;
    }

    private async Task HandleAsync(HttpContext context, string method)
    {
        context.Response.ContentType = "application/grpc";
        var body = await ReadMessageAsync(context.Request.Body, context.RequestAborted);
        switch (method)
        {
            case "GetWorkItems":
                // One turn, to the first worker stream only; then the stream stays open until the hub stops.
                if (Interlocked.Exchange(ref _handedOut, 1) == 0)
                {
                    await WriteMessageAsync(context, _turn);
                }

                await _stopping.Task.WaitAsync(context.RequestAborted).ContinueWith(_ => { }, TaskScheduler.Default);
                break;
            case "CompleteOrchestratorTask" or "CompleteWorkflowTask":
                _answer.TrySetResult(WorkflowResponse.Parser.ParseFrom(body));
                await WriteMessageAsync(context, new CompleteTaskResponse());
                break;
            default:
                // Hello, AbandonTask…: an empty answer.
                await WriteMessageAsync(context, new Empty());
                break;
        }

        context.Response.AppendTrailer("grpc-status", "0");
    }

    private static async Task<byte[]> ReadMessageAsync(Stream body, CancellationToken cancellationToken)
    {
        var header = new byte[5];
        var read = 0;
        while (read < 5)
        {
            var n = await body.ReadAsync(header.AsMemory(read), cancellationToken);
            if (n == 0)
            {
                return [];
            }

            read += n;
        }

        var message = new byte[BinaryPrimitives.ReadUInt32BigEndian(header.AsSpan(1))];
        await body.ReadExactlyAsync(message, cancellationToken);
        return message;
    }

    private static async Task WriteMessageAsync(HttpContext context, IMessage message)
    {
        var payload = message.ToByteArray();
        var frame = new byte[5 + payload.Length];
        BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(1), (uint)payload.Length);
        payload.CopyTo(frame, 5);
        await context.Response.Body.WriteAsync(frame, context.RequestAborted);
        await context.Response.Body.FlushAsync(context.RequestAborted);
    }

    public async ValueTask DisposeAsync()
    {
        _stopping.TrySetResult();
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
    }
}

using System.Net;
using BioDapr.Sidecar.Api;
using BioDapr.Sidecar.BuildingBlocks;
using BioDapr.Sidecar.Grpc;
using BioDapr.Sidecar.Invocation;
using BioDapr.Sidecar.Workflows;
using Grpc.AspNetCore.Server.Model;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

namespace BioDapr.Sidecar.Runtime;

/// <summary>
/// Hosts one sidecar: the Dapr HTTP API on <see cref="HttpPort"/>, the Dapr gRPC API on <see cref="GrpcPort"/>
/// (HTTP/2 without TLS) and the sidecar-to-sidecar endpoint on <see cref="InternalPort"/>. Both front ends
/// run on the same <see cref="BuildingBlockServices"/>. Used by the daprd command line and, in process, by tests.
/// </summary>
internal sealed partial class SidecarHost : IAsyncDisposable
{
    private readonly WebApplication _web;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _background = new();
    private Task _connect = Task.CompletedTask;
    private Task _healthMonitor = Task.CompletedTask;
    private int _stopped;

    private SidecarHost(SidecarRuntime runtime, WebApplication web, int httpPort, int internalPort, int grpcPort, ILogger logger)
    {
        Runtime = runtime;
        _web = web;
        HttpPort = httpPort;
        InternalPort = internalPort;
        GrpcPort = grpcPort;
        _logger = logger;
    }

    public SidecarRuntime Runtime { get; }

    public int HttpPort { get; }

    public int InternalPort { get; }

    public int GrpcPort { get; }

    /// <summary>Completes when the app is connected and subscriptions run (or faults when that failed).</summary>
    public Task AppConnected => _connect;

    /// <summary>Starts a sidecar. Throws <see cref="SidecarStartupException"/> with a clear message when it cannot.</summary>
    public static async Task<SidecarHost> StartAsync(
        SidecarSettings settings, ILoggerFactory loggerFactory, TimeProvider time, Random random, CancellationToken cancellationToken)
    {
        var logger = loggerFactory.CreateLogger("BioDapr.Sidecar");
        var runtime = await SidecarRuntime.CreateAsync(settings, loggerFactory, time, random, cancellationToken);
        WebApplication web;
        try
        {
            web = BuildWeb(settings, runtime, loggerFactory);
            await web.StartAsync(cancellationToken);
        }
        catch (IOException ex)
        {
            await runtime.DisposeAsync();
            throw new SidecarStartupException($"cannot listen on the Dapr HTTP port {settings.HttpPort}, gRPC port {settings.GrpcPort} or internal port {settings.InternalPort}: {ex.Message}", ex);
        }

        var ports = web.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses
            .Select(a => new Uri(a).Port)
            .ToList();
        var httpPort = settings.HttpPort != 0 ? settings.HttpPort : ports[0];
        var internalPort = settings.InternalPort != 0 ? settings.InternalPort : ports[1];
        var grpcPort = settings.GrpcPort != 0 ? settings.GrpcPort : ports[2];
        var portMap = web.Services.GetRequiredService<PortMap>();
        portMap.InternalPort = internalPort;
        portMap.GrpcPort = grpcPort;

        var host = new SidecarHost(runtime, web, httpPort, internalPort, grpcPort, logger);
        runtime.Health.SetOutboundReady();
        await runtime.NameResolver.RegisterAsync(
            new NameResolutionEntry(settings.AppId, internalPort, httpPort, Environment.ProcessId, [])
            {
                InstanceId = FileNameResolver.InstanceOf(Environment.ProcessId, settings.Replica),
                AppReady = !runtime.HasApp,
            },
            cancellationToken);
        Log.Listening(logger, settings.AppId, httpPort, grpcPort, internalPort);
        await RecoverWorkflowsAsync(web.Services.GetRequiredService<WorkflowEngine>(), logger, cancellationToken);
        host._connect = host.ConnectAsync(host._background.Token);
        return host;
    }

    /// <summary>Stops deliveries, closes subscriptions, stops listening and releases components.</summary>
    public async Task StopAsync()
    {
        if (Interlocked.Exchange(ref _stopped, 1) == 1)
        {
            return;
        }

        // Out of rotation first: no new calls are routed here while deliveries stop and in-flight calls finish.
        Runtime.NameResolver.Unregister(Runtime.Settings.AppId);
        using var grace = new CancellationTokenSource(Runtime.Settings.GracefulShutdown + Runtime.Settings.DrainDelay);
        await _background.CancelAsync();
        await Runtime.StopAsync(grace.Token);
        if (Runtime.Settings.DrainDelay > TimeSpan.Zero)
        {
            await Task.Delay(Runtime.Settings.DrainDelay, Runtime.Time, CancellationToken.None);
        }

        await _web.StopAsync(grace.Token);
        await Task.WhenAll(_connect.ContinueWith(_ => { }, TaskScheduler.Default), _healthMonitor.ContinueWith(_ => { }, TaskScheduler.Default));
        Log.Stopped(_logger, Runtime.Settings.AppId);
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        await _web.Services.GetRequiredService<WorkflowEngine>().DisposeAsync();
        await _web.DisposeAsync();
        await Runtime.DisposeAsync();
        _background.Dispose();
    }

    private static WebApplication BuildWeb(SidecarSettings settings, SidecarRuntime runtime, ILoggerFactory loggerFactory)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Services.AddSingleton(loggerFactory);
        builder.Services.AddSingleton(new PortMap { InternalPort = settings.InternalPort, GrpcPort = settings.GrpcPort });
        var services = new BuildingBlockServices(runtime);
        builder.Services.AddSingleton(runtime);
        builder.Services.AddSingleton(services);
        builder.Services.AddSingleton<StreamingSubscriptions>();
        builder.Services.AddSingleton<IServiceMethodProvider<DaprGrpcService>, DaprGrpcMethods>();
        builder.Services.AddSingleton(services.Workflows);
        builder.Services.AddSingleton<IServiceMethodProvider<TaskHubGrpcService>, TaskHubGrpcMethods>();
        builder.Services.AddGrpc(grpc =>
        {
            // --max-body-size applies to gRPC messages too: larger ones fail with ResourceExhausted, as in daprd.
            grpc.MaxReceiveMessageSize = (int)Math.Min(int.MaxValue, settings.MaxBodySize);
            grpc.MaxSendMessageSize = (int)Math.Min(int.MaxValue, settings.MaxBodySize);
            grpc.EnableDetailedErrors = false;
        });
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            // The HTTP API applies --max-body-size itself (413 with daprd's error body).
            kestrel.Limits.MaxRequestBodySize = null;
            kestrel.AddServerHeader = false;
            kestrel.Listen(IPAddress.Parse(settings.ListenAddress), settings.HttpPort);
            kestrel.Listen(IPAddress.Loopback, settings.InternalPort);
            kestrel.Listen(IPAddress.Parse(settings.ListenAddress), settings.GrpcPort, listen => listen.Protocols = Microsoft.AspNetCore.Server.Kestrel.Core.HttpProtocols.Http2);
        });
        var web = builder.Build();
        var api = new DaprHttpApi(runtime, services);
        var ports = web.Services.GetRequiredService<PortMap>();
        web.MapWhen(
            context => context.Connection.LocalPort == ports.GrpcPort,
            grpc =>
            {
                grpc.UseRouting();
                grpc.UseEndpoints(endpoints =>
                {
                    endpoints.MapGrpcService<DaprGrpcService>();
                    endpoints.MapGrpcService<TaskHubGrpcService>();
                });
            });
        var channelLogger = loggerFactory.CreateLogger("BioDapr.Sidecar.Invocation");
        web.Run(context => context.Connection.LocalPort == ports.InternalPort
            ? InternalChannel.HandleAsync(runtime, context, channelLogger)
            : api.HandleAsync(context));
        return web;
    }

    // Instances that were running when the sidecar stopped (or was killed) go on: timers re-armed, activities and
    // turns handed out again once a worker connects, undelivered messages delivered.
    private static async Task RecoverWorkflowsAsync(WorkflowEngine engine, ILogger logger, CancellationToken cancellationToken)
    {
        try
        {
            await engine.RecoverAsync(cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            Log.WorkflowRecoveryFailed(logger, ex.Message);
        }
    }

    private async Task ConnectAsync(CancellationToken cancellationToken)
    {
        try
        {
            await Runtime.ConnectAppAsync(cancellationToken);
            await Runtime.NameResolver.UpdateOwnAsync(own => own with { AppReady = true }, cancellationToken);
            if (Runtime.Settings.EnableAppHealthCheck && Runtime.HasApp)
            {
                _healthMonitor = MonitorAppHealthAsync(cancellationToken);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Stopping before the app came up.
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // The sidecar stays up (outbound API usable) but never reports ready, as daprd does.
            Log.ConnectFailed(_logger, Runtime.Settings.AppId, ex.Message);
            throw;
        }
    }

    // While the app is unhealthy (threshold consecutive failed probes) daprd stops its subscriptions.
    private async Task MonitorAppHealthAsync(CancellationToken cancellationToken)
    {
        var sink = Runtime.EventSink!;
        var failures = 0;
        var healthy = true;
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                await Task.Delay(Runtime.Settings.AppHealthProbeInterval, Runtime.Time, cancellationToken);
                var ok = await Runtime.ProbeAppHealthAsync(cancellationToken);
                failures = ok ? 0 : failures + 1;
                if (healthy && failures >= Runtime.Settings.AppHealthThreshold)
                {
                    healthy = false;
                    Log.AppUnhealthy(_logger, Runtime.Settings.AppId);
                    await Runtime.NameResolver.UpdateOwnAsync(own => own with { AppReady = false }, cancellationToken);
                    await Runtime.Subscriptions.StopAsync();
                }
                else if (!healthy && ok)
                {
                    healthy = true;
                    Log.AppHealthy(_logger, Runtime.Settings.AppId);
                    await Runtime.Subscriptions.StartAsync(sink, cancellationToken);
                    await Runtime.NameResolver.UpdateOwnAsync(own => own with { AppReady = true }, cancellationToken);
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Stopping.
        }
    }

    /// <summary>Lets the request pipeline know the internal port once Kestrel picked it.</summary>
    private sealed class PortMap
    {
        public int InternalPort { get; set; }

        public int GrpcPort { get; set; }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 64, Level = LogLevel.Error, Message = "Sidecar {AppId} could not connect to its app: {Reason}")]
        public static partial void ConnectFailed(ILogger logger, string appId, string reason);

        [LoggerMessage(EventId = 60, Level = LogLevel.Information, Message = "Sidecar {AppId}: Dapr HTTP API on port {HttpPort}, gRPC API on port {GrpcPort}, internal port {InternalPort}")]
        public static partial void Listening(ILogger logger, string appId, int httpPort, int grpcPort, int internalPort);

        [LoggerMessage(EventId = 65, Level = LogLevel.Error, Message = "Resuming the workflows of the last run failed: {Reason}")]
        public static partial void WorkflowRecoveryFailed(ILogger logger, string reason);

        [LoggerMessage(EventId = 61, Level = LogLevel.Information, Message = "Sidecar {AppId} stopped")]
        public static partial void Stopped(ILogger logger, string appId);

        [LoggerMessage(EventId = 62, Level = LogLevel.Warning, Message = "App {AppId} is unhealthy: subscriptions stopped")]
        public static partial void AppUnhealthy(ILogger logger, string appId);

        [LoggerMessage(EventId = 63, Level = LogLevel.Information, Message = "App {AppId} is healthy again: subscriptions restarted")]
        public static partial void AppHealthy(ILogger logger, string appId);
    }
}

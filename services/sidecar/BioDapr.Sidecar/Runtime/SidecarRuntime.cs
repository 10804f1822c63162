using BioDapr.Sidecar.Actors;
using System.Collections.Concurrent;
using BioDapr.Sidecar.AppChannel;
using BioDapr.Sidecar.Components;
using BioDapr.Sidecar.Invocation;
using BioDapr.Sidecar.Messaging;
using BioDapr.Sidecar.Resiliency;
using BioDapr.Sidecar.Resources;
using BioDapr.Sidecar.Security;
using BioDapr.Sidecar.Tracing;

namespace BioDapr.Sidecar.Runtime;

/// <summary>
/// The state of one running sidecar: settings, loaded resources and components, resiliency, the app
/// channel, subscriptions and readiness. Built by <see cref="CreateAsync"/> (components loaded, API
/// usable), then connected to the app by <see cref="ConnectAppAsync"/>, following daprd's startup order.
/// </summary>
internal sealed partial class SidecarRuntime : IAsyncDisposable
{
    /// <summary>The daprd version whose protocol this sidecar follows.</summary>
    public const string RuntimeVersion = "1.18.3";

    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stopping = new();

    // Cancelled GracefulShutdown after _stopping: deliveries in flight at the stop may finish until then (daprd waits for them).
    private readonly CancellationTokenSource _deliveriesCut = new();
    private readonly SemaphoreSlim _actorsGate = new(1, 1);
    private readonly TaskCompletionSource<bool> _shutdownRequested = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private SidecarRuntime(
        SidecarSettings settings,
        LoadedResources resources,
        SidecarConfiguration configuration,
        ComponentStore components,
        ResiliencyProvider resiliency,
        TimeProvider time,
        Random random,
        ILoggerFactory loggerFactory)
    {
        Settings = settings;
        Resources = resources;
        Configuration = configuration;
        Components = components;
        Resiliency = resiliency;
        Time = time;
        Random = random;
        LoggerFactory = loggerFactory;
        _logger = loggerFactory.CreateLogger("BioDapr.Sidecar.Runtime");
        Tracing = new TracingPolicy(configuration.Tracing, random)
        {
            Time = time,
            Export = configuration.Tracing is { Enabled: true, Otel.EndpointAddress: not null }
                ? new SpanExport(configuration.Tracing.Otel, settings.AppId, settings.Replica)
                : null,
        };
        Publisher = new Publisher(components, resiliency, settings.AppId, loggerFactory.CreateLogger("BioDapr.Sidecar.Messaging"));
        AccessControl = AccessControlPolicy.Create(configuration.AccessControl, isHttp: true);
        Peers = new PeerAuthenticator(settings.InternalSecret, SidecarIdentity.Of(settings.AppId, settings.Namespace, AccessControl), time);
        NameResolver = new FileNameResolver(settings.NameResolutionDirectory, Peers);
        if (settings.AppPort is { } port and > 0 && settings.AppUsesGrpc)
        {
            GrpcAppChannel = new GrpcAppChannel(settings.AppChannelAddress, port, settings.AppApiToken, settings.AppMaxConcurrency, settings.MaxBodySize);
            EventSink = GrpcAppChannel;
        }
        else if (settings.AppPort is { } httpPort and > 0)
        {
            AppChannel = new AppChannelClient(settings.AppChannelAddress, httpPort, settings.AppApiToken, settings.AppMaxConcurrency, settings.AppHealthCheckPath);
            EventSink = new HttpEventSink(AppChannel);
        }

        var delivery = new DeliveryServices(Publisher, resiliency, Tracing, time, _stopping.Token, _deliveriesCut.Token);
        Subscriptions = new SubscriptionManager(delivery, settings, resources, components, loggerFactory.CreateLogger("BioDapr.Sidecar.Messaging"));
        ConfigurationUpdates = new ConfigurationUpdateDispatcher(components, AppChannel, resiliency, loggerFactory.CreateLogger("BioDapr.Sidecar.Configuration"), _stopping.Token);
        Invoker = new ServiceInvoker(settings, NameResolver, Peers, AccessControl, resiliency, AppChannel, GrpcAppChannel, loggerFactory.CreateLogger("BioDapr.Sidecar.Invocation"));

        // daprd serves the app-initiated actor stream with a gRPC app channel, or without any app channel.
        ActorCallbacks = AppChannel is null ? new ActorCallbackStream() : null;
        ExtendedMetadata["daprRuntimeVersion"] = RuntimeVersion;
    }

    public SidecarSettings Settings { get; }

    public LoadedResources Resources { get; }

    public SidecarConfiguration Configuration { get; }

    public ComponentStore Components { get; }

    public ResiliencyProvider Resiliency { get; }

    public TimeProvider Time { get; }

    /// <summary>The injected randomness (seeded in tests and benchmarks); lock it to use it.</summary>
    public Random Random { get; }

    public ILoggerFactory LoggerFactory { get; }

    public TracingPolicy Tracing { get; }

    public Publisher Publisher { get; }

    public FileNameResolver NameResolver { get; }

    /// <summary>The access control list applied to calls from other sidecars; null when the Configuration has none.</summary>
    public AccessControlPolicy? AccessControl { get; }

    /// <summary>Authenticates this sidecar to its peers, and its peers to it, on the internal channel.</summary>
    public PeerAuthenticator Peers { get; }

    public SubscriptionManager Subscriptions { get; }

    public ConfigurationUpdateDispatcher ConfigurationUpdates { get; }

    public ServiceInvoker Invoker { get; }

    /// <summary>The actor runtime, once the app's <c>/dapr/config</c> was read; null without an actor state store or app.</summary>
    public ActorRuntime? Actors { get; private set; }

    /// <summary>The app-initiated actor stream (<c>SubscribeActorEventsAlpha1</c>); null with an HTTP app channel.</summary>
    public ActorCallbackStream? ActorCallbacks { get; }

    /// <summary>The HTTP app channel (<c>--app-protocol http</c>); null without an app or with a gRPC app.</summary>
    public AppChannelClient? AppChannel { get; }

    /// <summary>The gRPC app channel (<c>--app-protocol grpc</c>); null otherwise.</summary>
    public GrpcAppChannel? GrpcAppChannel { get; }

    /// <summary>Where the app's subscriptions deliver (the app channel of either protocol); null without an app.</summary>
    public IEventSink? EventSink { get; }

    /// <summary>True when there is an app to talk to (either protocol).</summary>
    public bool HasApp => EventSink is not null;

    /// <summary>Probes the app's health over its protocol.</summary>
    public Task<bool> ProbeAppHealthAsync(CancellationToken cancellationToken) =>
        GrpcAppChannel is { } grpc
            ? grpc.ProbeHealthAsync(Settings.AppHealthProbeTimeout, cancellationToken)
            : AppChannel!.ProbeHealthAsync(Settings.AppHealthProbeTimeout, cancellationToken);

    public SidecarHealth Health { get; } = new();

    /// <summary>Extended metadata (<c>PUT /v1.0/metadata/{key}</c>).</summary>
    public ConcurrentDictionary<string, string> ExtendedMetadata { get; } = new(StringComparer.Ordinal);

    /// <summary>Names of the Resiliency resources in effect.</summary>
    public IReadOnlyList<string> ResiliencyNames => Resources.Resiliencies.Select(r => r.Name).ToList();

    /// <summary>Cancelled when the sidecar starts stopping.</summary>
    public CancellationToken Stopping => _stopping.Token;

    /// <summary>Completes when a shutdown was requested through the API; the value says whether it was forced.</summary>
    public Task<bool> ShutdownRequested => _shutdownRequested.Task;

    /// <summary>Loads configuration, resources and components (daprd startup steps 1–3).</summary>
    public static async Task<SidecarRuntime> CreateAsync(
        SidecarSettings settings, ILoggerFactory loggerFactory, TimeProvider time, Random random, CancellationToken cancellationToken)
    {
        var logger = loggerFactory.CreateLogger("BioDapr.Sidecar.Runtime");
        SidecarConfiguration configuration;
        LoadedResources resources;
        try
        {
            configuration = SidecarConfigurationLoader.Load(settings.ConfigFiles, settings.GetEnvironmentVariable);
            resources = ResourceLoader.Load(settings.ResourcesPaths, settings.AppId);
        }
        catch (ResourceLoadException ex)
        {
            throw new SidecarStartupException(ex.Message, ex);
        }

        foreach (var warning in resources.Warnings.Concat(configuration.Warnings))
        {
            Log.ResourceWarning(logger, warning);
        }

        var factory = new ComponentFactory(loggerFactory, time, settings.WorkingDirectory);
        var components = await new ComponentLoader(settings, factory, logger).LoadAsync(resources.Components, cancellationToken);
        var resiliency = new ResiliencyProvider(resources.Resiliencies, time, random, loggerFactory.CreateLogger<ResiliencyProvider>());
        return new SidecarRuntime(settings, resources, configuration, components, resiliency, time, random, loggerFactory);
    }

    /// <summary>
    /// daprd startup steps 4–7: wait for the app port, (health), read the app's subscriptions, start
    /// them, become ready. Without an app port the sidecar is ready at once.
    /// </summary>
    public async Task ConnectAppAsync(CancellationToken cancellationToken)
    {
        if (GrpcAppChannel is { } grpc)
        {
            await ConnectGrpcAppAsync(grpc, cancellationToken);
            return;
        }

        if (AppChannel is not { } channel)
        {
            Health.SetReady();
            return;
        }

        Log.WaitingForApp(_logger, channel.BaseAddress);
        await channel.WaitForPortAsync(Time, cancellationToken);
        if (Settings.EnableAppHealthCheck)
        {
            while (!await channel.ProbeHealthAsync(Settings.AppHealthProbeTimeout, cancellationToken))
            {
                await Task.Delay(Settings.AppHealthProbeInterval, Time, cancellationToken);
            }
        }

        Log.AppConnected(_logger, channel.BaseAddress);
        await StartActorsAsync(channel, cancellationToken);
        await Subscriptions.LoadAsync(channel, cancellationToken);
        await Subscriptions.StartAsync(EventSink!, cancellationToken);
        Health.SetReady();
        Log.Ready(_logger, Settings.AppId);
    }

    // The same steps for an app that serves AppCallback: no actors (daprd reads the actor configuration over
    // HTTP only), subscriptions from ListTopicSubscriptions.
    private async Task ConnectGrpcAppAsync(GrpcAppChannel channel, CancellationToken cancellationToken)
    {
        Log.WaitingForGrpcApp(_logger, channel.ChannelAddress, channel.Port);
        await channel.WaitForPortAsync(Time, cancellationToken);
        if (Settings.EnableAppHealthCheck)
        {
            while (!await channel.ProbeHealthAsync(Settings.AppHealthProbeTimeout, cancellationToken))
            {
                await Task.Delay(Settings.AppHealthProbeInterval, Time, cancellationToken);
            }
        }

        await Subscriptions.LoadAsync(channel.ListTopicSubscriptionsAsync, cancellationToken);
        await Subscriptions.StartAsync(channel, cancellationToken);
        Health.SetReady();
        Log.Ready(_logger, Settings.AppId);
    }

    // daprd reads GET /dapr/config once, after the app port opened and before subscriptions; the
    // actor runtime exists only with an actor state store.
    private async Task StartActorsAsync(AppChannelClient channel, CancellationToken cancellationToken)
    {
        if (Components.ActorStateStore is null)
        {
            return;
        }

        var config = ActorAppConfig.None;
        if (!Settings.DisabledInitEndpoints.Contains("config"))
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "/dapr/config");
            request.Content = new ByteArrayContent([]);
            request.Content.Headers.TryAddWithoutValidation("Content-Type", "application/json");
            try
            {
                var answer = await channel.SendAsync(request, keepHeaders: false, cancellationToken);
                config = answer.StatusCode == 200 ? ActorAppConfig.Parse(answer.Body) : ActorAppConfig.None;
            }
            catch (HttpRequestException ex)
            {
                Log.ResourceWarning(_logger, $"could not read the app's /dapr/config ({ex.Message}); no actors are hosted");
            }
        }

        await HostActorsAsync(new HttpActorCallbackChannel(channel), config, cancellationToken);
    }

    /// <summary>
    /// Hosts the app's actor types (replacing what was hosted before): builds the actor runtime over
    /// <paramref name="channel"/>, publishes the types for placement and starts reminders and deactivation.
    /// </summary>
    public async Task HostActorsAsync(IActorCallbackChannel channel, ActorAppConfig config, CancellationToken cancellationToken)
    {
        await _actorsGate.WaitAsync(cancellationToken);
        try
        {
            await StopActorsAsync(cancellationToken);
            var actors = new ActorRuntime(
                config,
                channel,
                Components.ActorStateStore,
                NameResolver,
                Peers,
                Settings.AppId,
                Settings.MaxBodySize,
                Time,
                Random,
                LoggerFactory.CreateLogger("BioDapr.Sidecar.Actors"));
            if (config.Types.Count > 0)
            {
                await NameResolver.UpdateOwnAsync(own => own with { ActorTypes = [.. config.Types.Keys] }, cancellationToken);
            }

            await actors.StartAsync(cancellationToken);
            Actors = actors;
        }
        finally
        {
            _actorsGate.Release();
        }
    }

    private async Task StopActorsAsync(CancellationToken cancellationToken)
    {
        if (Actors is not { } previous)
        {
            return;
        }

        Actors = null;
        if (previous.HostedTypes.Count > 0)
        {
            await NameResolver.UpdateOwnAsync(own => own with { ActorTypes = [] }, cancellationToken);
        }

        await previous.DisposeAsync();
    }

    /// <summary>Asks the host to stop (the <c>/v1.0/shutdown</c> API).</summary>
    public void RequestShutdown(bool force) => _shutdownRequested.TrySetResult(force);

    /// <summary>
    /// Stops deliveries and closes configuration subscriptions. As daprd's subscription Stop: no new delivery starts,
    /// deliveries in flight may finish (and are acknowledged) within the graceful shutdown; messages read but not
    /// delivered, and deliveries cut at its end, stay unacknowledged and are redelivered (another replica claims them
    /// once idle for the component's processingTimeout).
    /// </summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        Health.SetNotReady("runtime");
        _deliveriesCut.CancelAfter(Settings.GracefulShutdown);
        await _stopping.CancelAsync();
        await Subscriptions.StopAsync();
        await ConfigurationUpdates.CloseAllAsync(cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        if (!_stopping.IsCancellationRequested)
        {
            await _stopping.CancelAsync();
        }

        await _deliveriesCut.CancelAsync();

        await Subscriptions.DisposeAsync();
        if (Actors is { } actors)
        {
            await actors.DisposeAsync();
        }

        _actorsGate.Dispose();

        await Components.DisposeAsync();
        Invoker.Dispose();
        AppChannel?.Dispose();
        GrpcAppChannel?.Dispose();
        Tracing.Dispose();

        _stopping.Dispose();
        _deliveriesCut.Dispose();
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 50, Level = LogLevel.Warning, Message = "{Warning}")]
        public static partial void ResourceWarning(ILogger logger, string warning);

        [LoggerMessage(EventId = 51, Level = LogLevel.Information, Message = "Waiting for the app on {Address}")]
        public static partial void WaitingForApp(ILogger logger, Uri address);

        [LoggerMessage(EventId = 54, Level = LogLevel.Information, Message = "Waiting for the gRPC app on {Address}:{Port}")]
        public static partial void WaitingForGrpcApp(ILogger logger, string address, int port);

        [LoggerMessage(EventId = 52, Level = LogLevel.Information, Message = "App connected on {Address}")]
        public static partial void AppConnected(ILogger logger, Uri address);

        [LoggerMessage(EventId = 53, Level = LogLevel.Information, Message = "Sidecar for app {AppId} is ready")]
        public static partial void Ready(ILogger logger, string appId);
    }
}

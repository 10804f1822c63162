using System.Text.Json;
using System.Threading.Channels;
using Dapr.Client;
using NSubstitute;

namespace BioDapr.Cell.Tests;

/// <summary>
/// The edge of a cell's unit tests: a substitute <see cref="DaprClient"/> that answers like a sidecar for what the
/// cell SDK calls through it (health, configuration get and subscription streams, publishing) and records the calls.
/// A configuration stream opens with an empty message (daprd sends the subscription id first), then carries what
/// <see cref="PushAsync"/> writes; <see cref="EndStream"/> ends it as a restarted sidecar would.
/// </summary>
internal sealed class FakeDapr
{
    private readonly Lock _gate = new();
    private readonly List<(string Store, IReadOnlyList<string> Keys, IReadOnlyDictionary<string, string>? Metadata)> _gets = [];
    private readonly List<(string Store, IReadOnlyList<string> Keys, IReadOnlyDictionary<string, string>? Metadata)> _subscribes = [];
    private readonly List<(string PubSub, string Topic, object? Data, Dictionary<string, string> Metadata)> _published = [];
    private Channel<IDictionary<string, ConfigurationItem>>? _stream;
    private int _version;
    private int _outboundHealthChecks;
    private volatile Func<bool> _outboundHealth = () => true;

    public FakeDapr(Dictionary<string, string> store)
    {
        Store = store;
        Client = Substitute.For<DaprClient>();
        Client.JsonSerializerOptions.Returns(new JsonSerializerOptions(JsonSerializerDefaults.Web));
        Client.WaitForSidecarAsync(Arg.Any<CancellationToken>()).Returns(Task.CompletedTask);
        Client.CheckHealthAsync(Arg.Any<CancellationToken>()).Returns(true);
        Client.CheckOutboundHealthAsync(Arg.Any<CancellationToken>()).Returns(_ => CheckOutboundHealth());
        Client.GetMetadataAsync(Arg.Any<CancellationToken>()).Returns(new DaprMetadata("test-cell", [], new Dictionary<string, string>(), [new DaprComponentsMetadata("statestore", "state.in-memory", "v1", ["ETAG", "TRANSACTIONAL"])]));
        Client.GetConfiguration(Arg.Any<string>(), Arg.Any<IReadOnlyList<string>>(), Arg.Any<IReadOnlyDictionary<string, string>>(), Arg.Any<CancellationToken>())
            .Returns(call => Get(call.ArgAt<string>(0), call.ArgAt<IReadOnlyList<string>>(1), call.ArgAt<IReadOnlyDictionary<string, string>?>(2)));
        Client.SubscribeConfiguration(Arg.Any<string>(), Arg.Any<IReadOnlyList<string>>(), Arg.Any<IReadOnlyDictionary<string, string>>(), Arg.Any<CancellationToken>())
            .Returns(call => Subscribe(call.ArgAt<string>(0), call.ArgAt<IReadOnlyList<string>>(1), call.ArgAt<IReadOnlyDictionary<string, string>?>(2)));
        Client.PublishEventAsync(Arg.Any<string>(), Arg.Any<string>(), Arg.Any<Arg.AnyType>(), Arg.Any<Dictionary<string, string>>(), Arg.Any<CancellationToken>())
            .Returns(call =>
            {
                lock (_gate)
                {
                    _published.Add((call.ArgAt<string>(0), call.ArgAt<string>(1), call.Args()[2], call.ArgAt<Dictionary<string, string>>(3)));
                }

                return Task.CompletedTask;
            });
    }

    public DaprClient Client { get; }

    /// <summary>What <see cref="DaprClient.CheckOutboundHealthAsync"/> answers (true unless a test says otherwise; it may throw).</summary>
    public Func<bool> OutboundHealth
    {
        get => _outboundHealth;
        set => _outboundHealth = value;
    }

    /// <summary>How often the cell asked the sidecar's outbound health.</summary>
    public int OutboundHealthChecks => Volatile.Read(ref _outboundHealthChecks);

    /// <summary>The configuration store (lock it to change it).</summary>
    public Dictionary<string, string> Store { get; }

    public IReadOnlyList<(string Store, IReadOnlyList<string> Keys, IReadOnlyDictionary<string, string>? Metadata)> Gets
    {
        get
        {
            lock (_gate)
            {
                return [.. _gets];
            }
        }
    }

    public IReadOnlyList<(string Store, IReadOnlyList<string> Keys, IReadOnlyDictionary<string, string>? Metadata)> Subscribes
    {
        get
        {
            lock (_gate)
            {
                return [.. _subscribes];
            }
        }
    }

    public IReadOnlyList<(string PubSub, string Topic, object? Data, Dictionary<string, string> Metadata)> Published
    {
        get
        {
            lock (_gate)
            {
                return [.. _published];
            }
        }
    }

    /// <summary>Changes (null: deletes) a key in the store and sends the change down the open stream.</summary>
    public async Task PushAsync(string key, string? value)
    {
        Channel<IDictionary<string, ConfigurationItem>> stream;
        string version;
        lock (_gate)
        {
            lock (Store)
            {
                if (value is null)
                {
                    Store.Remove(key);
                }
                else
                {
                    Store[key] = value;
                }
            }

            stream = _stream ?? throw new InvalidOperationException("no configuration stream is open");
            version = (++_version).ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        await stream.Writer.WriteAsync(new Dictionary<string, ConfigurationItem> { [key] = new(value ?? string.Empty, version, new Dictionary<string, string>()) });
    }

    /// <summary>Ends the open stream (the sidecar went away), optionally with an error.</summary>
    public void EndStream(Exception? error = null)
    {
        lock (_gate)
        {
            _stream?.Writer.TryComplete(error);
            _stream = null;
        }
    }

    private Task<GetConfigurationResponse> Get(string store, IReadOnlyList<string> keys, IReadOnlyDictionary<string, string>? metadata)
    {
        lock (_gate)
        {
            _gets.Add((store, keys, metadata));
        }

        Dictionary<string, ConfigurationItem> items;
        lock (Store)
        {
            items = keys.Where(Store.ContainsKey).ToDictionary(k => k, k => new ConfigurationItem(Store[k], "1", new Dictionary<string, string>()));
        }

        return Task.FromResult(new GetConfigurationResponse(items));
    }

    private Task<SubscribeConfigurationResponse> Subscribe(string store, IReadOnlyList<string> keys, IReadOnlyDictionary<string, string>? metadata)
    {
        var stream = Channel.CreateUnbounded<IDictionary<string, ConfigurationItem>>();
        stream.Writer.TryWrite(new Dictionary<string, ConfigurationItem>());
        lock (_gate)
        {
            _subscribes.Add((store, keys, metadata));
            _stream?.Writer.TryComplete();
            _stream = stream;
        }

        return Task.FromResult(new SubscribeConfigurationResponse(new ChannelSource("sub-" + Subscribes.Count, stream.Reader)));
    }

    private sealed class ChannelSource(string id, ChannelReader<IDictionary<string, ConfigurationItem>> reader) : ConfigurationSource
    {
        public override string Id => id;

        public override IAsyncEnumerator<IDictionary<string, ConfigurationItem>> GetAsyncEnumerator(CancellationToken cancellationToken = default) =>
            reader.ReadAllAsync(cancellationToken).GetAsyncEnumerator(cancellationToken);
    }

    private Task<bool> CheckOutboundHealth()
    {
        Interlocked.Increment(ref _outboundHealthChecks);
        try
        {
            return Task.FromResult(_outboundHealth());
        }
        catch (HttpRequestException unreachable)
        {
            return Task.FromException<bool>(unreachable);
        }
    }
}

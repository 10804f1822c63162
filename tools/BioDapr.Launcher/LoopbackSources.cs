using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace BioDapr.Launcher;

/// <summary>
/// One <see cref="HttpClient"/> per source address on the loopback network (127.0.0.0/8: every address of it is this
/// machine on Linux), so the gateway sees each caller at its own address, as it would see clients on the internet: the
/// socket is bound to the address before it connects. Whatever plays an attacker (the end-to-end tests' bad keys,
/// floods and bombs, the chaos command's hostile client, <c>./biodapr immune live</c>'s labelled mix) sends from an
/// address of its own, so the gateway's anomaly detector quarantines the attacker and not the legitimate traffic,
/// which keeps 127.0.0.1. A client per address keeps connection pools apart (a pooled connection keeps the address it
/// was opened from).
/// </summary>
public sealed class LoopbackSources(Uri? baseAddress = null) : IDisposable
{
    /// <summary>The address legitimate callers use (a plain <see cref="HttpClient"/> connects from it).</summary>
    public const string Legitimate = "127.0.0.1";

    private static int _nextAddress;

    private readonly ConcurrentDictionary<string, HttpClient> _clients = new(StringComparer.Ordinal);

    /// <summary>
    /// A loopback address no other caller of this process was given (127.66.x.y, from 127.66.0.1 on): for an attacker, or
    /// a test that misbehaves on purpose, whose quarantine then touches nobody else.
    /// </summary>
    public static string NextAddress()
    {
        var n = Interlocked.Increment(ref _nextAddress);
        if (n >= 256 * 255)
        {
            throw new InvalidOperationException("no address left on 127.66.0.0/16");
        }

        return $"127.66.{n / 255}.{(n % 255) + 1}";
    }

    /// <summary>The client whose connections come from <paramref name="source"/> (a loopback address); owned by this object.</summary>
    public HttpClient From(string source) => _clients.GetOrAdd(source, Create);

    /// <summary>
    /// A handler whose connections leave from <paramref name="source"/> (for a caller that owns its <see cref="HttpClient"/>).
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="source"/> is not a loopback IP address.</exception>
    public static SocketsHttpHandler Handler(string source, int maxConnectionsPerServer = int.MaxValue)
    {
        if (!IPAddress.TryParse(source, out var local) || !IPAddress.IsLoopback(local))
        {
            throw new ArgumentException($"'{source}' is not a loopback address", nameof(source));
        }

        return new SocketsHttpHandler
        {
            PooledConnectionLifetime = TimeSpan.FromMinutes(10),
            MaxConnectionsPerServer = maxConnectionsPerServer,
            ConnectCallback = async (context, cancellationToken) =>
            {
                var socket = new Socket(local.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                try
                {
                    socket.Bind(new IPEndPoint(local, 0));
                    await socket.ConnectAsync(context.DnsEndPoint, cancellationToken);
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            },
        };
    }

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var client in _clients.Values)
        {
            client.Dispose();
        }
    }

    private HttpClient Create(string source) => new(Handler(source)) { BaseAddress = baseAddress, Timeout = Timeout.InfiniteTimeSpan };
}

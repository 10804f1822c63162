using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace BioDapr.Immune.Live;

/// <summary>
/// One <see cref="HttpClient"/> per source address on the loopback network (127.0.0.0/8: every address of it is this
/// machine on Linux), so the gateway sees each client of the labelled mix at its own address, as it would see
/// clients on the internet: the socket is bound to the address before it connects. A client per address keeps
/// connection pools apart (a pooled connection keeps the address it was opened from).
/// </summary>
internal sealed class LoopbackSources(Uri gateway) : IDisposable
{
    private readonly ConcurrentDictionary<string, HttpClient> _clients = new(StringComparer.Ordinal);

    /// <summary>The mix's address (10.i.c.d for legitimate clients, an attack network otherwise) on the loopback network.</summary>
    public static string Map(string address)
    {
        var parts = address.Split('.');
        if (parts.Length != 4)
        {
            throw new ArgumentException($"'{address}' is not an IPv4 address", nameof(address));
        }

        // Legitimate clients keep their own /24s (127.10+i.c.d); each attack network gets one second octet of its own.
        var second = parts[0] == "10"
            ? 10 + int.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture)
            : (parts[0] + "." + parts[1]) switch
            {
                "198.51" => 201,
                "203.0" => 202,
                "192.0" => 203,
                "100.64" => 204,
                "172.16" => 205,
                _ => 209,
            };
        return $"127.{second}.{parts[2]}.{parts[3]}";
    }

    /// <summary>The client whose connections come from <paramref name="source"/> (a loopback address).</summary>
    public HttpClient From(string source) => _clients.GetOrAdd(source, Create);

    public void Dispose()
    {
        foreach (var client in _clients.Values)
        {
            client.Dispose();
        }
    }

    private HttpClient Create(string source)
    {
        var local = IPAddress.Parse(source);
        var handler = new SocketsHttpHandler
        {
            PooledConnectionLifetime = TimeSpan.FromMinutes(10),
            ConnectCallback = async (context, cancellationToken) =>
            {
                var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
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
        return new HttpClient(handler) { BaseAddress = gateway, Timeout = Timeout.InfiniteTimeSpan };
    }
}

using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace BioDapr.Sidecar.MultiAppRun;

/// <summary>
/// Picks TCP ports for processes that will bind them later (sidecars, apps, test servers).
/// <para>
/// A port that the OS hands out for <c>bind(0)</c> comes from the ephemeral range, the same range the
/// kernel uses for the local end of every outgoing connection: between the probe and the real bind,
/// any outgoing loopback connection (a health poll, a Redis client) can take it, and the later bind
/// fails with "address already in use". Ports here come from below the ephemeral range, where the
/// kernel never assigns implicitly, so only another explicit bind can take them. Each process walks
/// the range from a random start, so two processes picking at the same moment rarely meet; a port is
/// handed out once per process and only if it can be bound right now (IPv4 and IPv6, any address).
/// </para>
/// </summary>
public static class LoopbackPorts
{
    /// <summary>The lowest port handed out (above the well-known and common service ports).</summary>
    public const int Floor = 10000;

    // The ephemeral range is read from Linux; elsewhere the IANA range is assumed.
    private const string EphemeralRangeFile = "/proc/sys/net/ipv4/ip_local_port_range";

    private static readonly Lock Gate = new();
    private static readonly HashSet<int> HandedOut = [];
    private static readonly (int Low, int High) Range = ComputeRange(ReadEphemeralRange());

    // A random start per process: not part of any replayed computation, so it needs no seed.
    private static int _cursor = Range.Low + Random.Shared.Next(Range.High - Range.Low + 1);

    /// <summary>A port below the ephemeral range that nothing listens on and this process has not handed out before.</summary>
    /// <exception cref="InvalidOperationException">No free port was found in the whole range.</exception>
    public static int Next()
    {
        lock (Gate)
        {
            var size = Range.High - Range.Low + 1;
            for (var tried = 0; tried < size; tried++)
            {
                var port = _cursor;
                _cursor = _cursor == Range.High ? Range.Low : _cursor + 1;
                if (!HandedOut.Contains(port) && CanBind(port))
                {
                    HandedOut.Add(port);
                    return port;
                }
            }
        }

        throw new InvalidOperationException($"no free TCP port between {Range.Low} and {Range.High}");
    }

    /// <summary>Whether nothing is bound to <paramref name="port"/> on any local address (IPv4 or IPv6).</summary>
    public static bool CanBind(int port)
    {
        try
        {
            // Without SO_REUSEADDR, a wildcard bind conflicts with any other bind of the port.
            using var socket = new Socket(Socket.OSSupportsIPv6 ? AddressFamily.InterNetworkV6 : AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            if (socket.AddressFamily == AddressFamily.InterNetworkV6)
            {
                socket.DualMode = true;
                socket.Bind(new IPEndPoint(IPAddress.IPv6Any, port));
            }
            else
            {
                socket.Bind(new IPEndPoint(IPAddress.Any, port));
            }

            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    /// <summary>The ports handed out: from <see cref="Floor"/> to just below the ephemeral range.</summary>
    internal static (int Low, int High) ComputeRange((int Low, int High)? ephemeral)
    {
        var (low, high) = ephemeral ?? (49152, 65535);
        const int Enough = 1000;
        if (low - 1 - Floor >= Enough)
        {
            return (Floor, low - 1);
        }

        // An ephemeral range that starts very low leaves no room below it: use the ports above it,
        // or, when there is no room there either, everything (the bind probe still applies).
        return 65535 - high >= Enough ? (high + 1, 65535) : (Floor, 65535);
    }

    /// <summary>Parses the Linux ephemeral range ("32768\t60999").</summary>
    internal static (int Low, int High)? ParseEphemeralRange(string text)
    {
        var parts = text.Split([' ', '\t', '\n'], StringSplitOptions.RemoveEmptyEntries);
        return parts.Length == 2
            && int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var low)
            && int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var high)
            && low <= high
                ? (low, high)
                : null;
    }

    private static (int Low, int High)? ReadEphemeralRange()
    {
        try
        {
            return File.Exists(EphemeralRangeFile) ? ParseEphemeralRange(File.ReadAllText(EphemeralRangeFile)) : null;
        }
        catch (IOException)
        {
            return null;
        }
    }
}

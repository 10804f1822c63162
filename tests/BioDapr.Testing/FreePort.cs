using System.Net;
using System.Net.Sockets;

namespace BioDapr.Testing;

/// <summary>Finds TCP ports on loopback that nothing listens on.</summary>
public static class FreePort
{
    /// <summary>Asks the OS for an ephemeral port on 127.0.0.1 and releases it.</summary>
    public static int Next()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

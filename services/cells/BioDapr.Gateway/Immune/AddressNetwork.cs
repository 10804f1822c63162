using System.Net;
using System.Net.Sockets;

namespace BioDapr.Gateway.Immune;

/// <summary>The network an address belongs to, as attack memory compares origins: IPv4 /24, IPv6 /64.</summary>
public static class AddressNetwork
{
    /// <summary>The address's network (<c>203.0.113.0/24</c>, <c>2001:db8:1:2::/64</c>), or the text itself when it is no IP address.</summary>
    public static string Of(string address)
    {
        if (!IPAddress.TryParse(address, out var ip))
        {
            return address;
        }

        if (ip.IsIPv4MappedToIPv6)
        {
            ip = ip.MapToIPv4();
        }

        var bytes = ip.GetAddressBytes();
        if (ip.AddressFamily == AddressFamily.InterNetwork)
        {
            bytes[3] = 0;
            return new IPAddress(bytes) + "/24";
        }

        Array.Clear(bytes, 8, 8);
        return new IPAddress(bytes) + "/64";
    }
}

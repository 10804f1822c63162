using System.Net;
using System.Net.Sockets;
using BioDapr.Sidecar.MultiAppRun;

namespace BioDapr.Sidecar.Tests.MultiAppRun;

public sealed class LoopbackPortsTests
{
    [Fact]
    public void Next_NeverHandsOutAnEphemeralPort_NorTheSameOneTwice()
    {
        var ephemeral = LoopbackPorts.ParseEphemeralRange(File.Exists("/proc/sys/net/ipv4/ip_local_port_range")
            ? File.ReadAllText("/proc/sys/net/ipv4/ip_local_port_range")
            : "49152 65535")!.Value;

        var ports = Enumerable.Range(0, 200).Select(_ => LoopbackPorts.Next()).ToList();

        ports.ShouldAllBe(p => p >= LoopbackPorts.Floor && (p < ephemeral.Low || p > ephemeral.High));
        ports.Distinct().Count().ShouldBe(ports.Count);
    }

    [Fact]
    public void Next_SkipsAPortSomebodyListensOn()
    {
        var taken = new List<TcpListener>();
        try
        {
            // Occupy the next ports this process would hand out; none of them may come back.
            var probe = LoopbackPorts.Next();
            for (var port = probe + 1; port < probe + 6; port++)
            {
                if (LoopbackPorts.CanBind(port))
                {
                    var listener = new TcpListener(IPAddress.Loopback, port);
                    listener.Start();
                    taken.Add(listener);
                }
            }

            var next = LoopbackPorts.Next();

            taken.Select(l => ((IPEndPoint)l.LocalEndpoint).Port).ShouldNotContain(next);
            LoopbackPorts.CanBind(next).ShouldBeTrue();
        }
        finally
        {
            taken.ForEach(l => l.Stop());
        }
    }

    [Fact]
    public void CanBind_IsFalseForAPortBoundOnLoopbackOnly()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();

        LoopbackPorts.CanBind(((IPEndPoint)listener.LocalEndpoint).Port).ShouldBeFalse();
    }

    [Fact]
    public void TryReserve_RefusesAPortALivingProcessReserved_AndTakesOverAStaleOne()
    {
        var directory = Directory.CreateTempSubdirectory("biodapr-ports-").FullName;
        try
        {
            File.WriteAllText(Path.Combine(directory, "20001"), "1");            // init: alive
            File.WriteAllText(Path.Combine(directory, "20002"), "2147483646");   // no such process

            LoopbackPorts.TryReserve(20001, directory).ShouldBeFalse();
            LoopbackPorts.TryReserve(20002, directory).ShouldBeTrue();
            File.ReadAllText(Path.Combine(directory, "20002")).ShouldBe(Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture));
            LoopbackPorts.TryReserve(20003, directory).ShouldBeTrue();
            LoopbackPorts.TryReserve(20003, directory).ShouldBeFalse("a port is reserved once");
            File.WriteAllText(Path.Combine(directory, "20004"), "2147483646");

            LoopbackPorts.SweepStaleReservations(directory);

            Directory.GetFiles(directory).Select(Path.GetFileName).Order().ShouldBe(["20001", "20002", "20003"]);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Theory]
    [InlineData(32768, 60999, 10000, 32767)]
    [InlineData(49152, 65535, 10000, 49151)]
    [InlineData(1024, 60999, 61000, 65535)]
    [InlineData(1024, 65000, 10000, 65535)]
    public void ComputeRange_StaysBelowTheEphemeralRange_OrAboveWhenThereIsNoRoom(int low, int high, int expectedLow, int expectedHigh) =>
        LoopbackPorts.ComputeRange((low, high)).ShouldBe((expectedLow, expectedHigh));

    [Theory]
    [InlineData("32768\t60999\n", 32768, 60999)]
    [InlineData("1024 65535", 1024, 65535)]
    public void ParseEphemeralRange_ReadsLinuxsFormat(string text, int low, int high) =>
        LoopbackPorts.ParseEphemeralRange(text).ShouldBe((low, high));

    [Theory]
    [InlineData("")]
    [InlineData("32768")]
    [InlineData("60999 32768")]
    [InlineData("a b")]
    public void ParseEphemeralRange_RefusesAnythingElse(string text) =>
        LoopbackPorts.ParseEphemeralRange(text).ShouldBeNull();
}

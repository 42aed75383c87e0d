using System.Net;
using System.Net.Sockets;
using Platform.LocalInfrastructure;

namespace Platform.IntegrationTests;

/// <summary>The ports chosen for the servers a test, a benchmark or the AppHost starts.</summary>
public sealed class FreePortTests
{
    [Fact]
    public void Ports_are_never_handed_out_twice_and_stay_below_the_ephemeral_range()
    {
        var ports = Enumerable.Range(0, 200).Select(_ => FreePort.Next()).ToList();

        Assert.Equal(ports.Count, ports.Distinct().Count());
        // Outgoing connections take their local ports from the ephemeral range: none of ours is there.
        var ephemeralLow = int.Parse(File.ReadAllText("/proc/sys/net/ipv4/ip_local_port_range").Split('\t', ' ')[0]);
        Assert.All(ports, port => Assert.InRange(port, 20000, ephemeralLow - 1));
        using var listener = new TcpListener(IPAddress.Loopback, ports[^1]);
        listener.Start();
    }
}

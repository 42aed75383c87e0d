using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Platform.LocalInfrastructure;

/// <summary>
/// Ports for the servers this process starts. A port is only chosen here and bound later by another
/// process, so two things could take it in between: this process choosing it again for another
/// server, and any outgoing connection of the machine, which the kernel gives a local port from its
/// ephemeral range (a service connecting to PostgreSQL took a port chosen for the gateway that way,
/// and the gateway failed to start). So every port is handed out once per process, and chosen below
/// the ephemeral range when there is room there.
/// </summary>
public static class FreePort
{
    private const int LowestChosen = 20000;
    private const int MinimumRoom = 1000;
    private static readonly HashSet<int> HandedOut = [];
    private static readonly Lock Gate = new();
    private static readonly (int Low, int High)? Range = OutsideEphemeralRange();

    /// <summary>A TCP port on 127.0.0.1 that nothing listens on right now and that this process has not handed out before.</summary>
    public static int Next()
    {
        lock (Gate)
        {
            for (var attempt = 0; attempt < 1000; attempt++)
            {
                var port = Range is var (low, high) ? Random.Shared.Next(low, high + 1) : AnyFree();
                if (!HandedOut.Contains(port) && IsFree(port))
                {
                    HandedOut.Add(port);
                    return port;
                }
            }
        }
        throw new InvalidOperationException("No free TCP port found on 127.0.0.1.");
    }

    private static int AnyFree()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static bool IsFree(int port)
    {
        try
        {
            using var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    /// <summary>The ports from <see cref="LowestChosen"/> up to the kernel's ephemeral range, when that leaves room enough.</summary>
    private static (int Low, int High)? OutsideEphemeralRange()
    {
        const string setting = "/proc/sys/net/ipv4/ip_local_port_range";
        if (!File.Exists(setting))
        {
            return null;
        }
        var bounds = File.ReadAllText(setting).Split((char[])['\t', ' ', '\n'], StringSplitOptions.RemoveEmptyEntries);
        if (bounds.Length < 1 || !int.TryParse(bounds[0], NumberStyles.None, CultureInfo.InvariantCulture, out var ephemeralLow))
        {
            return null;
        }
        var high = ephemeralLow - 1;
        return high - LowestChosen >= MinimumRoom ? (LowestChosen, high) : null;
    }
}

using System.Net;
using System.Net.Sockets;

namespace Platform.Gateway.Webhooks;

/// <summary>
/// Where webhooks may go: only to public addresses, unless <see cref="WebhookOptions.AllowPrivateTargets"/>.
/// A URL naming a private address is refused when subscribing; a host name is resolved when each
/// delivery connects, and the connection goes to an address that was checked, so a name answering
/// one address for a check and another for the connection (DNS rebinding) reaches nothing private.
/// </summary>
public static class WebhookTargets
{
    public const string PrivateAddressError = "the target resolves to a private address";

    /// <summary>
    /// Addresses a delivery must not reach: unspecified, loopback, private, shared (carrier-grade NAT),
    /// link-local (cloud metadata services live there), benchmarking, multicast and reserved ones, in
    /// IPv4 and IPv6, and IPv4 addresses written as IPv6 (mapped, NAT64, 6to4), judged as the IPv4 address they carry.
    /// </summary>
    public static bool IsPrivate(IPAddress address)
    {
        if (address.AddressFamily == AddressFamily.InterNetworkV6 && EmbeddedIPv4(address) is { } carried)
        {
            address = carried;
        }
        var bytes = address.GetAddressBytes();
        if (address.AddressFamily == AddressFamily.InterNetwork)
        {
            return bytes[0] switch
            {
                0 or 10 or 127 => true,
                100 => bytes[1] is >= 64 and <= 127,
                169 => bytes[1] == 254,
                172 => bytes[1] is >= 16 and <= 31,
                192 => bytes[1] == 168,
                198 => bytes[1] is 18 or 19,
                >= 224 => true,
                _ => false,
            };
        }
        // ::/96 holds the unspecified address, loopback and the deprecated IPv4-compatible form: nothing public.
        return bytes.AsSpan(0, 12).IndexOfAnyExcept((byte)0) < 0
            || address.IsIPv6LinkLocal || address.IsIPv6SiteLocal || address.IsIPv6UniqueLocal || address.IsIPv6Multicast;
    }

    /// <summary>A URL whose host is a loopback name or a private address literal (a name is checked when connecting).</summary>
    public static bool IsPrivateLiteral(Uri url) =>
        url.IsLoopback
        || url.Host.EndsWith(".localhost", StringComparison.OrdinalIgnoreCase)
        || (IPAddress.TryParse(url.DnsSafeHost, out var address) && IsPrivate(address));

    /// <summary>The primary handler of the webhook sender's HTTP client.</summary>
    public static SocketsHttpHandler Handler(bool allowPrivateTargets) => new()
    {
        AllowAutoRedirect = false,
        PooledConnectionLifetime = TimeSpan.FromMinutes(5),
        // Straight to the receiver: through a proxy, the address checked would be the proxy's.
        UseProxy = false,
        ConnectCallback = (context, cancellationToken) => ConnectAsync(context.DnsEndPoint, allowPrivateTargets, cancellationToken),
    };

    /// <summary>
    /// Resolves the target, refuses it when any of its addresses is private (a name answering both
    /// would otherwise be a way in), and connects to one of the addresses checked.
    /// </summary>
    public static async ValueTask<Stream> ConnectAsync(DnsEndPoint target, bool allowPrivateTargets, CancellationToken cancellationToken)
    {
        var addresses = IPAddress.TryParse(target.Host, out var literal)
            ? [literal]
            : await Dns.GetHostAddressesAsync(target.Host, cancellationToken);
        if (addresses.Length == 0)
        {
            throw new HttpRequestException($"The target {target.Host} resolves to no address.");
        }
        if (!allowPrivateTargets && addresses.FirstOrDefault(IsPrivate) is { } refused)
        {
            throw new HttpRequestException($"Refused: {PrivateAddressError} ({refused}); deliveries go to public addresses only.");
        }
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(addresses, target.Port, cancellationToken);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>The IPv4 address an IPv6 one stands for: mapped (::ffff:a.b.c.d), NAT64 (64:ff9b::a.b.c.d) or 6to4 (2002:aabb:ccdd::).</summary>
    private static IPAddress? EmbeddedIPv4(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6)
        {
            return address.MapToIPv4();
        }
        var bytes = address.GetAddressBytes();
        if (bytes[0] == 0x00 && bytes[1] == 0x64 && bytes[2] == 0xff && bytes[3] == 0x9b && bytes.AsSpan(4, 8).IndexOfAnyExcept((byte)0) < 0)
        {
            return new IPAddress(bytes.AsSpan(12, 4));
        }
        return bytes[0] == 0x20 && bytes[1] == 0x02 ? new IPAddress(bytes.AsSpan(2, 4)) : null;
    }
}

using System.Net;
using System.Net.Sockets;
using Platform.Gateway.Webhooks;

namespace Platform.UnitTests;

/// <summary>Webhooks reach public addresses only: the address check, the subscription's URL, and the connection itself.</summary>
public sealed class WebhookTargetsTests
{
    [Theory]
    [InlineData("0.0.0.0")]
    [InlineData("0.1.2.3")]
    [InlineData("10.0.0.1")]
    [InlineData("10.255.255.255")]
    [InlineData("100.64.0.1")]
    [InlineData("100.127.255.254")]
    [InlineData("127.0.0.1")]
    [InlineData("127.8.9.10")]
    [InlineData("169.254.169.254")]
    [InlineData("172.16.0.1")]
    [InlineData("172.31.255.255")]
    [InlineData("192.168.1.1")]
    [InlineData("198.18.0.1")]
    [InlineData("198.19.255.255")]
    [InlineData("224.0.0.1")]
    [InlineData("239.255.255.250")]
    [InlineData("240.0.0.1")]
    [InlineData("255.255.255.255")]
    [InlineData("::")]
    [InlineData("::1")]
    [InlineData("::127.0.0.1")]
    [InlineData("::ffff:169.254.169.254")]
    [InlineData("::ffff:10.0.0.1")]
    [InlineData("::ffff:127.0.0.1")]
    [InlineData("::ffff:0.0.0.0")]
    [InlineData("64:ff9b::a9fe:a9fe")]
    [InlineData("2002:c0a8:0101::1")]
    [InlineData("fe80::1")]
    [InlineData("febf::1")]
    [InlineData("fec0::1")]
    [InlineData("fc00::1")]
    [InlineData("fd12:3456:789a::1")]
    [InlineData("ff02::1")]
    [InlineData("ff0e::1")]
    public void Private_reserved_and_special_addresses_are_private(string address) =>
        Assert.True(WebhookTargets.IsPrivate(IPAddress.Parse(address)), $"{address} should be refused");

    [Theory]
    [InlineData("1.1.1.1")]
    [InlineData("8.8.8.8")]
    [InlineData("9.255.255.255")]
    [InlineData("11.0.0.0")]
    [InlineData("100.63.255.255")]
    [InlineData("100.128.0.0")]
    [InlineData("126.255.255.255")]
    [InlineData("128.0.0.0")]
    [InlineData("169.253.0.1")]
    [InlineData("169.255.0.1")]
    [InlineData("172.15.255.255")]
    [InlineData("172.32.0.0")]
    [InlineData("192.167.0.1")]
    [InlineData("192.169.0.1")]
    [InlineData("198.17.255.255")]
    [InlineData("198.20.0.0")]
    [InlineData("223.255.255.255")]
    [InlineData("::ffff:8.8.8.8")]
    [InlineData("64:ff9b::808:808")]
    [InlineData("2002:0808:0808::1")]
    [InlineData("2001:4860:4860::8888")]
    [InlineData("2400:3200::1")]
    [InlineData("fbff::1")]
    [InlineData("fe00::1")]
    public void Public_addresses_are_not_private(string address) =>
        Assert.False(WebhookTargets.IsPrivate(IPAddress.Parse(address)), $"{address} should be allowed");

    [Theory]
    [InlineData("http://localhost/hook", true)]
    [InlineData("http://LOCALHOST:8080/hook", true)]
    [InlineData("http://app.localhost/hook", true)]
    [InlineData("http://127.0.0.1/hook", true)]
    [InlineData("http://2130706433/hook", true)]
    [InlineData("http://0x7f.1/hook", true)]
    [InlineData("http://[::1]/hook", true)]
    [InlineData("http://[::]/hook", true)]
    [InlineData("http://[::ffff:169.254.169.254]/latest/meta-data", true)]
    [InlineData("http://[::ffff:10.0.0.1]/hook", true)]
    [InlineData("http://[fe80::1%25eth0]/hook", true)]
    [InlineData("https://100.64.0.1/hook", true)]
    [InlineData("https://169.254.169.254/latest/meta-data", true)]
    [InlineData("https://app.example.cn/hooks/platform", false)]
    [InlineData("https://8.8.8.8/hook", false)]
    [InlineData("https://[2001:4860:4860::8888]/hook", false)]
    // A name is judged by what it resolves to when a delivery connects, not here.
    [InlineData("https://metadata.internal.example/hook", false)]
    public void A_subscriptions_url_is_refused_when_it_names_a_private_address(string url, bool refused) =>
        Assert.Equal(refused, WebhookTargets.IsPrivateLiteral(new Uri(url)));

    [Theory]
    [InlineData("localhost")]
    [InlineData("127.0.0.1")]
    [InlineData("::ffff:127.0.0.1")]
    [InlineData("169.254.169.254")]
    public async Task Connecting_to_a_target_that_resolves_to_a_private_address_is_refused(string host)
    {
        var refused = await Assert.ThrowsAsync<HttpRequestException>(() =>
            WebhookTargets.ConnectAsync(new DnsEndPoint(host, 80), allowPrivateTargets: false, CancellationToken.None).AsTask());
        Assert.Contains(WebhookTargets.PrivateAddressError, refused.Message);
    }

    [Fact]
    public async Task The_senders_handler_refuses_a_name_resolving_to_loopback_before_any_request_is_sent()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        using var client = new HttpClient(WebhookTargets.Handler(allowPrivateTargets: false));

        var refused = await Assert.ThrowsAsync<HttpRequestException>(() => client.PostAsync($"http://localhost:{port}/hooks", new StringContent("{}")));

        Assert.Contains(WebhookTargets.PrivateAddressError, refused.Message);
        Assert.False(listener.Pending(), "a connection reached the private target");
    }

    [Fact]
    public async Task With_private_targets_allowed_the_handler_connects_to_the_address_it_resolved()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;

        await using var stream = await WebhookTargets.ConnectAsync(new DnsEndPoint("127.0.0.1", port), allowPrivateTargets: true, CancellationToken.None);
        using var accepted = await listener.AcceptTcpClientAsync();

        Assert.True(accepted.Connected);
    }
}

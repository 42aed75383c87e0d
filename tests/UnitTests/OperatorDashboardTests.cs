using Platform.Gateway.Dashboard;

namespace Platform.UnitTests;

/// <summary>The operations dashboard's session cookie, and what it shows of a webhook receiver's URL.</summary>
public sealed class OperatorDashboardTests
{
    private const string Key = "test-operator-key-7f3a9c";
    private static readonly DateTimeOffset Issued = new(2026, 5, 1, 8, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Lifetime = TimeSpan.FromHours(12);

    [Fact]
    public void A_session_lasts_its_lifetime_and_no_longer_on_the_gateways_side()
    {
        var cookie = OperatorSession.Issue(Key, Issued);

        Assert.DoesNotContain(Key, cookie);
        Assert.Equal(OperatorSession.Check.Valid, OperatorSession.Read(cookie, Key, Issued, Lifetime));
        Assert.Equal(OperatorSession.Check.Valid, OperatorSession.Read(cookie, Key, Issued + Lifetime, Lifetime));
        Assert.Equal(OperatorSession.Check.Expired, OperatorSession.Read(cookie, Key, Issued + Lifetime + TimeSpan.FromSeconds(1), Lifetime));
        Assert.Equal(OperatorSession.Check.Expired, OperatorSession.Read(cookie, Key, Issued.AddDays(30), Lifetime));
        // Issued by a replica whose clock is a little ahead: still good; far ahead: not.
        Assert.Equal(OperatorSession.Check.Valid, OperatorSession.Read(cookie, Key, Issued.AddMinutes(-1), Lifetime));
        Assert.Equal(OperatorSession.Check.Expired, OperatorSession.Read(cookie, Key, Issued.AddHours(-1), Lifetime));
    }

    [Theory]
    [InlineData("forged-session")]
    [InlineData("")]
    [InlineData(".")]
    [InlineData("1777622400.")]
    [InlineData("1777622400.AAAA")]
    public void A_cookie_the_gateway_did_not_issue_is_invalid(string cookie) =>
        Assert.Equal(OperatorSession.Check.Invalid, OperatorSession.Read(cookie, Key, Issued, Lifetime));

    [Fact]
    public void A_session_is_bound_to_its_key_and_to_its_issue_time()
    {
        var cookie = OperatorSession.Issue(Key, Issued);
        var mac = cookie[(cookie.IndexOf('.') + 1)..];

        Assert.Equal(OperatorSession.Check.Invalid, OperatorSession.Read(cookie, "another-operator-key", Issued, Lifetime));
        // Moving the issue time forward to extend the session breaks its HMAC.
        Assert.Equal(OperatorSession.Check.Invalid, OperatorSession.Read($"{Issued.AddHours(11).ToUnixTimeSeconds()}.{mac}", Key, Issued.AddHours(13), Lifetime));
        Assert.Equal(OperatorSession.Check.Invalid, OperatorSession.Read($"+{Issued.ToUnixTimeSeconds()}.{mac}", Key, Issued, Lifetime));
    }

    [Theory]
    [InlineData("https://app.example.cn/hooks/platform?token=s3cret", "https://app.example.cn/hooks/platform")]
    [InlineData("https://hook:s3cret@app.example.cn:8443/hooks?token=x#part", "https://app.example.cn:8443/hooks")]
    [InlineData("http://s3cret@127.0.0.1:9/hook", "http://127.0.0.1:9/hook")]
    [InlineData("https://[2001:db8::1]/hooks", "https://[2001:db8::1]/hooks")]
    public void The_integrations_panel_shows_a_receivers_url_without_its_credentials(string url, string shown) =>
        Assert.Equal(shown, IntegrationsPanel.Target(url));
}

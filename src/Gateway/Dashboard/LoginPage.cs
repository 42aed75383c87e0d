using System.Net;

namespace Platform.Gateway.Dashboard;

/// <summary>The operator's login form (Assets/login.html), with a message when a try failed.</summary>
internal static class LoginPage
{
    public const string Missing = "请输入运维密钥 · Enter the operator key.";
    public const string Wrong = "密钥不正确 · That key is not the operator's.";
    public const string Lapsed = "会话已过期或密钥已吊销，请重新登录 · The session has expired or the key was revoked; log in again.";
    public const string NotConfigured = "网关未配置运维密钥 · No operator key is configured on this gateway (Gateway:OperatorKey).";

    public static IResult Result(int status, string? message)
    {
        var html = DashboardAssets.Text("login.html")
            .Replace("{{message}}", message is null ? "" : $"<p class=\"message\" role=\"alert\">{WebUtility.HtmlEncode(message)}</p>", StringComparison.Ordinal);
        return Results.Content(html, "text/html; charset=utf-8", System.Text.Encoding.UTF8, status);
    }
}

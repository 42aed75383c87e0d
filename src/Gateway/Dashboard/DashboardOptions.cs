namespace Platform.Gateway.Dashboard;

/// <summary>
/// The dashboard's settings. <c>Gateway:OperatorKey</c>: the operator's key. RabbitMQ's management
/// API by the Aspire contract: its URL as <c>services:messaging:management:0</c>, the user, password
/// and virtual host from <c>ConnectionStrings:messaging</c> (guest and "/" when absent).
/// <c>Dashboard:ReadTimeout</c> bounds each read of a service (default 2 s);
/// <c>Dashboard:MonitorInterval</c> is how often health is checked in the background, to count restarts (default 10 s);
/// <c>Dashboard:SessionLifetime</c> is how long a login lasts (default 12 h).
/// </summary>
public sealed class DashboardOptions
{
    public string? OperatorKey { get; set; }

    public Uri? RabbitMqManagement { get; set; }

    public string RabbitMqUser { get; set; } = "guest";

    public string RabbitMqPassword { get; set; } = "guest";

    public string RabbitMqVirtualHost { get; set; } = "/";

    public TimeSpan ReadTimeout { get; set; } = TimeSpan.FromSeconds(2);

    public TimeSpan MonitorInterval { get; set; } = TimeSpan.FromSeconds(10);

    public TimeSpan SessionLifetime { get; set; } = TimeSpan.FromHours(12);

    public static void Bind(DashboardOptions options, IConfiguration configuration)
    {
        // The installation's bootstrap operator key opens the dashboard unless a key of its own is set
        // (and stops opening it once revoked, OperatorAccess).
        options.OperatorKey = configuration["Gateway:OperatorKey"] is { Length: > 0 } key ? key
            : configuration["Gateway:BootstrapOperatorKey"] is { Length: > 0 } bootstrap ? bootstrap : null;
        options.ReadTimeout = configuration.GetValue("Dashboard:ReadTimeout", options.ReadTimeout);
        options.MonitorInterval = configuration.GetValue("Dashboard:MonitorInterval", options.MonitorInterval);
        options.SessionLifetime = configuration.GetValue("Dashboard:SessionLifetime", options.SessionLifetime);
        if (configuration["services:messaging:management:0"] is { Length: > 0 } management && Uri.TryCreate(management, UriKind.Absolute, out var url))
        {
            options.RabbitMqManagement = url;
        }
        if (configuration.GetConnectionString("messaging") is { Length: > 0 } amqp && Uri.TryCreate(amqp, UriKind.Absolute, out var broker))
        {
            if (Uri.UnescapeDataString(broker.UserInfo).Split(':', 2) is [{ Length: > 0 } user, var password])
            {
                options.RabbitMqUser = user;
                options.RabbitMqPassword = password;
            }
            var vhost = Uri.UnescapeDataString(broker.AbsolutePath.TrimStart('/'));
            options.RabbitMqVirtualHost = vhost.Length == 0 ? "/" : vhost;
        }
    }
}

namespace Platform.ServiceDefaults.Messaging;

/// <summary>Transport headers the platform sets on every message.</summary>
public static class MessageHeaders
{
    /// <summary>The county (tenant) the message belongs to, for routing, logs and operators.</summary>
    public const string CountyId = "county-id";
}

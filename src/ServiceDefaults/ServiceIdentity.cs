using System.Reflection;

namespace Platform.ServiceDefaults;

/// <summary>Who this process is: used for telemetry resources, queue names and health answers.</summary>
public sealed record ServiceIdentity(string Name, string Version, DateTimeOffset StartedAt)
{
    internal static ServiceIdentity Create(string name, TimeProvider clock)
    {
        var assembly = Assembly.GetEntryAssembly() ?? typeof(ServiceIdentity).Assembly;
        var version = assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
            ?? assembly.GetName().Version?.ToString()
            ?? "0.0.0";
        return new ServiceIdentity(name, version, clock.GetUtcNow());
    }
}

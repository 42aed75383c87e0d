using Platform.LocalInfrastructure;

namespace Platform.IntegrationTests.Support;

/// <summary>Starts platform projects built in the tests' own configuration, quiet unless they warn.</summary>
public static class TestProcesses
{
#if DEBUG
    public const string Configuration = "Debug";
#else
    public const string Configuration = "Release";
#endif

    public static ServiceProcess Start(string name, string project, IReadOnlyDictionary<string, string> environment)
    {
        var quiet = new Dictionary<string, string>(environment) { ["Logging__LogLevel__Default"] = "Warning" };
        return ServiceProcess.Start(name, project, Configuration, quiet);
    }
}

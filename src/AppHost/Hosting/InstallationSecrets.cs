using System.Security.Cryptography;
using Microsoft.Extensions.Configuration;

namespace Platform.AppHost.Hosting;

/// <summary>
/// The secrets of one installation, made on its first run and kept under the data folder
/// (<c>secrets/</c>, readable by the owner only): the key the gateway signs its tokens with and every
/// service checks them with, and the bootstrap operator's API key of a fresh installation.
/// Configuration (<c>Auth:SigningKey</c>, <c>Gateway:BootstrapOperatorKey</c>) wins over the files.
/// </summary>
public sealed class InstallationSecrets
{
    private InstallationSecrets(string folder, string signingKey, string bootstrapOperatorKey, bool created)
    {
        Folder = folder;
        SigningKey = signingKey;
        BootstrapOperatorKey = bootstrapOperatorKey;
        BootstrapKeyCreated = created;
    }

    public string Folder { get; }

    public string SigningKey { get; }

    public string BootstrapOperatorKey { get; }

    /// <summary>Whether this run made the bootstrap key (it is printed then).</summary>
    public bool BootstrapKeyCreated { get; }

    public string BootstrapOperatorKeyFile => Path.Combine(Folder, "bootstrap-operator-key");

    internal static InstallationSecrets Load(IConfiguration configuration, string dataFolder)
    {
        var folder = Path.Combine(dataFolder, "secrets");
        Directory.CreateDirectory(folder);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(folder, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
        var signingKey = configuration["Auth:SigningKey"] is { Length: > 0 } configuredKey
            ? configuredKey
            : ReadOrCreate(Path.Combine(folder, "signing-key"), () => Convert.ToBase64String(RandomNumberGenerator.GetBytes(48)), out _);
        var created = false;
        var bootstrap = configuration["Gateway:BootstrapOperatorKey"] is { Length: > 0 } configuredOperator
            ? configuredOperator
            : ReadOrCreate(Path.Combine(folder, "bootstrap-operator-key"), NewApiKey, out created);
        return new InstallationSecrets(folder, signingKey, bootstrap, created);
    }

    /// <summary>An API key in the gateway's format: gwk_, an 8-character id, _, 256 random bits.</summary>
    private static string NewApiKey()
    {
        var id = new string(RandomNumberGenerator.GetItems<char>("abcdefghijkmnpqrstuvwxyz23456789", 8));
        return $"gwk_{id}_" + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
    }

    private static string ReadOrCreate(string path, Func<string> create, out bool created)
    {
        created = false;
        if (File.Exists(path) && File.ReadAllText(path).Trim() is { Length: > 0 } existing)
        {
            return existing;
        }
        var value = create();
        File.WriteAllText(path, value + "\n");
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
        created = true;
        return value;
    }
}

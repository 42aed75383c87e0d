namespace Platform.AppHost.Hosting;

/// <summary>Every child's output line, prefixed with its resource's name in a colour of its own; our own lines as [apphost].</summary>
internal sealed class ResourceConsole
{
    private const string Reset = "\u001b[0m";
    private const string Own = "\u001b[1m";
    private static readonly string[] Palette =
        ["\u001b[36m", "\u001b[32m", "\u001b[33m", "\u001b[35m", "\u001b[34m", "\u001b[96m", "\u001b[92m", "\u001b[93m", "\u001b[95m", "\u001b[94m"];

    private readonly Lock _lock = new();
    private readonly Dictionary<string, string> _colours = [];
    private readonly int _width;

    /// <summary>Console colours unless output is redirected, NO_COLOR is set or the terminal is dumb.</summary>
    public ResourceConsole(IEnumerable<string> names)
    {
        var colour = !Console.IsOutputRedirected
            && Environment.GetEnvironmentVariable("NO_COLOR") is null
            && Environment.GetEnvironmentVariable("TERM") is not "dumb";
        var index = 0;
        foreach (var name in names.Prepend("apphost"))
        {
            _colours[name] = !colour ? "" : name == "apphost" ? Own : Palette[index++ % Palette.Length];
            _width = Math.Max(_width, name.Length + 2);
        }
    }

    public void Line(string resource, string text)
    {
        var colour = _colours.GetValueOrDefault(resource, "");
        var prefix = $"[{resource}]".PadRight(_width);
        lock (_lock)
        {
            Console.Out.WriteLine(colour.Length == 0 ? $"{prefix} {text}" : $"{colour}{prefix}{Reset} {text}");
        }
    }

    public void Info(string text) => Line("apphost", text);

    /// <summary>A block printed without other lines interleaved (the table).</summary>
    public void Block(IEnumerable<string> lines)
    {
        lock (_lock)
        {
            foreach (var line in lines)
            {
                Console.Out.WriteLine(line);
            }
        }
    }
}

using Platform.DemoCounty;

// dotnet run --project src/DemoCounty -- generate --out DIR [--seed N]
// dotnet run --project src/DemoCounty -- load [--gateway http://127.0.0.1:8080] [--county 511621] [--name 岳池县] [--seed N] [--key API_KEY]
var command = args.FirstOrDefault();
string Option(string name, string fallback)
{
    var index = Array.IndexOf(args, "--" + name);
    return index >= 0 && index + 1 < args.Length ? args[index + 1] : fallback;
}
var seed = int.Parse(Option("seed", "511621"), System.Globalization.CultureInfo.InvariantCulture);
switch (command)
{
    case "generate":
    {
        var folder = Option("out", "demo-county");
        Directory.CreateDirectory(folder);
        foreach (var (kind, csv) in DemoCountyGenerator.Generate(seed).InLoadOrder())
        {
            var path = Path.Combine(folder, kind + ".csv");
            await File.WriteAllTextAsync(path, csv, new System.Text.UTF8Encoding(false));
            Console.WriteLine($"wrote {path} ({csv.Count(c => c == '\n') - 1} rows)");
        }
        return 0;
    }
    case "load":
    {
        using var gateway = new HttpClient { BaseAddress = new Uri(Option("gateway", "http://127.0.0.1:8080")), Timeout = TimeSpan.FromMinutes(5) };
        var key = Option("key", Environment.GetEnvironmentVariable("PLATFORM_API_KEY") ?? "");
        if (key.Length > 0)
        {
            gateway.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", key);
        }
        await new DemoCountyLoader(gateway, Console.WriteLine).LoadAsync(Option("county", "511621"), Option("name", "岳池县"), DemoCountyGenerator.Generate(seed));
        return 0;
    }
    default:
        Console.Error.WriteLine("usage: DemoCounty generate --out DIR [--seed N] | load [--gateway URL] [--county CODE] [--name NAME] [--seed N] [--key API_KEY]");
        return 2;
}

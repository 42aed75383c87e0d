using System.Text.Json;
using Platform.IntegrationTests.Support;

namespace Platform.IntegrationTests.Registry;

/// <summary>Registry's OpenAPI document describes every operation with a summary, its main creates with examples, and what each body requires.</summary>
[Collection(PlatformCollection.Name)]
public sealed class OpenApiTests(PlatformFixture fixture)
{
    [Fact]
    public async Task Every_operation_has_a_summary_and_the_creates_carry_examples()
    {
        var platform = await fixture.PlatformAsync();
        using var client = new HttpClient { BaseAddress = new Uri(platform.Urls["registry"]) };

        var document = await client.GetJsonAsync("/openapi/v1.json");

        var operations = document.GetProperty("paths").EnumerateObject()
            .SelectMany(path => path.Value.EnumerateObject().Select(op => (Path: path.Name, Method: op.Name, Operation: op.Value)))
            .ToList();
        Assert.True(operations.Count > 50, $"only {operations.Count} operations documented");
        Assert.All(operations, op => Assert.True(op.Operation.TryGetProperty("summary", out var summary) && summary.GetString()!.Length > 0,
            $"{op.Method.ToUpperInvariant()} {op.Path} has no summary"));

        JsonElement Example(string path, string method, string contentType) =>
            document.GetProperty("paths").GetProperty(path).GetProperty(method)
                .GetProperty("requestBody").GetProperty("content").GetProperty(contentType).GetProperty("example");
        Assert.Equal("M00001", Example("/api/registry/counties/{county}/members", "post", "application/json").GetProperty("code").GetString());
        Assert.Equal("community", Example("/api/registry/counties/{county}/areas", "post", "application/json").GetProperty("level").GetString());
        Assert.StartsWith("code,name,level,parent_code", Example("/api/registry/counties/{county}/imports/{kind}", "post", "text/csv").GetString());

        // A body requires what its endpoint always requires, and nothing it takes as optional.
        Assert.Equal(["code", "level", "name"], document.RequiredOf("CreateAreaRequest"));
        Assert.Equal(["code", "communityId", "name", "phone", "unitId"], document.RequiredOf("MemberRequest"));
        Assert.Empty(document.RequiredOf("MoveAreaRequest"));
    }
}

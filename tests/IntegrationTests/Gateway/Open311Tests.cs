using System.Net;
using System.Text.Json;
using System.Xml.Linq;
using Platform.IntegrationTests.Support;

namespace Platform.IntegrationTests.Gateway;

/// <summary>
/// The Open311 GeoReport v2 facade, walked as an unchanged Open311 client would, in JSON and in XML,
/// every answer checked against the spec's field lists.
/// </summary>
[Collection(PlatformCollection.Name)]
public sealed class Open311Tests(PlatformFixture fixture)
{
    private static readonly string[] ServiceFields = ["service_code", "service_name", "description", "metadata", "type", "keywords", "group"];
    private static readonly string[] AttributeFields = ["variable", "code", "datatype", "required", "datatype_description", "order", "description", "values"];
    private static readonly string[] RequestFields =
    [
        "service_request_id", "status", "status_notes", "service_name", "service_code", "description", "agency_responsible", "service_notice",
        "requested_datetime", "updated_datetime", "expected_datetime", "address", "address_id", "zipcode", "lat", "long", "media_url",
    ];

    [Theory]
    [InlineData("json")]
    [InlineData("xml")]
    public async Task An_Open311_client_discovers_files_and_tracks_a_request(string format)
    {
        var (platform, county, communityId, key) = await CountyWithHotlineAsync();
        using var open311 = platform.GatewayAs(null);

        var discovery = await ReadAsync(open311, $"/open311/v2/discovery.{format}", format, HttpStatusCode.OK);
        AssertFields(discovery.Single(), "changeset", "contact", "key_service", "endpoints");
        var endpoint = discovery.Single().Lists["endpoints"].Single();
        AssertFields(endpoint, "specification", "url", "changeset", "type", "formats");
        Assert.Equal("http://wiki.open311.org/GeoReport_v2", endpoint.Fields["specification"]);

        var services = await ReadAsync(open311, $"/open311/v2/services.{format}?jurisdiction_id={county}", format, HttpStatusCode.OK);
        Assert.All(services, service => AssertFields(service, ServiceFields));
        Assert.Contains(services, s => s.Fields["service_code"] == "livelihood" && s.Fields["service_name"] == "民生服务" && s.Fields["metadata"] == "true");
        if (format == "json")
        {
            // Chinese as it is, as every other API of the platform writes it, not as \uXXXX escapes.
            Assert.Contains("\"service_name\":\"民生服务\"", await open311.GetStringAsync($"/open311/v2/services.json?jurisdiction_id={county}"));
        }

        var definition = (await ReadAsync(open311, $"/open311/v2/services/livelihood.{format}?jurisdiction_id={county}", format, HttpStatusCode.OK)).Single();
        AssertFields(definition, "service_code", "attributes");
        var attribute = definition.Lists["attributes"].Single();
        AssertFields(attribute, AttributeFields);
        Assert.Equal("singlevaluelist", attribute.Fields["datatype"]);
        var community = attribute.Lists["values"].Single(v => v.Fields["key"] == communityId.ToString());
        Assert.Equal("东门社区", community.Fields["name"]);

        var form = new Dictionary<string, string>
        {
            ["jurisdiction_id"] = county, ["service_code"] = "livelihood", ["lat"] = "30.5392", ["long"] = "106.4402",
            ["address_string"] = "东门社区3栋2单元", ["description"] = "楼道灯坏了一个多月", ["first_name"] = "阿姨", ["last_name"] = "李",
            ["phone"] = "13812345678", ["media_url"] = "https://files.example.cn/photos/light.jpg", ["account_id"] = "A-17",
            [$"attribute[community]"] = community.Fields["key"], ["api_key"] = key,
        };
        var posted = (await PostAsync(open311, $"/open311/v2/requests.{format}", form, format, HttpStatusCode.OK)).Single();
        AssertFields(posted, "service_request_id", "service_notice", "account_id");
        Assert.Equal("A-17", posted.Fields["account_id"]);
        var id = posted.Fields["service_request_id"];

        var one = (await ReadAsync(open311, $"/open311/v2/requests/{id}.{format}?jurisdiction_id={county}&api_key={key}", format, HttpStatusCode.OK)).Single();
        AssertFields(one, RequestFields);
        Assert.Equal("open", one.Fields["status"]);
        Assert.StartsWith("placed", one.Fields["status_notes"]);
        Assert.Equal("民生服务", one.Fields["service_name"]);
        Assert.Equal("30.5392", one.Fields["lat"]);
        Assert.All(new[] { "requested_datetime", "updated_datetime", "expected_datetime" },
            field => Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d$", one.Fields[field]));
        Assert.Equal("https://files.example.cn/photos/light.jpg", one.Fields["media_url"]);
        // Dispatch has it, placed over the open311 channel, for 李阿姨.
        using var operatorClient = platform.Gateway();
        var placed = await operatorClient.GetJsonAsync($"/api/dispatch/counties/{county}/requests/{id}");
        Assert.Equal("open311", placed.GetProperty("channel").GetString());
        Assert.Equal("李阿姨", placed.GetProperty("residentName").GetString());

        // While no unit holds it, its community answers for it; dispatched to a unit, the unit does.
        Assert.Equal("东门社区", one.Fields["agency_responsible"]);
        var unit = await (await operatorClient.PostJsonAsync($"/api/registry/counties/{county}/organisations", new { code = "U01", name = "县住建局", kind = "institution" }))
            .OkAsync(HttpStatusCode.Created);
        await Poll.UntilAsync(() => platform.Fixture.QueryScalarAsync<long>(platform.Databases["dispatch"].Name,
            $"SELECT count(*) FROM registry_organisations WHERE id = '{unit.Id()}'"), n => n == 1, TimeSpan.FromSeconds(20), "Dispatch to learn of the unit");
        await (await operatorClient.PostJsonAsync($"/api/dispatch/counties/{county}/requests/{id}/dispatch", new { tier = "ordinary", mode = "unit", unitId = unit.Id() })).OkAsync();
        var held = (await ReadAsync(open311, $"/open311/v2/requests/{id}.{format}?jurisdiction_id={county}&api_key={key}", format, HttpStatusCode.OK)).Single();
        Assert.Equal("县住建局", held.Fields["agency_responsible"]);

        var byId = await ReadAsync(open311, $"/open311/v2/requests.{format}?jurisdiction_id={county}&service_request_id={id}&api_key={key}", format, HttpStatusCode.OK);
        Assert.Equal(id, byId.Single().Fields["service_request_id"]);
        var since = Uri.EscapeDataString(DateTimeOffset.UtcNow.AddHours(-1).ToString("O"));
        var open = await ReadAsync(open311, $"/open311/v2/requests.{format}?jurisdiction_id={county}&service_code=livelihood&status=open&start_date={since}&api_key={key}", format, HttpStatusCode.OK);
        Assert.All(open, r => AssertFields(r, RequestFields));
        Assert.Contains(open, r => r.Fields["service_request_id"] == id);
        Assert.DoesNotContain(await ReadAsync(open311, $"/open311/v2/requests.{format}?jurisdiction_id={county}&status=closed&api_key={key}", format, HttpStatusCode.OK),
            r => r.Fields["service_request_id"] == id);
        var token = (await ReadAsync(open311, $"/open311/v2/tokens/{id}.{format}?jurisdiction_id={county}&api_key={key}", format, HttpStatusCode.OK)).Single();
        AssertFields(token, "service_request_id", "token");
        Assert.Equal(id, token.Fields["service_request_id"]);

        // The community cancels it as a duplicate: the client sees it closed, our status in status_notes.
        using var cancel = new HttpRequestMessage(HttpMethod.Post, $"/api/dispatch/counties/{county}/requests/{id}/cancel")
        {
            Content = System.Net.Http.Json.JsonContent.Create(new { reason = "重复诉求" }),
        };
        await (await operatorClient.SendAsync(cancel)).OkAsync();
        var closed = (await ReadAsync(open311, $"/open311/v2/requests/{id}.{format}?jurisdiction_id={county}&api_key={key}", format, HttpStatusCode.OK)).Single();
        Assert.Equal("closed", closed.Fields["status"]);
        Assert.StartsWith("cancelled", closed.Fields["status_notes"]);
    }

    [Theory]
    [InlineData("json")]
    [InlineData("xml")]
    public async Task Errors_are_the_specs_list_of_code_and_description(string format)
    {
        var platform = await fixture.PlatformAsync();
        var (county, communityId) = await CountyWithCommunityAsync(platform);
        var other = await GatewayClients.CountyAsync(platform);
        var key = (await GatewayClients.CreateAsync(platform, county, scopes: ["requests:read", "requests:write"])).Key;
        var readOnly = (await GatewayClients.CreateAsync(platform, county, scopes: ["requests:read"])).Key;
        using var open311 = platform.GatewayAs(null);
        var form = new Dictionary<string, string>
        {
            ["jurisdiction_id"] = county, ["service_code"] = "livelihood", ["address_string"] = "东门社区", ["description"] = "路灯不亮",
            ["attribute[community]"] = communityId.ToString(),
        };

        await ErrorAsync(PostAsync(open311, $"/open311/v2/requests.{format}", form, format, HttpStatusCode.Unauthorized), 401);
        await ErrorAsync(PostAsync(open311, $"/open311/v2/requests.{format}", With(form, "api_key", "gwk_wrong"), format, HttpStatusCode.Unauthorized), 401);
        await ErrorAsync(PostAsync(open311, $"/open311/v2/requests.{format}", With(form, "api_key", readOnly), format, HttpStatusCode.Forbidden), 403);
        var missing = await ErrorAsync(PostAsync(open311, $"/open311/v2/requests.{format}",
            With(With(form, "api_key", key), "service_code", ""), format, HttpStatusCode.BadRequest), 400);
        Assert.Contains(missing, e => e.Fields["description"].Contains("service_code"));
        var phone = await ErrorAsync(PostAsync(open311, $"/open311/v2/requests.{format}",
            With(With(form, "api_key", key), "phone", "12"), format, HttpStatusCode.BadRequest), 400);
        Assert.StartsWith("phone: ", phone.Single().Fields["description"]);
        await ErrorAsync(PostAsync(open311, $"/open311/v2/requests.{format}", With(With(form, "api_key", key), "jurisdiction_id", other), format, HttpStatusCode.NotFound), 404);
        await ErrorAsync(ReadAsync(open311, $"/open311/v2/services.{format}?jurisdiction_id=000000", format, HttpStatusCode.NotFound), 404);
        await ErrorAsync(ReadAsync(open311, $"/open311/v2/services.{format}", format, HttpStatusCode.BadRequest), 400);
        await ErrorAsync(ReadAsync(open311, $"/open311/v2/services/unknown.{format}?jurisdiction_id={county}", format, HttpStatusCode.NotFound), 404);
        await ErrorAsync(ReadAsync(open311, $"/open311/v2/requests.{format}?jurisdiction_id={county}", format, HttpStatusCode.Unauthorized), 401);
        await ErrorAsync(ReadAsync(open311, $"/open311/v2/requests.{format}?jurisdiction_id={county}&status=done&api_key={key}", format, HttpStatusCode.BadRequest), 400);
        // A date or a local time without its offset would be read as UTC, eight hours off the county's day: refused.
        var dateOnly = await ErrorAsync(ReadAsync(open311, $"/open311/v2/requests.{format}?jurisdiction_id={county}&start_date=2026-12-02&api_key={key}", format, HttpStatusCode.BadRequest), 400);
        Assert.Contains(dateOnly, e => e.Fields["description"].Contains("start_date"));
        await ErrorAsync(ReadAsync(open311, $"/open311/v2/requests/{Guid.NewGuid()}.{format}?jurisdiction_id={county}&api_key={key}", format, HttpStatusCode.NotFound), 404);
        // Another county's request is not found through this county's key.
        await ErrorAsync(ReadAsync(open311, $"/open311/v2/requests.{format}?jurisdiction_id={other}&api_key={key}", format, HttpStatusCode.NotFound), 404);
    }

    [Theory]
    [InlineData("json")]
    [InlineData("xml")]
    public async Task Input_the_platform_cannot_take_is_refused_with_the_specs_errors_never_a_500(string format)
    {
        var (platform, county, communityId, key) = await CountyWithHotlineAsync();
        using var open311 = platform.GatewayAs(null);
        var path = $"/open311/v2/requests.{format}";
        var form = new Dictionary<string, string>
        {
            ["api_key"] = key, ["jurisdiction_id"] = county, ["service_code"] = "livelihood", ["description"] = "路灯不亮",
            ["attribute[community]"] = communityId.ToString(), ["lat"] = "30.5392", ["long"] = "106.4402",
        };

        // Coordinates that are no number of degrees, each named as the client's parameter.
        foreach (var (lat, lon, named) in new[]
                 {
                     ("NaN", "106.4402", "lat"), ("Infinity", "106.4402", "lat"), ("1e999", "106.4402", "lat"), ("30.5392", "-Infinity", "long"),
                     ("30.5392", "-1e999", "long"), ("90.5", "106.4402", "lat"), ("30.5392", "180.1", "long"),
                 })
        {
            var errors = await ErrorAsync(PostAsync(open311, path, With(With(form, "lat", lat), "long", lon), format, HttpStatusCode.BadRequest), 400);
            Assert.StartsWith($"{named} must be decimal degrees", Assert.Single(errors).Fields["description"]);
        }

        // A body that is no readable form: multipart without its boundary, a multipart body cut short, more fields than the limit.
        var noBoundary = new StringContent("--x\r\nContent-Disposition: form-data; name=\"api_key\"\r\n\r\n" + key + "\r\n--x--\r\n");
        noBoundary.Headers.ContentType = System.Net.Http.Headers.MediaTypeHeaderValue.Parse("multipart/form-data");
        var cutShort = new StringContent("--x\r\nContent-Disposition: form-data; name=\"api_key\"\r\n\r\n" + key);
        cutShort.Headers.ContentType = System.Net.Http.Headers.MediaTypeHeaderValue.Parse("multipart/form-data; boundary=x");
        var crowded = new FormUrlEncodedContent(form.Concat(Enumerable.Range(0, 1100).Select(i => KeyValuePair.Create($"note{i}", "x"))));
        foreach (var body in new HttpContent[] { noBoundary, cutShort, crowded })
        {
            using var answer = await open311.PostAsync(path, body);
            var errors = await ErrorAsync(ParseAsync(answer, format, HttpStatusCode.BadRequest), 400);
            Assert.StartsWith("The body must be a form", Assert.Single(errors).Fields["description"]);
        }

        // An end_date with no room for the 90 days before it.
        var early = await ErrorAsync(ReadAsync(open311, $"/open311/v2/requests.{format}?jurisdiction_id={county}&end_date=0001-01-01T00:00:00Z&api_key={key}",
            format, HttpStatusCode.BadRequest), 400);
        Assert.StartsWith("end_date ", Assert.Single(early).Fields["description"]);
        await ReadAsync(open311, $"/open311/v2/requests.{format}?jurisdiction_id={county}&start_date=0001-01-01T00:00:00Z&end_date=0001-01-02T00:00:00Z&api_key={key}",
            format, HttpStatusCode.OK);

        // At most 100 ids in one call: each is a call to Dispatch.
        var ids = Enumerable.Range(0, 101).Select(_ => Guid.NewGuid().ToString()).ToList();
        var tooMany = await ErrorAsync(ReadAsync(open311, $"/open311/v2/requests.{format}?jurisdiction_id={county}&service_request_id={string.Join(',', ids)}&api_key={key}",
            format, HttpStatusCode.BadRequest), 400);
        Assert.StartsWith("service_request_id ", Assert.Single(tooMany).Fields["description"]);
        Assert.Empty(await ReadAsync(open311, $"/open311/v2/requests.{format}?jurisdiction_id={county}&service_request_id={string.Join(',', ids.Take(100))}&api_key={key}",
            format, HttpStatusCode.OK));
    }

    [Fact]
    public async Task A_service_definition_lists_every_community_and_village_past_one_page_of_Registry()
    {
        var platform = await fixture.PlatformAsync();
        var county = await GatewayClients.CountyAsync(platform);
        using var client = platform.Gateway();
        // More communities than Registry answers in one page (200), and a village.
        var csv = new System.Text.StringBuilder("code,name,level,parent_code\nS1,城关街道,street,\n");
        for (var i = 1; i <= 203; i++)
        {
            csv.Append($"C{i:000},第{i}社区,community,S1\n");
        }
        csv.Append("V1,河口村,village,S1\n");
        await new Platform.DemoCounty.DemoCountyLoader(client).ImportAsync(county, "areas", csv.ToString());
        using var open311 = platform.GatewayAs(null);

        var definition = (await ReadAsync(open311, $"/open311/v2/services/livelihood.json?jurisdiction_id={county}", "json", HttpStatusCode.OK)).Single();

        var names = definition.Lists["attributes"].Single().Lists["values"].Select(v => v.Fields["name"]).ToList();
        Assert.Equal(204, names.Count);
        Assert.Equal(204, names.Distinct().Count());
        Assert.Contains("第203社区", names);
        Assert.Contains("河口村", names);
    }

    [Fact]
    public async Task A_character_XML_cannot_carry_is_replaced_in_XML_and_kept_in_JSON()
    {
        var (platform, county, communityId, key) = await CountyWithHotlineAsync();
        using var open311 = platform.GatewayAs(null);
        // Pasted from another program, a vertical tab (U+000B), which XML 1.0 cannot carry; Dispatch keeps it.
        var form = new Dictionary<string, string>
        {
            ["api_key"] = key, ["jurisdiction_id"] = county, ["service_code"] = "livelihood", ["description"] = "楼道灯坏了\u000B三天",
            ["attribute[community]"] = communityId.ToString(), ["address_string"] = "东门社区3栋",
        };
        var id = (await PostAsync(open311, "/open311/v2/requests.json", form, "json", HttpStatusCode.OK)).Single().Fields["service_request_id"];

        var xml = (await ReadAsync(open311, $"/open311/v2/requests/{id}.xml?jurisdiction_id={county}&api_key={key}", "xml", HttpStatusCode.OK)).Single();
        Assert.Equal("楼道灯坏了\uFFFD三天", xml.Fields["description"]);
        var listed = await ReadAsync(open311, $"/open311/v2/requests.xml?jurisdiction_id={county}&service_request_id={id}&api_key={key}", "xml", HttpStatusCode.OK);
        Assert.Equal("楼道灯坏了\uFFFD三天", listed.Single().Fields["description"]);
        var json = (await ReadAsync(open311, $"/open311/v2/requests/{id}.json?jurisdiction_id={county}&api_key={key}", "json", HttpStatusCode.OK)).Single();
        Assert.Equal("楼道灯坏了\u000B三天", json.Fields["description"]);
    }

    /// <summary>A county with a community, and the key of its hotline, which files and reads requests.</summary>
    private async Task<(RunningPlatform Platform, string County, Guid CommunityId, string Key)> CountyWithHotlineAsync()
    {
        var platform = await fixture.PlatformAsync();
        var (county, communityId) = await CountyWithCommunityAsync(platform);
        var key = (await GatewayClients.CreateAsync(platform, county, scopes: ["requests:read", "requests:write"])).Key;
        return (platform, county, communityId, key);
    }

    /// <summary>A county with a street and a community made through Registry's API, once Dispatch and the gateway know them.</summary>
    private static async Task<(string County, Guid CommunityId)> CountyWithCommunityAsync(RunningPlatform platform)
    {
        var county = await GatewayClients.CountyAsync(platform);
        using var client = platform.Gateway();
        var street = await (await client.PostJsonAsync($"/api/registry/counties/{county}/areas", new { code = "S1", name = "城关街道", level = "street" })).OkAsync(HttpStatusCode.Created);
        var community = await (await client.PostJsonAsync($"/api/registry/counties/{county}/areas",
            new { code = "C1", name = "东门社区", level = "community", parentId = street.Id() })).OkAsync(HttpStatusCode.Created);
        await Poll.UntilAsync(() => platform.Fixture.QueryScalarAsync<long>(platform.Databases["dispatch"].Name,
            $"SELECT count(*) FROM registry_areas WHERE id = '{community.Id()}'"), n => n == 1, TimeSpan.FromSeconds(20), "Dispatch to learn of the community");
        return (county, community.Id());
    }

    /// <summary>One answer's items, whatever the format: each item's scalar fields and its lists.</summary>
    private sealed record Item(Dictionary<string, string> Fields, Dictionary<string, List<Item>> Lists);

    private static async Task<List<Item>> ReadAsync(HttpClient client, string path, string format, HttpStatusCode status)
    {
        using var response = await client.GetAsync(path);
        return await ParseAsync(response, format, status);
    }

    private static async Task<List<Item>> PostAsync(HttpClient client, string path, Dictionary<string, string> form, string format, HttpStatusCode status)
    {
        using var response = await client.PostAsync(path, new FormUrlEncodedContent(form));
        return await ParseAsync(response, format, status);
    }

    private static async Task<List<Item>> ParseAsync(HttpResponseMessage response, string format, HttpStatusCode status)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == status, $"Expected {(int)status}, got {(int)response.StatusCode}: {text}");
        if (format == "xml")
        {
            Assert.Equal("text/xml", response.Content.Headers.ContentType?.MediaType);
            var root = XDocument.Parse(text).Root!;
            // A list root (services, service_requests, errors) holds items; a single document is its own item.
            var listRoots = new[] { "services", "service_requests", "errors" };
            return listRoots.Contains(root.Name.LocalName) ? root.Elements().Select(FromXml).ToList() : [FromXml(root)];
        }
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        var json = JsonDocument.Parse(text).RootElement;
        return json.ValueKind == JsonValueKind.Array ? json.EnumerateArray().Select(FromJson).ToList() : [FromJson(json)];
    }

    private static Item FromJson(JsonElement element)
    {
        var item = new Item([], []);
        foreach (var property in element.EnumerateObject())
        {
            if (property.Value.ValueKind == JsonValueKind.Array)
            {
                item.Lists[property.Name] = property.Value.EnumerateArray()
                    .Select(v => v.ValueKind == JsonValueKind.Object ? FromJson(v) : new Item(new() { ["value"] = v.ToString() }, [])).ToList();
            }
            else
            {
                item.Fields[property.Name] = property.Value.ValueKind switch
                {
                    JsonValueKind.Null => "",
                    JsonValueKind.True => "true",
                    JsonValueKind.False => "false",
                    _ => property.Value.ToString(),
                };
            }
        }
        return item;
    }

    private static Item FromXml(XElement element)
    {
        var item = new Item([], []);
        foreach (var child in element.Elements())
        {
            if (child.HasElements)
            {
                item.Lists[child.Name.LocalName] = child.Elements()
                    .Select(e => e.HasElements ? FromXml(e) : new Item(new() { ["value"] = e.Value }, [])).ToList();
            }
            else
            {
                item.Fields[child.Name.LocalName] = child.Value;
            }
        }
        return item;
    }

    private static void AssertFields(Item item, params string[] fields)
    {
        foreach (var field in fields)
        {
            Assert.True(item.Fields.ContainsKey(field) || item.Lists.ContainsKey(field),
                $"'{field}' is missing; the item has {string.Join(", ", item.Fields.Keys.Concat(item.Lists.Keys))}");
        }
    }

    private static async Task<List<Item>> ErrorAsync(Task<List<Item>> answer, int code)
    {
        var errors = await answer;
        Assert.NotEmpty(errors);
        Assert.All(errors, e =>
        {
            AssertFields(e, "code", "description");
            Assert.Equal(code.ToString(), e.Fields["code"]);
        });
        return errors;
    }

    private static Dictionary<string, string> With(Dictionary<string, string> form, string name, string value) => new(form) { [name] = value };
}

using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Primitives;
using Platform.Gateway.Access;
using Platform.ServiceDefaults.Auth;
using Platform.ServiceDefaults.Http;
using Platform.ServiceDefaults.Http.Idempotency;
using Platform.ServiceDefaults.Tenancy;

namespace Platform.Gateway.Open311;

/// <summary>
/// Open311 GeoReport v2 at <c>/open311/v2/</c>, mapped onto Dispatch: a county is a
/// <c>jurisdiction_id</c> (its code), a service is one of its request categories, a service request
/// is a request placed over the <c>open311</c> channel. <c>api_key</c> is a county's credential
/// (needed to post, and to read requests unless <c>Open311:AnonymousReads</c>); the catalogue
/// (discovery, services, definitions) is public. JSON or XML by the path's extension; errors are the
/// spec's list of <c>{code, description}</c>; our statuses travel in <c>status_notes</c>.
/// See docs/gateway/open311.md.
/// </summary>
public static class Open311Api
{
    public const string Prefix = "/open311/v2";
    private const string CommunityAttribute = "community";
    private const int MaxResults = 1000;
    private const int MaxIds = 100;
    private static readonly TimeSpan DefaultWindow = TimeSpan.FromDays(90);
    private static readonly string[] OpenStatuses = ["placed", "assigned", "pooled", "claimed", "in_progress"];
    private static readonly string[] ClosedStatuses = ["completed", "closed", "cancelled"];

    private static readonly Dictionary<string, string> StatusLabels = new()
    {
        ["placed"] = "已受理，待派单", ["assigned"] = "已派单，待接单", ["pooled"] = "待党员认领", ["claimed"] = "已接单",
        ["in_progress"] = "办理中", ["completed"] = "已办结，待回访评价", ["closed"] = "已办结", ["cancelled"] = "已撤销",
    };

    /// <summary>Dispatch's fields, as the Open311 parameters a client sent.</summary>
    private static readonly Dictionary<string, string> Parameters = new()
    {
        ["category"] = "service_code", ["description"] = "description", ["communityId"] = $"attribute[{CommunityAttribute}]",
        ["gridId"] = $"attribute[{CommunityAttribute}]", ["address"] = "address_string", ["latitude"] = "lat", ["longitude"] = "long",
        ["residentName"] = "first_name", ["residentPhone"] = "phone", ["attachments[0]"] = "media_url",
    };

    public static IServiceCollection AddOpen311(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSingleton<Open311Backend>();
        services.AddHttpClient(Open311Backend.HttpClientName, client => client.Timeout = configuration.GetValue("Gateway:ForwardTimeout", TimeSpan.FromSeconds(100)));
        return services;
    }

    public static IEndpointRouteBuilder MapOpen311Api(this IEndpointRouteBuilder endpoints)
    {
        // Dispatch applies Idempotency-Key to the requests the facade places.
        var open311 = endpoints.MapGroup(Prefix).WithTags("Open311 GeoReport v2").WithMetadata(IdempotencyAppliedDownstream.Instance);
        open311.MapGet("/discovery.{format}", Discovery).WithName("open311.Discovery").WithSummary("Service discovery: the endpoint, its specification and formats");
        open311.MapGet("/services.{format}", Services).WithName("open311.Services").WithSummary("The jurisdiction's (county's) services: its request categories");
        open311.MapGet("/services/{service_code}.{format}", ServiceDefinition).WithName("open311.ServiceDefinition")
            .WithSummary("A service's definition: its attributes (the community is required)");
        open311.MapPost("/requests.{format}", PostRequest).WithName("open311.PostRequest").WithSummary("File a service request (needs api_key)")
            .Accepts<IFormCollection>("application/x-www-form-urlencoded", "multipart/form-data");
        open311.MapGet("/requests.{format}", GetRequests).WithName("open311.GetRequests")
            .WithSummary("Service requests by id, service, dates and status (newest first, at most 1000, 90 days by default)");
        open311.MapGet("/requests/{service_request_id}.{format}", GetRequest).WithName("open311.GetRequest").WithSummary("One service request");
        open311.MapGet("/tokens/{token}.{format}", GetToken).WithName("open311.GetToken").WithSummary("The service request id behind a token (ids are given at once, so a token is the id)");
        return endpoints;
    }

    private static IResult Discovery(string format, HttpContext http)
    {
        if (!Open311Format.IsKnown(format))
        {
            return UnknownFormat();
        }
        var url = $"{http.Request.Scheme}://{http.Request.Host}{Prefix}/";
        return Open311Format.Answer(format, new JsonObject
        {
            ["changeset"] = "2026-01-01T00:00:00Z",
            ["contact"] = "The platform operator of your county (双联双报到 platform).",
            ["key_service"] = "Ask the platform operator for a county credential (API key); it is the api_key parameter.",
            ["endpoints"] = new JsonArray(new JsonObject
            {
                ["specification"] = "http://wiki.open311.org/GeoReport_v2",
                ["url"] = url,
                ["changeset"] = "2026-01-01T00:00:00Z",
                ["type"] = "production",
                ["formats"] = new JsonArray("application/json", "text/xml"),
            }),
        }, "discovery", "discovery");
    }

    private static async Task<IResult> Services(string format, string? jurisdiction_id, HttpContext http, Open311Backend backend, CancellationToken cancellationToken)
    {
        var (county, problem) = await JurisdictionAsync(http, format, jurisdiction_id, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }
        var categories = await backend.GetAsync("dispatch", $"/api/dispatch/counties/{county}/request-categories", null, county!, cancellationToken);
        if (!categories.Ok)
        {
            return Failed(format, categories);
        }
        var services = new JsonArray(categories.Body.EnumerateArray().Select(c => (JsonNode)new JsonObject
        {
            ["service_code"] = c.GetProperty("code").GetString(),
            ["service_name"] = c.GetProperty("name").GetString(),
            ["description"] = c.TryGetProperty("description", out var d) ? d.GetString() ?? "" : "",
            ["metadata"] = true,
            ["type"] = "realtime",
            ["keywords"] = string.Join(",", c.GetProperty("skills").EnumerateArray().Select(s => s.GetString())),
            ["group"] = "社区服务",
        }).ToArray());
        return Open311Format.Answer(format, services, "services", "service");
    }

    private static async Task<IResult> ServiceDefinition(
        string service_code, string format, string? jurisdiction_id, HttpContext http, Open311Backend backend, CancellationToken cancellationToken)
    {
        var (county, problem) = await JurisdictionAsync(http, format, jurisdiction_id, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }
        var categories = await backend.GetAsync("dispatch", $"/api/dispatch/counties/{county}/request-categories", null, county!, cancellationToken);
        if (!categories.Ok)
        {
            return Failed(format, categories);
        }
        if (!categories.Body.EnumerateArray().Any(c => c.GetProperty("code").GetString() == service_code))
        {
            return Open311Format.Errors(format, StatusCodes.Status404NotFound, $"service_code '{service_code}' is not a service of jurisdiction {county}.");
        }
        var values = new JsonArray();
        foreach (var level in new[] { "community", "village" })
        {
            // A county may have more communities or villages than Registry answers in one page: read them all.
            for (var page = 1; ; page++)
            {
                var areas = await backend.GetAsync("registry",
                    $"/api/registry/counties/{county}/areas?level={level}&page={page}&pageSize={PageRequest.MaxPageSize}", null, county!, cancellationToken);
                if (!areas.Ok)
                {
                    return Failed(format, areas);
                }
                var items = areas.Body.GetProperty("items");
                foreach (var area in items.EnumerateArray())
                {
                    values.Add(new JsonObject { ["key"] = area.GetProperty("id").GetString(), ["name"] = area.GetProperty("name").GetString() });
                }
                if (items.GetArrayLength() < PageRequest.MaxPageSize || (long)page * PageRequest.MaxPageSize >= areas.Body.GetProperty("total").GetInt64())
                {
                    break;
                }
            }
        }
        return Open311Format.Answer(format, new JsonObject
        {
            ["service_code"] = service_code,
            ["attributes"] = new JsonArray(new JsonObject
            {
                ["variable"] = true,
                ["code"] = CommunityAttribute,
                ["datatype"] = "singlevaluelist",
                ["required"] = true,
                ["datatype_description"] = "The community or village (社区/村) the request is in.",
                ["order"] = 1,
                ["description"] = "社区",
                ["values"] = values,
            }),
        }, "service_definition", "service_definition");
    }

    private static async Task<IResult> PostRequest(string format, HttpContext http, Open311Backend backend, CancellationToken cancellationToken)
    {
        if (!Open311Format.IsKnown(format))
        {
            return UnknownFormat();
        }
        var (form, unreadable) = await Forms.ReadAsync(http.Request, cancellationToken);
        if (unreadable is not null)
        {
            return Open311Format.Errors(format, StatusCodes.Status400BadRequest, unreadable);
        }
        if (await CallerAsync(http, format, anonymousAllowed: false) is { } refused)
        {
            return refused;
        }
        var caller = ApiKeyAuthenticationHandler.CallerOf(http)!;
        var (county, problem) = await JurisdictionAsync(http, format, First(form, "jurisdiction_id"), cancellationToken);
        if (problem is not null)
        {
            return problem;
        }
        var missing = new[] { "service_code", "description" }.Where(p => First(form, p) is null).ToList();
        var community = First(form, $"attribute[{CommunityAttribute}]");
        if (community is null)
        {
            missing.Add($"attribute[{CommunityAttribute}]");
        }
        if (First(form, "lat") is null && First(form, "long") is null && First(form, "address_string") is null && First(form, "address_id") is null)
        {
            missing.Add("lat/long, address_string or address_id");
        }
        if (missing.Count > 0)
        {
            return Open311Format.Errors(format, StatusCodes.Status400BadRequest, missing.Select(p => $"{p} is required.").ToArray());
        }
        if (!Guid.TryParse(community, out var communityId))
        {
            return Open311Format.Errors(format, StatusCodes.Status400BadRequest,
                $"attribute[{CommunityAttribute}] must be one of the values of the service definition (a community's key).");
        }
        double? lat = null, lon = null;
        if (First(form, "lat") is { } latText && First(form, "long") is { } longText)
        {
            (lat, lon) = (Degrees(latText, 90), Degrees(longText, 180));
            var invalid = new[] { ("lat", lat, 90), ("long", lon, 180) }.Where(c => c.Item2 is null)
                .Select(c => $"{c.Item1} must be decimal degrees (WGS84) between -{c.Item3} and {c.Item3}.").ToArray();
            if (invalid.Length > 0)
            {
                return Open311Format.Errors(format, StatusCodes.Status400BadRequest, invalid);
            }
        }
        var body = new
        {
            category = First(form, "service_code"),
            description = First(form, "description"),
            communityId,
            address = First(form, "address_string") ?? First(form, "address_id"),
            latitude = lat,
            longitude = lon,
            residentName = Name(First(form, "first_name"), First(form, "last_name")),
            residentPhone = First(form, "phone"),
            channel = "open311",
            attachments = First(form, "media_url") is { } media ? new[] { media } : null,
        };
        var answer = await backend.PostAsync("dispatch", $"/api/dispatch/counties/{county}/requests", body, caller, county!,
            http.Request.Headers["Idempotency-Key"].ToString() is { Length: > 0 } key ? key : null, cancellationToken);
        if (!answer.Ok)
        {
            return Failed(format, answer);
        }
        return Open311Format.Answer(format, new JsonArray(new JsonObject
        {
            ["service_request_id"] = answer.Body.GetProperty("id").GetString(),
            ["service_notice"] = "已受理：社区将在时限内派单办理。",
            ["account_id"] = First(form, "account_id") ?? "",
        }), "service_requests", "request");
    }

    private static async Task<IResult> GetRequests(
        string format, string? jurisdiction_id, string? service_request_id, string? service_code, string? start_date, string? end_date, string? status,
        HttpContext http, Open311Backend backend, IConfiguration configuration, TimeProvider clock, CancellationToken cancellationToken)
    {
        var (county, problem) = await ReaderAsync(http, format, jurisdiction_id, configuration, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }
        var caller = ApiKeyAuthenticationHandler.CallerOf(http);
        var names = await CategoryNamesAsync(backend, county!, cancellationToken);
        var found = new List<JsonElement>();
        if (Split(service_request_id) is { Length: > 0 } ids)
        {
            // Each id is a call to Dispatch, and the whole list costs the caller one call of its rate limit.
            if (ids.Length > MaxIds)
            {
                return Open311Format.Errors(format, StatusCodes.Status400BadRequest,
                    $"service_request_id takes at most {MaxIds} ids (comma-separated); ask for more in several calls.");
            }
            // By id, the other filters are ignored (as the spec says).
            foreach (var id in ids)
            {
                if (!Guid.TryParse(id, out var requestId))
                {
                    continue;
                }
                var one = await backend.GetAsync("dispatch", $"/api/dispatch/counties/{county}/requests/{requestId}", caller, county!, cancellationToken);
                if (one.Ok)
                {
                    found.Add(one.Body);
                }
                else if (one.Status != StatusCodes.Status404NotFound)
                {
                    return Failed(format, one);
                }
            }
            var agenciesById = await backend.AgenciesAsync(county!, found, cancellationToken);
            return Open311Format.Answer(format, new JsonArray(found.Select(r => (JsonNode)Request(r, names, agenciesById)).ToArray()), "service_requests", "request");
        }

        var errors = new List<string>();
        var end = Date(end_date, "end_date", errors) ?? clock.GetUtcNow();
        var start = Date(start_date, "start_date", errors) ?? DateTimeOffset.MinValue;
        if (string.IsNullOrWhiteSpace(start_date))
        {
            // The default window reaches back 90 days from end_date, which must leave room for it.
            if (end - DateTimeOffset.MinValue < DefaultWindow)
            {
                errors.Add("end_date must be later than 0001-04-01T00:00:00Z: without start_date, the 90 days before it are read.");
            }
            else
            {
                start = end - DefaultWindow;
            }
        }
        var statuses = new List<string>();
        foreach (var s in Split(status))
        {
            if (s == "open")
            {
                statuses.AddRange(OpenStatuses);
            }
            else if (s == "closed")
            {
                statuses.AddRange(ClosedStatuses);
            }
            else
            {
                errors.Add("status must be open or closed (or both, comma-separated).");
            }
        }
        var codes = Split(service_code);
        if (codes.FirstOrDefault(c => !names.ContainsKey(c)) is { } unknown)
        {
            errors.Add($"service_code '{unknown}' is not a service of jurisdiction {county}.");
        }
        if (errors.Count > 0)
        {
            return Open311Format.Errors(format, StatusCodes.Status400BadRequest, [.. errors]);
        }
        var targets = codes.Length == 0 ? new string?[] { null } : codes.Cast<string?>().ToArray();
        foreach (var code in targets)
        {
            for (var page = 1; found.Count < MaxResults * Math.Max(1, codes.Length); page++)
            {
                var query = $"?placedFrom={Uri.EscapeDataString(start.ToString("O"))}&placedTo={Uri.EscapeDataString(end.ToString("O"))}&pageSize=200&page={page}"
                    + (code is null ? "" : $"&category={Uri.EscapeDataString(code)}")
                    + (statuses.Count == 0 ? "" : $"&status={string.Join(',', statuses.Distinct())}");
                var list = await backend.GetAsync("dispatch", $"/api/dispatch/counties/{county}/requests{query}", caller, county!, cancellationToken);
                if (!list.Ok)
                {
                    return Failed(format, list);
                }
                var items = list.Body.GetProperty("items").EnumerateArray().ToList();
                found.AddRange(items);
                if (items.Count < 200 || page * 200 >= MaxResults)
                {
                    break;
                }
            }
        }
        var newest = found.OrderByDescending(r => r.GetProperty("placedAt").GetDateTimeOffset()).Take(MaxResults).ToList();
        var agencies = await backend.AgenciesAsync(county!, newest, cancellationToken);
        return Open311Format.Answer(format, new JsonArray(newest.Select(r => (JsonNode)Request(r, names, agencies)).ToArray()), "service_requests", "request");
    }

    private static async Task<IResult> GetRequest(
        string service_request_id, string format, string? jurisdiction_id, HttpContext http, Open311Backend backend, IConfiguration configuration,
        CancellationToken cancellationToken)
    {
        var (county, problem) = await ReaderAsync(http, format, jurisdiction_id, configuration, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }
        if (!Guid.TryParse(service_request_id, out var id))
        {
            return Open311Format.Errors(format, StatusCodes.Status404NotFound, $"No service request {service_request_id} in jurisdiction {county}.");
        }
        var one = await backend.GetAsync("dispatch", $"/api/dispatch/counties/{county}/requests/{id}", ApiKeyAuthenticationHandler.CallerOf(http), county!, cancellationToken);
        if (!one.Ok)
        {
            return one.Status == StatusCodes.Status404NotFound
                ? Open311Format.Errors(format, StatusCodes.Status404NotFound, $"No service request {service_request_id} in jurisdiction {county}.")
                : Failed(format, one);
        }
        var names = await CategoryNamesAsync(backend, county!, cancellationToken);
        var agency = await backend.AgenciesAsync(county!, [one.Body], cancellationToken);
        return Open311Format.Answer(format, new JsonArray(Request(one.Body, names, agency)), "service_requests", "request");
    }

    private static async Task<IResult> GetToken(
        string token, string format, string? jurisdiction_id, HttpContext http, Open311Backend backend, IConfiguration configuration, CancellationToken cancellationToken)
    {
        var (county, problem) = await ReaderAsync(http, format, jurisdiction_id, configuration, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }
        var found = Guid.TryParse(token, out var id)
            && (await backend.GetAsync("dispatch", $"/api/dispatch/counties/{county}/requests/{id}", ApiKeyAuthenticationHandler.CallerOf(http), county!, cancellationToken)).Ok;
        if (!found)
        {
            return Open311Format.Errors(format, StatusCodes.Status404NotFound, $"No service request for token {token} in jurisdiction {county}.");
        }
        return Open311Format.Answer(format, new JsonArray(new JsonObject { ["service_request_id"] = id.ToString(), ["token"] = token }), "service_requests", "request");
    }

    /// <summary>A GeoReport request from a Dispatch request, with its service's name and who answers for it.</summary>
    private static JsonObject Request(JsonElement r, IReadOnlyDictionary<string, string> names, IReadOnlyDictionary<string, string> agencies)
    {
        string? Text(string name) => r.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
        double? Number(string name) => r.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetDouble() : null;
        DateTimeOffset? Instant(string name) => Text(name) is { } text ? DateTimeOffset.Parse(text, CultureInfo.InvariantCulture) : null;
        // Every instant in the spec's W3C form, to the second.
        static string W3c(DateTimeOffset? instant) => instant?.ToString("yyyy-MM-ddTHH:mm:sszzz", CultureInfo.InvariantCulture) ?? "";
        var status = Text("status")!;
        var notes = $"{status}: {StatusLabels.GetValueOrDefault(status, status)}";
        if (r.TryGetProperty("overdue", out var overdue) && overdue.ValueKind == JsonValueKind.True)
        {
            notes += "; 已超时 (overdue)";
        }
        if (Text("escalationLevel") is { } level && level != "none")
        {
            notes += $"; escalated to {level}";
        }
        if (Text("result") is { } result)
        {
            notes += $"; 办理结果: {result}";
        }
        if (Text("satisfaction") is { } satisfaction)
        {
            notes += $"; satisfaction: {satisfaction}";
        }
        var updated = new[] { "placedAt", "dispatchedAt", "respondedAt", "startedAt", "completedAt", "ratedAt", "closedAt", "cancelledAt" }
            .Select(Instant).Max();
        var category = Text("category")!;
        return new JsonObject
        {
            ["service_request_id"] = Text("id"),
            ["status"] = ClosedStatuses.Contains(status) ? "closed" : "open",
            ["status_notes"] = notes,
            ["service_name"] = names.GetValueOrDefault(category, category),
            ["service_code"] = category,
            ["description"] = Text("description"),
            ["agency_responsible"] = agencies.GetValueOrDefault(Text("id")!, ""),
            ["service_notice"] = "",
            ["requested_datetime"] = W3c(Instant("placedAt")),
            ["updated_datetime"] = W3c(updated),
            ["expected_datetime"] = W3c(Instant("completionDueAt") ?? Instant("responseDueAt")),
            ["address"] = Text("address") ?? "",
            ["address_id"] = "",
            ["zipcode"] = "",
            ["lat"] = Number("latitude"),
            ["long"] = Number("longitude"),
            ["media_url"] = r.TryGetProperty("attachments", out var attachments) && attachments.GetArrayLength() > 0 ? attachments[0].GetString() : "",
        };
    }

    private static async Task<IReadOnlyDictionary<string, string>> CategoryNamesAsync(Open311Backend backend, string county, CancellationToken cancellationToken)
    {
        var categories = await backend.GetAsync("dispatch", $"/api/dispatch/counties/{county}/request-categories", null, county, cancellationToken);
        return categories.Ok
            ? categories.Body.EnumerateArray().ToDictionary(c => c.GetProperty("code").GetString()!, c => c.GetProperty("name").GetString()!)
            : new Dictionary<string, string>();
    }

    /// <summary>
    /// The county named by jurisdiction_id (the caller's own when it is county-bound and names none).
    /// A county-bound caller naming another county, or an unknown one, gets 404.
    /// </summary>
    private static async Task<(string? County, IResult? Problem)> JurisdictionAsync(HttpContext http, string format, string? jurisdiction, CancellationToken cancellationToken)
    {
        if (!Open311Format.IsKnown(format))
        {
            return (null, UnknownFormat());
        }
        var bound = http.User.BoundCounty();
        var code = string.IsNullOrWhiteSpace(jurisdiction) ? bound : jurisdiction.Trim();
        if (code is null)
        {
            return (null, Open311Format.Errors(format, StatusCodes.Status400BadRequest, "jurisdiction_id is required: the county's code, e.g. 511621."));
        }
        if ((bound is not null && bound != code) || await TenancyExtensions.FindCountyAsync(http.RequestServices, code, cancellationToken) is null)
        {
            return (null, Open311Format.Errors(format, StatusCodes.Status404NotFound, $"jurisdiction_id '{code}' is not known here."));
        }
        return (code, null);
    }

    /// <summary>The county a reading call is for, once its format and caller are acceptable; else the spec's error.</summary>
    private static async Task<(string? County, IResult? Problem)> ReaderAsync(
        HttpContext http, string format, string? jurisdiction, IConfiguration configuration, CancellationToken cancellationToken)
    {
        if (!Open311Format.IsKnown(format))
        {
            return (null, UnknownFormat());
        }
        if (await CallerAsync(http, format, configuration.GetValue("Open311:AnonymousReads", false)) is { } refused)
        {
            return (null, refused);
        }
        return await JurisdictionAsync(http, format, jurisdiction, cancellationToken);
    }

    /// <summary>Null when the call may go on; else the spec's 401 or 403 answer.</summary>
    private static async Task<IResult?> CallerAsync(HttpContext http, string format, bool anonymousAllowed)
    {
        if (ApiKeyAuthenticationHandler.CallerOf(http) is not null)
        {
            return null;
        }
        var failure = (await http.AuthenticateAsync(ApiKeyAuthenticationHandler.SchemeName)).Failure;
        if (failure is not null)
        {
            return Open311Format.Errors(format, StatusCodes.Status401Unauthorized, $"Invalid api_key: {failure.Message}");
        }
        return anonymousAllowed ? null : Open311Format.Errors(format, StatusCodes.Status401Unauthorized, "api_key is required: a county credential.");
    }

    /// <summary>A refusal from the platform in the spec's shape; a field named by the platform is named as the client's parameter.</summary>
    private static IResult Failed(string format, ServiceAnswer answer)
    {
        var (field, detail) = answer.Problem();
        var status = answer.Status is >= 400 and < 600 ? answer.Status : StatusCodes.Status502BadGateway;
        if (status >= 500)
        {
            return Open311Format.Errors(format, status, "The platform could not complete the call; retry later.");
        }
        var parameter = field is null ? null : Parameters.GetValueOrDefault(field, field);
        return Open311Format.Errors(format, status, parameter is null ? detail : $"{parameter}: {detail}");
    }

    private static IResult UnknownFormat() => Open311Format.Errors(Open311Format.Json, StatusCodes.Status404NotFound, "The format must be .json or .xml.");

    private static string? First(IFormCollection form, string name) =>
        form.TryGetValue(name, out var value) && !StringValues.IsNullOrEmpty(value) && value.ToString().Trim() is { Length: > 0 } text ? text : null;

    /// <summary>Decimal degrees within ±<paramref name="bound"/>; null for anything else (NaN, infinities, 1e999).</summary>
    private static double? Degrees(string text, double bound) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var degrees) && double.IsFinite(degrees) && Math.Abs(degrees) <= bound
            ? degrees
            : null;

    private static string[] Split(string? value) =>
        value?.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries) ?? [];

    private static DateTimeOffset? Date(string? text, string name, List<string> errors)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }
        // With its offset: a date or a local time alone would be read as UTC, eight hours off the county's day.
        if (ServiceDefaults.Http.Instant.TryParse(text, CultureInfo.InvariantCulture, out var instant))
        {
            return instant.Value;
        }
        errors.Add($"{name} must be a W3C date-time with its offset, e.g. 2026-05-01T00:00:00+08:00.");
        return null;
    }

    /// <summary>Chinese names are written family name first; others "first last".</summary>
    private static string? Name(string? first, string? last)
    {
        if (first is null || last is null)
        {
            return first ?? last;
        }
        static bool Han(string s) => s.All(c => c >= '\u2E80');
        return Han(first) && Han(last) ? last + first : $"{first} {last}";
    }
}

using System.ComponentModel.DataAnnotations;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Platform.Contracts.Registry;
using Platform.Registry.Areas;
using Platform.ServiceDefaults.Http;

namespace Platform.Registry.Organisations;

/// <summary>A contact point / service station (党群服务站).</summary>
/// <param name="Name">e.g. 东门社区党群服务站 (at most 100 characters).</param>
/// <param name="AreaId">The community, village or grid it serves.</param>
/// <param name="Address">At most 200 characters.</param>
/// <param name="Phone">Digits, optionally with '-' (at most 20).</param>
/// <param name="OpeningHours">As displayed, e.g. 工作日 9:00-17:00 (at most 100).</param>
public sealed record ServiceStationRequest([Required] string? Name, [Required] Guid? AreaId, string? Address, string? Phone, string? OpeningHours);

public sealed record ServiceStationResponse(
    Guid Id, string Name, Guid AreaId, string? Address, string? Phone, string? OpeningHours, DateTimeOffset CreatedAt, DateTimeOffset? RetiredAt, int Version)
{
    public static ServiceStationResponse From(ServiceStation s) =>
        new(s.Id, s.Name, s.AreaId, s.Address, s.Phone, s.OpeningHours, s.CreatedAt, s.RetiredAt, s.Version);
}

/// <summary>Service stations (党群服务站) of communities and grids: where residents find the party organisation.</summary>
public static class ServiceStationsApi
{
    public static RouteGroupBuilder MapServiceStationsApi(this RouteGroupBuilder county)
    {
        var stations = county.MapGroup("/service-stations").WithTags("Service stations");
        stations.MapPost("/", Create).WithName("registry.CreateServiceStation").WithSummary("Open a service station of a community or grid")
            .WithRequestExample(new { name = "东门社区党群服务站", areaId = "01a206e3-947e-7fa1-a3e6-8a00ebbbd983", address = "东门路1号", phone = "0826-5221234", openingHours = "工作日 9:00-17:00" });
        stations.MapGet("/", List).WithName("registry.ListServiceStations").WithSummary("List service stations, by area");
        stations.MapGet("/{id:guid}", Get).WithName("registry.GetServiceStation").WithSummary("Get one service station");
        stations.MapPut("/{id:guid}", Update).WithName("registry.UpdateServiceStation").WithSummary("Change a service station (If-Match)");
        stations.MapPost("/{id:guid}/retire", Retire).WithName("registry.RetireServiceStation").WithSummary("Close a service station");
        return county;
    }

    private static async Task<Results<Created<ServiceStationResponse>, ValidationProblem, ProblemHttpResult>> Create(
        ServiceStationRequest request, RegistryDbContext db, TimeProvider clock, HttpContext http, CancellationToken cancellationToken)
    {
        if (Validate(request) is { } invalid)
        {
            return invalid;
        }
        if (await CheckAreaAsync(db, request.AreaId!.Value, cancellationToken) is { } areaProblem)
        {
            return areaProblem;
        }
        var now = clock.GetUtcNow();
        var station = new ServiceStation { Id = Guid.CreateVersion7(now), Name = "", CreatedAt = now };
        Apply(station, request);
        db.ServiceStations.Add(station);
        db.Advance(station);
        db.Outbox.Publish(RegistryEvents.Changed(station, RegistryChange.Created, now));
        await db.SaveChangesAsync(cancellationToken);
        ETags.Tag(http, station);
        return TypedResults.Created(http.Request.Path.Add($"/{station.Id}").Value, ServiceStationResponse.From(station));
    }

    private static async Task<Results<Ok<Page<ServiceStationResponse>>, ValidationProblem>> List(
        Guid? areaId, bool? includeRetired, int? page, int? pageSize, RegistryDbContext db, CancellationToken cancellationToken)
    {
        var errors = new ValidationErrors();
        if (!PageRequest.TryCreate(page, pageSize, errors, out var paging))
        {
            return errors.ToProblem();
        }
        var query = db.ServiceStations.AsNoTracking();
        if (includeRetired != true)
        {
            query = query.Where(s => s.RetiredAt == null);
        }
        if (areaId is { } area)
        {
            query = query.Where(s => s.AreaId == area);
        }
        var total = await query.LongCountAsync(cancellationToken);
        var items = await query.OrderBy(s => s.Name).ThenBy(s => s.Id).Skip(paging.Skip).Take(paging.PageSize).ToListAsync(cancellationToken);
        return TypedResults.Ok(new Page<ServiceStationResponse>(items.Select(ServiceStationResponse.From).ToList(), paging.Page, paging.PageSize, total));
    }

    private static async Task<Results<Ok<ServiceStationResponse>, ProblemHttpResult>> Get(
        Guid id, RegistryDbContext db, HttpContext http, CancellationToken cancellationToken)
    {
        var station = await db.ServiceStations.AsNoTracking().FirstOrDefaultAsync(s => s.Id == id, cancellationToken);
        if (station is null)
        {
            return RegistryProblems.NotFound("service_station", id);
        }
        ETags.Tag(http, station);
        return TypedResults.Ok(ServiceStationResponse.From(station));
    }

    private static async Task<Results<Ok<ServiceStationResponse>, ValidationProblem, ProblemHttpResult>> Update(
        Guid id, ServiceStationRequest request, RegistryDbContext db, TimeProvider clock, HttpContext http, CancellationToken cancellationToken)
    {
        if (Validate(request) is { } invalid)
        {
            return invalid;
        }
        var station = await db.ServiceStations.FirstOrDefaultAsync(s => s.Id == id, cancellationToken);
        if (station is null)
        {
            return RegistryProblems.NotFound("service_station", id);
        }
        if (ETags.PreconditionFailed(http, station) is { } stale)
        {
            return stale;
        }
        if (station.RetiredAt is not null)
        {
            return RegistryProblems.Conflict("service_station_retired", "A closed service station cannot be changed.");
        }
        if (request.AreaId != station.AreaId && await CheckAreaAsync(db, request.AreaId!.Value, cancellationToken) is { } areaProblem)
        {
            return areaProblem;
        }
        Apply(station, request);
        if (db.Entry(station).State == EntityState.Modified)
        {
            var now = clock.GetUtcNow();
            db.Advance(station);
            db.Outbox.Publish(RegistryEvents.Changed(station, RegistryChange.Updated, now));
            await db.SaveChangesAsync(cancellationToken);
        }
        ETags.Tag(http, station);
        return TypedResults.Ok(ServiceStationResponse.From(station));
    }

    private static async Task<Results<Ok<ServiceStationResponse>, ProblemHttpResult>> Retire(
        Guid id, RegistryDbContext db, TimeProvider clock, HttpContext http, CancellationToken cancellationToken)
    {
        var station = await db.ServiceStations.FirstOrDefaultAsync(s => s.Id == id, cancellationToken);
        if (station is null)
        {
            return RegistryProblems.NotFound("service_station", id);
        }
        if (ETags.PreconditionFailed(http, station) is { } stale)
        {
            return stale;
        }
        if (station.RetiredAt is null)
        {
            var now = clock.GetUtcNow();
            station.RetiredAt = now;
            db.Advance(station);
            db.Outbox.Publish(RegistryEvents.Changed(station, RegistryChange.Retired, now));
            await db.SaveChangesAsync(cancellationToken);
        }
        ETags.Tag(http, station);
        return TypedResults.Ok(ServiceStationResponse.From(station));
    }

    private static ValidationProblem? Validate(ServiceStationRequest request)
    {
        var errors = new ValidationErrors();
        errors.RequireText("name", request.Name, maxLength: 100);
        if (request.AreaId is null)
        {
            errors.Add("areaId", "'areaId' is required: the community, village or grid the station serves.");
        }
        errors.OptionalText("address", request.Address, maxLength: 200);
        errors.OptionalPhone("phone", request.Phone);
        errors.OptionalText("openingHours", request.OpeningHours, maxLength: 100);
        return errors.IsValid ? null : errors.ToProblem();
    }

    private static void Apply(ServiceStation station, ServiceStationRequest request)
    {
        station.Name = request.Name!.Trim();
        station.AreaId = request.AreaId!.Value;
        station.Address = request.Address?.Trim();
        station.Phone = request.Phone?.Trim();
        station.OpeningHours = request.OpeningHours?.Trim();
    }

    private static async Task<ProblemHttpResult?> CheckAreaAsync(RegistryDbContext db, Guid areaId, CancellationToken cancellationToken)
    {
        var area = await db.Areas.AsNoTracking().FirstOrDefaultAsync(a => a.Id == areaId, cancellationToken);
        if (area is null)
        {
            return RegistryProblems.MissingReference("areaId", "area", areaId);
        }
        if (area.RetiredAt is not null || !(area.Level.IsCommunity() || area.Level.IsGrid()))
        {
            return RegistryProblems.InvalidReference("areaId", "must be an active community, village, grid or compound");
        }
        return null;
    }
}

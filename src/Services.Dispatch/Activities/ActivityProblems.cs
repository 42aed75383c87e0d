using System.Collections.Concurrent;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;
using Platform.RegistryReplica;
using Platform.ServiceDefaults.Http;
using Platform.ServiceDefaults.Persistence;

namespace Platform.Dispatch.Activities;

/// <summary>The answers activities, attendance and monthly lists share: not found, a reference that does not hold, a state that forbids the change.</summary>
public static class ActivityProblems
{
    public const string ReferenceNotFound = "reference_not_found";
    public const string ReferenceInvalid = "reference_invalid";

    public static ProblemHttpResult NotFound(string resource, Guid id) =>
        Problems.NotFound($"{resource}_not_found", $"No {resource.Replace('_', ' ')} with id {id} in this county.");

    /// <summary>422: the body names an id that does not exist in this county.</summary>
    public static ProblemHttpResult MissingReference(string field, string what, Guid id) =>
        Problems.Unprocessable(ReferenceNotFound, $"'{field}' names no {what} of this county ({id}).", field);

    /// <summary>422: the id exists but cannot be used here (wrong kind or level, retired, left ...).</summary>
    public static ProblemHttpResult InvalidReference(string field, string rule) =>
        Problems.Unprocessable(ReferenceInvalid, $"'{field}' {rule}.", field);

    public static ProblemHttpResult Conflict(string code, string detail, string? field = null) => Problems.Conflict(code, detail, field);

    /// <summary>409 for a change the activity's status forbids; the detail names the status it is in.</summary>
    public static ProblemHttpResult ActivityState(string code, Activity activity, string what) =>
        Problems.Conflict(code, $"The activity is {ActivityWire.Of(activity.Status)}; {what}.");
}

/// <summary>
/// Enum values as the API, the events and the database spell them: snake_case words
/// (<c>ThemedPartyDay</c> → <c>themed_party_day</c>), one spelling everywhere.
/// </summary>
public static class ActivityWire
{
    private static readonly ConcurrentDictionary<Enum, string> Names = new();

    public static string Of<TEnum>(TEnum value) where TEnum : struct, Enum =>
        Names.GetOrAdd(value, v => ServiceDbContext.ToSnakeCase(v.ToString()));

    public static bool TryParse<TEnum>(string? text, out TEnum value) where TEnum : struct, Enum
    {
        foreach (var candidate in Enum.GetValues<TEnum>())
        {
            if (string.Equals(Of(candidate), text, StringComparison.Ordinal))
            {
                value = candidate;
                return true;
            }
        }
        value = default;
        return false;
    }

    public static string Choices<TEnum>() where TEnum : struct, Enum => string.Join(", ", Enum.GetValues<TEnum>().Select(v => Of(v)));

    public static ValueConverter<TEnum, string> Converter<TEnum>() where TEnum : struct, Enum =>
        new(value => Of(value), text => Parse<TEnum>(text));

    private static TEnum Parse<TEnum>(string text) where TEnum : struct, Enum =>
        TryParse<TEnum>(text, out var value) ? value : throw new FormatException($"'{text}' is not a {typeof(TEnum).Name}.");

    /// <summary>An optional enum given as text (query strings): null when absent; its value when spelled right, else a field error.</summary>
    public static TEnum? OptionalEnum<TEnum>(this ValidationErrors errors, string field, string? text) where TEnum : struct, Enum
    {
        if (string.IsNullOrEmpty(text))
        {
            return null;
        }
        if (TryParse<TEnum>(text, out var value))
        {
            return value;
        }
        errors.Add(field, $"'{field}' must be one of {Choices<TEnum>()}.");
        return null;
    }
}

/// <summary>Checks of the ids a body names against Dispatch's copies of Registry's records.</summary>
internal static class ReplicaReferences
{
    public static readonly string[] CommunityLevels = ["community", "village"];
    public static readonly string[] UnitKinds = ["government_unit", "enterprise", "institution"];

    public static async Task<ProblemHttpResult?> CheckCommunityAsync(DispatchDbContext db, string field, Guid id, CancellationToken cancellationToken)
    {
        var area = await db.Set<ReplicaArea>().AsNoTracking().FirstOrDefaultAsync(a => a.Id == id, cancellationToken);
        if (area is null)
        {
            return ActivityProblems.MissingReference(field, "community", id);
        }
        if (!CommunityLevels.Contains(area.Level))
        {
            return ActivityProblems.InvalidReference(field, $"names a {area.Level}, not a community or village");
        }
        return area.RetiredAt is null ? null : ActivityProblems.InvalidReference(field, "names a retired community");
    }

    public static async Task<ProblemHttpResult?> CheckUnitAsync(DispatchDbContext db, string field, Guid id, CancellationToken cancellationToken)
    {
        var organisation = await db.Set<ReplicaOrganisation>().AsNoTracking().FirstOrDefaultAsync(o => o.Id == id, cancellationToken);
        if (organisation is null)
        {
            return ActivityProblems.MissingReference(field, "unit organisation", id);
        }
        if (!organisation.IsUnit)
        {
            return ActivityProblems.InvalidReference(field, "names a party organisation that is not a unit (government unit, enterprise or institution)");
        }
        return organisation.RetiredAt is null ? null : ActivityProblems.InvalidReference(field, "names a retired organisation");
    }

    /// <summary>The member when they exist in this county and are active; else the problem to answer.</summary>
    public static async Task<(ReplicaMember?, ProblemHttpResult?)> FindActiveMemberAsync(DispatchDbContext db, string field, Guid id, CancellationToken cancellationToken)
    {
        var member = await db.Set<ReplicaMember>().AsNoTracking().FirstOrDefaultAsync(m => m.Id == id, cancellationToken);
        if (member is null)
        {
            return (null, ActivityProblems.MissingReference(field, "member", id));
        }
        return member.IsActive ? (member, null) : (null, ActivityProblems.InvalidReference(field, "names a member who has left"));
    }
}

namespace Platform.Contracts.Registry;

/// <summary>
/// Why a Registry record changed. Every Registry event carries the whole record as it now stands
/// (with its version), so a consumer keeps its read model by upserting when the version is newer;
/// the change says what happened, for consumers that react to it (e.g. points for a report).
/// </summary>
public static class RegistryChange
{
    public const string Created = "created";
    public const string Updated = "updated";
    public const string Moved = "moved";
    public const string Retired = "retired";
    public const string Left = "left";
    public const string Confirmed = "confirmed";
    public const string Withdrawn = "withdrawn";
    public const string Ended = "ended";
    public const string Imported = "imported";
}

namespace Platform.ServiceDefaults.Http;

/// <summary>One page of a list: every list endpoint answers in this shape.</summary>
public sealed record Page<T>(
    IReadOnlyList<T> Items,
    [property: System.Text.Json.Serialization.JsonPropertyName("page")] int PageNumber,
    int PageSize,
    long Total);

/// <summary>Page and page size from the query string, validated (page ≥ 1, 1 ≤ pageSize ≤ 200).</summary>
public readonly record struct PageRequest(int Page, int PageSize)
{
    public const int DefaultPageSize = 50;
    public const int MaxPageSize = 200;

    public int Skip => (Page - 1) * PageSize;

    public static bool TryCreate(int? page, int? pageSize, ValidationErrors errors, out PageRequest request)
    {
        request = new PageRequest(page ?? 1, pageSize ?? DefaultPageSize);
        if (request.Page < 1)
        {
            errors.Add("page", "'page' must be 1 or more.");
        }
        if (request.PageSize is < 1 or > MaxPageSize)
        {
            errors.Add("pageSize", $"'pageSize' must be between 1 and {MaxPageSize}.");
        }
        return errors.IsValid;
    }
}

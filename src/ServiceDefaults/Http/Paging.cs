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

    /// <summary>The last page whose first row's position still fits an int.</summary>
    public static int MaxPage(int pageSize) => int.MaxValue / pageSize;

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
        else if (request.Page > MaxPage(request.PageSize))
        {
            // Rows before the page are counted in an int: no list holds two billion rows.
            errors.Add("page", $"'page' must be at most {MaxPage(request.PageSize)} with pageSize {request.PageSize}.");
        }
        return errors.IsValid;
    }
}

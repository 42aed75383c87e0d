namespace Platform.Gateway;

/// <summary>
/// Reads the form of the gateway's own form endpoints (Open311's POST and its <c>api_key</c>, the
/// dashboard's login). A body that is no readable form (multipart without its boundary, more fields
/// or longer ones than the limits, a multipart body cut short) is the client's mistake: said in
/// <c>Problem</c> for a 400, not thrown to become a 500. A body over the size limit still throws,
/// and is answered 413 as everywhere.
/// </summary>
public static class Forms
{
    public static async Task<(IFormCollection Form, string? Problem)> ReadAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        if (!request.HasFormContentType)
        {
            return (FormCollection.Empty, null);
        }
        try
        {
            return (await request.ReadFormAsync(cancellationToken), null);
        }
        catch (Exception exception) when (exception is InvalidDataException
            || (exception is IOException and not BadHttpRequestException && !request.HttpContext.RequestAborted.IsCancellationRequested))
        {
            return (FormCollection.Empty,
                $"The body must be a form (application/x-www-form-urlencoded, or multipart/form-data with its boundary) within the limits: {exception.Message}");
        }
    }
}

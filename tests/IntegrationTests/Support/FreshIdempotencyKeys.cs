namespace Platform.IntegrationTests.Support;

/// <summary>Gives every POST an Idempotency-Key of its own, so every handler runs in the transaction the key opens.</summary>
public sealed class FreshIdempotencyKeys() : DelegatingHandler(new HttpClientHandler())
{
    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (request.Method == HttpMethod.Post)
        {
            request.Headers.Add("Idempotency-Key", Guid.NewGuid().ToString());
        }
        return base.SendAsync(request, cancellationToken);
    }
}

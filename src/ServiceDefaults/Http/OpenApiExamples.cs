using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.OpenApi;

namespace Platform.ServiceDefaults.Http;

/// <summary>Examples in the OpenAPI document, written next to the endpoint they illustrate.</summary>
public static class OpenApiExamples
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>An example request body (serialised as the API reads it: camelCase JSON), for every content type the endpoint accepts.</summary>
    public static TBuilder WithRequestExample<TBuilder>(this TBuilder builder, object example) where TBuilder : IEndpointConventionBuilder
    {
        var node = example as JsonNode ?? JsonSerializer.SerializeToNode(example, Json);
        return builder.AddOpenApiOperationTransformer((operation, _, _) =>
        {
            foreach (var media in operation.RequestBody?.Content?.Values ?? [])
            {
                media.Example = node?.DeepClone();
            }
            return Task.CompletedTask;
        });
    }

    /// <summary>An example text body (e.g. a CSV file) for the given content type.</summary>
    public static TBuilder WithTextRequestExample<TBuilder>(this TBuilder builder, string contentType, string example) where TBuilder : IEndpointConventionBuilder =>
        builder.AddOpenApiOperationTransformer((operation, _, _) =>
        {
            if (operation.RequestBody?.Content is { } content && content.TryGetValue(contentType, out var media))
            {
                media.Example = JsonValue.Create(example);
            }
            return Task.CompletedTask;
        });
}

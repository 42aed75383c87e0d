using System.ComponentModel.DataAnnotations;
using System.Text.Json.Serialization.Metadata;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Platform.ServiceDefaults.Http;

/// <summary>
/// The OpenAPI document's schemas as the services read and write JSON:
/// <list type="bullet">
/// <item>A text property is a string. Every string passes through <see cref="TextJsonConverter"/>
/// (which refuses the NUL character), and a property with a converter of its own is left without a
/// type by the schema generator (<c>{}</c>): generated clients would take it for any value.</item>
/// <item>A property is required when a body must hold it: a property that cannot be null, or a nullable
/// one marked <see cref="RequiredAttribute"/>. Bodies are records whose fields are nullable so that a
/// missing one is answered with a problem naming it rather than a binding error; the generator lists
/// every constructor parameter as required, which made every optional field (an address, the
/// coordinates, a note) read as one a client must send. <see cref="RequiredAttribute"/> is documentation
/// here: the endpoints check their fields themselves.</item>
/// </list>
/// </summary>
public static class OpenApiSchemas
{
    public static OpenApiOptions AddPlatformSchemas(this OpenApiOptions options) =>
        options.AddSchemaTransformer((schema, context, _) =>
        {
            Apply(schema, context.JsonTypeInfo, context.JsonPropertyInfo);
            return Task.CompletedTask;
        });

    internal static void Apply(OpenApiSchema schema, JsonTypeInfo type, JsonPropertyInfo? property)
    {
        if (property is not null && property.PropertyType == typeof(string) && schema.Type is null
            && schema.AnyOf is null or { Count: 0 } && schema.OneOf is null or { Count: 0 } && schema.Enum is null or { Count: 0 })
        {
            schema.Type = property.IsSetNullable || property.IsGetNullable ? JsonSchemaType.String | JsonSchemaType.Null : JsonSchemaType.String;
        }
        if (property is null && type.Kind == JsonTypeInfoKind.Object && schema.Required is { Count: > 0 } required)
        {
            foreach (var member in type.Properties)
            {
                if (required.Contains(member.Name) && IsNullable(member) && !IsMarkedRequired(member))
                {
                    required.Remove(member.Name);
                }
            }
        }
    }

    private static bool IsNullable(JsonPropertyInfo member) =>
        member.AssociatedParameter is { } parameter ? parameter.IsNullable : member.IsSetNullable;

    private static bool IsMarkedRequired(JsonPropertyInfo member) =>
        member.AttributeProvider?.IsDefined(typeof(RequiredAttribute), inherit: true) == true
        || member.AssociatedParameter?.AttributeProvider?.IsDefined(typeof(RequiredAttribute), inherit: true) == true;
}

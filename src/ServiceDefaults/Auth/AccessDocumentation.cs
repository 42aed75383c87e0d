using Microsoft.OpenApi;

namespace Platform.ServiceDefaults.Auth;

/// <summary>Writes an operation's scope and roles into its OpenAPI description, with the 401 and 403 answers.</summary>
internal static class AccessDocumentation
{
    public static void Describe(OpenApiOperation operation, IReadOnlyList<string>? scopes, IReadOnlyList<string>? roles)
    {
        var lines = new List<string>();
        if (scopes is { Count: > 0 })
        {
            lines.Add($"Scope: {string.Join(" or ", scopes.Select(s => $"`{s}`"))}.");
        }
        if (roles is { Count: > 0 })
        {
            lines.Add($"Roles (`X-Actor-Role`): {string.Join(", ", roles.Select(r => $"`{r}`"))}.");
        }
        if (lines.Count == 0)
        {
            return;
        }
        var access = string.Join(" ", lines);
        operation.Description = string.IsNullOrEmpty(operation.Description) ? access : operation.Description + "\n\n" + access;
        operation.Responses ??= new OpenApiResponses();
        operation.Responses.TryAdd("401", new OpenApiResponse { Description = "No credential, or an unknown, revoked or expired one (`authentication_required`, `invalid_credential`)." });
        operation.Responses.TryAdd("403", new OpenApiResponse
        {
            Description = roles is { Count: > 0 }
                ? "The credential lacks the scope (`insufficient_scope`), or the person acted for lacks the role (`role_not_allowed`)."
                : "The credential lacks the scope (`insufficient_scope`).",
        });
    }
}

using Microsoft.AspNetCore.Http.HttpResults;
using Platform.ServiceDefaults.Http;

namespace Platform.Registry;

/// <summary>The answers every Registry resource shares: not found, a reference that does not hold, a state that forbids the change.</summary>
public static class RegistryProblems
{
    public const string ReferenceNotFound = "reference_not_found";
    public const string ReferenceInvalid = "reference_invalid";

    public static ProblemHttpResult NotFound(string resource, Guid id) =>
        Problems.NotFound($"{resource}_not_found", $"No {resource.Replace('_', ' ')} with id {id} in this county.");

    /// <summary>422: the body names an id that does not exist in this county.</summary>
    public static ProblemHttpResult MissingReference(string field, string what, Guid id) =>
        Problems.Unprocessable(ReferenceNotFound, $"'{field}' names no {what} of this county ({id}).", field);

    /// <summary>422: the id exists but cannot be used here (wrong kind or level, retired, outside its parent ...).</summary>
    public static ProblemHttpResult InvalidReference(string field, string rule) =>
        Problems.Unprocessable(ReferenceInvalid, $"'{field}' {rule}.", field);

    public static ProblemHttpResult Conflict(string code, string detail, string? field = null) => Problems.Conflict(code, detail, field);
}

/// <summary>Field rules Registry's records share.</summary>
public static partial class RegistryValidation
{
    /// <summary>A mainland mobile (11 digits starting with 1) or a landline (digits with an optional '-', 7 to 20 characters).</summary>
    public static bool OptionalPhone(this ServiceDefaults.Http.ValidationErrors errors, string field, string? phone)
    {
        if (phone is null)
        {
            return true;
        }
        if (!PhonePattern().IsMatch(phone.Trim()))
        {
            errors.Add(field, $"'{field}' must be a mobile number (11 digits starting with 1) or a landline (digits with an optional '-', 7 to 20 characters).");
            return false;
        }
        return true;
    }

    public static bool RequirePhone(this ServiceDefaults.Http.ValidationErrors errors, string field, string? phone)
    {
        if (string.IsNullOrWhiteSpace(phone))
        {
            errors.Add(field, $"'{field}' is required.");
            return false;
        }
        return errors.OptionalPhone(field, phone);
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"^(1\d{10}|\d{3,5}-?\d{5,8})$")]
    private static partial System.Text.RegularExpressions.Regex PhonePattern();
}

public static class WireValidation
{
    /// <summary>An optional enum given as text (query strings): null when absent; its wire spelling when present, else a field error.</summary>
    public static TEnum? OptionalEnum<TEnum>(this ServiceDefaults.Http.ValidationErrors errors, string field, string? text) where TEnum : struct, Enum
    {
        if (string.IsNullOrEmpty(text))
        {
            return null;
        }
        if (Wire.TryParse<TEnum>(text, out var value))
        {
            return value;
        }
        errors.Add(field, $"'{field}' must be one of {Wire.Choices<TEnum>()}.");
        return null;
    }
}

using System.Collections.Concurrent;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;
using Platform.ServiceDefaults.Persistence;

namespace Platform.ServiceDefaults.Http;

/// <summary>
/// Enum values as the API, the events and the database spell them: snake_case words
/// (<c>GovernmentUnit</c> → <c>government_unit</c>), one spelling everywhere.
/// </summary>
public static class Wire
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

    public static TEnum Parse<TEnum>(string text) where TEnum : struct, Enum =>
        TryParse<TEnum>(text, out var value) ? value : throw new FormatException($"'{text}' is not a {typeof(TEnum).Name}.");

    /// <summary>The accepted spellings, for validation messages: "street, township, community".</summary>
    public static string Choices<TEnum>() where TEnum : struct, Enum => string.Join(", ", Enum.GetValues<TEnum>().Select(v => Of(v)));

    public static ValueConverter<TEnum, string> Converter<TEnum>() where TEnum : struct, Enum =>
        new(value => Of(value), text => Parse<TEnum>(text));
}

/// <summary>Field rules the services share: phone numbers, enums given as text.</summary>
public static partial class FieldRules
{
    /// <summary>A mainland mobile (11 digits starting with 1) or a landline (digits with an optional '-', 7 to 20 characters).</summary>
    public static bool OptionalPhone(this ValidationErrors errors, string field, string? phone)
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

    public static bool RequirePhone(this ValidationErrors errors, string field, string? phone)
    {
        if (string.IsNullOrWhiteSpace(phone))
        {
            errors.Add(field, $"'{field}' is required.");
            return false;
        }
        return errors.OptionalPhone(field, phone);
    }

    [System.Text.RegularExpressions.GeneratedRegex("^(1[0-9]{10}|[0-9]{3,5}-?[0-9]{5,8})$")]
    private static partial System.Text.RegularExpressions.Regex PhonePattern();
}

public static class WireValidation
{
    /// <summary>An optional enum given as text (query strings): null when absent; its wire spelling when present, else a field error.</summary>
    public static TEnum? OptionalEnum<TEnum>(this ValidationErrors errors, string field, string? text) where TEnum : struct, Enum
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

public static class PhoneMask
{
    /// <summary>13812345678 → 138****5678: the first three and last four digits stay; short numbers keep their last two.</summary>
    public static string Mask(string phone) => phone.Length >= 8
        ? string.Concat(phone[..3], new string('*', phone.Length - 7), phone[^4..])
        : string.Concat(new string('*', Math.Max(0, phone.Length - 2)), phone[Math.Max(0, phone.Length - 2)..]);
}

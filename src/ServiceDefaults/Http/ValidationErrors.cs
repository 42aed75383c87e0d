using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Platform.ServiceDefaults.Http;

/// <summary>
/// Collects every field error of a request before anything is written, so a client learns all of
/// them at once. Field names are the JSON names the client sent.
/// </summary>
public sealed class ValidationErrors
{
    private readonly Dictionary<string, List<string>> _errors = new(StringComparer.Ordinal);

    public bool IsValid => _errors.Count == 0;

    /// <summary>Every (field, rule) collected, in the order added per field.</summary>
    public IEnumerable<(string Field, string Rule)> Entries => _errors.SelectMany(pair => pair.Value.Select(rule => (pair.Key, rule)));

    public ValidationErrors Add(string field, string rule)
    {
        if (!_errors.TryGetValue(field, out var rules))
        {
            _errors[field] = rules = [];
        }
        rules.Add(rule);
        return this;
    }

    /// <summary>Required, trimmed length within bounds; returns whether the value passed.</summary>
    public bool RequireText(string field, string? value, int maxLength, int minLength = 1)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            Add(field, $"'{field}' is required.");
            return false;
        }
        return CheckLength(field, value, maxLength, minLength);
    }

    /// <summary>Optional text: when present, its trimmed length must be within bounds.</summary>
    public bool OptionalText(string field, string? value, int maxLength) =>
        value is null || CheckLength(field, value, maxLength, minLength: 0);

    /// <summary>
    /// The whole value must match: a pattern's <c>$</c> also matches before a final line break, so
    /// <c>"511621\n"</c> would otherwise pass for a code, and be stored as a second one that looks the same.
    /// </summary>
    public bool RequireMatch(string field, string? value, Regex pattern, string ruleDescription)
    {
        if (value is null || pattern.Match(value) is not { Success: true, Index: 0 } match || match.Length != value.Length)
        {
            Add(field, $"'{field}' {ruleDescription}.");
            return false;
        }
        return true;
    }

    /// <summary>
    /// Every entry of a list is text: a <c>null</c> or blank entry is named by its place
    /// (<c>scopes[1]</c>), as it would pass a check that the entries are known names and be stored.
    /// Returns whether every entry passed.
    /// </summary>
    public bool RequireEntries(string field, IReadOnlyList<string?> values)
    {
        var valid = true;
        for (var i = 0; i < values.Count; i++)
        {
            if (string.IsNullOrWhiteSpace(values[i]))
            {
                Add($"{field}[{i}]", $"'{field}[{i}]' is required: an entry may not be null or empty.");
                valid = false;
            }
        }
        return valid;
    }

    public ValidationProblem ToProblem() =>
        Problems.Validation(_errors.ToDictionary(pair => pair.Key, pair => pair.Value.ToArray(), StringComparer.Ordinal));

    private bool CheckLength(string field, string value, int maxLength, int minLength)
    {
        var length = value.Trim().Length;
        if (length > maxLength)
        {
            Add(field, $"'{field}' must be at most {maxLength} characters (got {length}).");
            return false;
        }
        if (length < minLength)
        {
            Add(field, $"'{field}' must be at least {minLength} characters.");
            return false;
        }
        return true;
    }
}

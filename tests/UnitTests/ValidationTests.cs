using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http.HttpResults;
using Platform.ServiceDefaults.Http;

namespace Platform.UnitTests;

public sealed partial class ValidationTests
{
    [Fact]
    public void Every_failing_field_is_reported_with_its_rule()
    {
        var errors = new ValidationErrors();
        errors.RequireText("name", "  ", maxLength: 10);
        errors.RequireText("title", new string('x', 11), maxLength: 10);
        errors.RequireMatch("code", "12a", SixDigits(), "must be six digits");
        errors.OptionalText("note", null, maxLength: 5);

        Assert.False(errors.IsValid);
        var problem = Assert.IsType<ValidationProblem>(errors.ToProblem());
        var details = problem.ProblemDetails;
        Assert.Equal(["code", "name", "title"], details.Errors.Keys.Order(StringComparer.Ordinal));
        Assert.Contains("at most 10", details.Errors["title"][0]);
        Assert.Equal("validation_failed", details.Extensions["code"]);
        Assert.Equal("urn:problem:validation_failed", details.Type);
    }

    [Fact]
    public void Instants_are_written_to_the_microsecond_the_database_keeps()
    {
        var options = new System.Text.Json.JsonSerializerOptions { Converters = { new InstantJsonConverter() } };
        var instant = new DateTimeOffset(2026, 3, 9, 1, 2, 3, TimeSpan.Zero).AddTicks(1_234_567);
        Assert.Equal("\"2026-03-09T01:02:03.123456+00:00\"", System.Text.Json.JsonSerializer.Serialize(instant, options));
        Assert.Equal("\"2026-03-09T01:02:03.123456+00:00\"", System.Text.Json.JsonSerializer.Serialize<DateTimeOffset?>(instant, options));
    }

    [Fact]
    public void A_null_or_blank_entry_of_a_list_is_named_by_its_place()
    {
        var errors = new ValidationErrors();

        Assert.True(errors.RequireEntries("scopes", ["requests:read", "webhooks"]));
        Assert.False(errors.RequireEntries("scopes", ["requests:read", null, " ", ""]));

        var problem = Assert.IsType<ValidationProblem>(errors.ToProblem());
        Assert.Equal(["scopes[1]", "scopes[2]", "scopes[3]"], problem.ProblemDetails.Errors.Keys.Order(StringComparer.Ordinal));
    }

    [Theory]
    [InlineData("511621", true)]
    [InlineData("511621\n", false)]
    [InlineData("\n511621", false)]
    [InlineData("5116210", false)]
    public void A_pattern_must_match_the_whole_value_a_final_line_break_included(string value, bool valid)
    {
        var errors = new ValidationErrors();
        Assert.Equal(valid, errors.RequireMatch("code", value, SixDigits(), "must be six digits"));
        Assert.Equal(valid, errors.IsValid);
    }

    [Theory]
    [InlineData("楼道灯坏了", 5, "楼道灯坏了")]
    [InlineData("楼道灯坏了一个多月", 5, "楼道灯坏…")]
    // An emoji is two UTF-16 units: the cut goes before it, never through it.
    [InlineData("楼道灯\U0001F4A1坏了", 5, "楼道灯…")]
    [InlineData("楼道\U0001F4A1坏了", 5, "楼道\U0001F4A1…")]
    public void Shortened_text_never_splits_a_character(string text, int maxLength, string expected)
    {
        var shortened = TextCut.Shorten(text, maxLength);
        Assert.Equal(expected, shortened);
        Assert.True(shortened.Length <= maxLength);
        // Whole characters only: strict UTF-8 (what PostgreSQL's driver writes) encodes it.
        new System.Text.UTF8Encoding(false, throwOnInvalidBytes: true).GetBytes(shortened);
    }

    [Fact]
    public void Valid_input_passes()
    {
        var errors = new ValidationErrors();
        Assert.True(errors.RequireText("name", "岳池县", maxLength: 10));
        Assert.True(errors.RequireMatch("code", "511621", SixDigits(), "must be six digits"));
        Assert.True(errors.IsValid);
    }

    [Theory]
    [InlineData(null, null, true, 1, 50)]
    [InlineData(3, 20, true, 3, 20)]
    [InlineData(0, 20, false, 0, 20)]
    [InlineData(1, 201, false, 1, 201)]
    // The last page whose rows before it still fit an int, and the one after.
    [InlineData(10737418, 200, true, 10737418, 200)]
    [InlineData(10737419, 200, false, 10737419, 200)]
    [InlineData(int.MaxValue, 1, true, int.MaxValue, 1)]
    public void Pages_are_validated(int? page, int? size, bool valid, int expectedPage, int expectedSize)
    {
        var errors = new ValidationErrors();
        Assert.Equal(valid, PageRequest.TryCreate(page, size, errors, out var request));
        Assert.Equal((expectedPage, expectedSize), (request.Page, request.PageSize));
    }

    [GeneratedRegex(@"^\d{6}$")]
    private static partial Regex SixDigits();
}

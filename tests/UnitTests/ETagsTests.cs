using Microsoft.AspNetCore.Http;
using Platform.ServiceDefaults.Http;

namespace Platform.UnitTests;

/// <summary>If-Match against a resource at version 3 (ETag "3").</summary>
public sealed class ETagsTests
{
    [Theory]
    [InlineData("\"3\"")]
    [InlineData("*")]
    [InlineData("\"2\", \"3\"")]
    public void A_strong_tag_naming_the_current_version_or_any_passes(string ifMatch) =>
        Assert.Null(ETags.PreconditionFailed(WithIfMatch(ifMatch), 3));

    [Fact]
    public void No_If_Match_passes() => Assert.Null(ETags.PreconditionFailed(new DefaultHttpContext(), 3));

    [Fact]
    public void A_tag_naming_another_version_fails_the_precondition()
    {
        var problem = ETags.PreconditionFailed(WithIfMatch("\"2\""), 3);

        Assert.NotNull(problem);
        Assert.Equal(StatusCodes.Status412PreconditionFailed, problem.StatusCode);
        Assert.Equal("precondition_failed", problem.ProblemDetails.Extensions["code"]);
        Assert.Equal("If-Match", problem.ProblemDetails.Extensions["field"]);
        Assert.Contains("current version is \"3\"", problem.ProblemDetails.Detail);
    }

    [Theory]
    [InlineData("W/\"3\"")]
    [InlineData("W/\"2\", W/\"3\"")]
    public void A_weak_tag_never_matches_even_the_current_version(string ifMatch)
    {
        // RFC 9110, 13.1.1: If-Match uses the strong comparison.
        var problem = ETags.PreconditionFailed(WithIfMatch(ifMatch), 3);

        Assert.NotNull(problem);
        Assert.Equal(StatusCodes.Status412PreconditionFailed, problem.StatusCode);
        Assert.Contains("weak tag", problem.ProblemDetails.Detail);
        Assert.Contains("\"3\"", problem.ProblemDetails.Detail);
    }

    [Fact]
    public void An_unquoted_version_is_a_bad_request_that_says_how_to_write_it()
    {
        var problem = ETags.PreconditionFailed(WithIfMatch("3"), 3);

        Assert.NotNull(problem);
        Assert.Equal(StatusCodes.Status400BadRequest, problem.StatusCode);
        Assert.Equal("If-Match", problem.ProblemDetails.Extensions["field"]);
        Assert.Contains("If-Match: \"3\"", problem.ProblemDetails.Detail);
    }

    private static DefaultHttpContext WithIfMatch(string value)
    {
        var context = new DefaultHttpContext();
        context.Request.Headers.IfMatch = value;
        return context;
    }
}

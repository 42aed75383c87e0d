using Microsoft.AspNetCore.Http.HttpResults;
using Platform.Evaluation.Periods;
using Platform.ServiceDefaults.Http;

namespace Platform.Evaluation;

/// <summary>Evaluation's own answers besides the shared ones in <see cref="Problems"/> (listed in docs/problems.md).</summary>
public static class EvaluationProblems
{
    public const string IllegalTransition = "illegal_transition";
    public const string AssessmentLocked = "assessment_locked";
    public const string PeriodClosed = "period_closed";

    /// <summary>409: the command does not apply to the assessment in its current state; the state is in <c>state</c>.</summary>
    public static ProblemHttpResult Illegal(string command, string status)
    {
        var problem = status == Assessments.AssessmentStatus.Published
            ? Problems.Conflict(AssessmentLocked, $"The assessment is published: its result is locked (cannot {command}).")
            : Problems.Conflict(IllegalTransition, $"Cannot {command} an assessment that is {status.Replace('_', ' ')}.");
        // `status` is the HTTP status (RFC 9457): the state goes under a name of its own.
        problem.ProblemDetails.Extensions["state"] = status;
        return problem;
    }

    public static ProblemHttpResult Closed(Period period) =>
        Problems.Conflict(PeriodClosed, $"The period {period.Key} is closed: its figures are frozen.", "period");

    /// <summary>Validates a period key (and, when given, the kinds allowed); null and an error when it does not parse.</summary>
    public static Period? RequirePeriod(this ValidationErrors errors, string field, string? text, params PeriodKind[] allowed)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            errors.Add(field, $"'{field}' is required: 2026-W10 (week), 2026-03 (month), 2026-Q1 (quarter) or 2026 (year).");
            return null;
        }
        if (!Period.TryParse(text.Trim(), out var period))
        {
            errors.Add(field, $"'{field}' must be a period: 2026-W10 (week), 2026-03 (month), 2026-Q1 (quarter) or 2026 (year).");
            return null;
        }
        if (allowed.Length > 0 && !allowed.Contains(period.Kind))
        {
            errors.Add(field, $"'{field}' must be a {string.Join(" or ", allowed.Select(k => k.ToString().ToLowerInvariant()))} here.");
            return null;
        }
        return period;
    }
}

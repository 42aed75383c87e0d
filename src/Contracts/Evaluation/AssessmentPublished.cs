namespace Platform.Contracts.Evaluation;

/// <summary>
/// A three-stage assessment (初评 → 复评 → 终评) was published: its final result is locked from now
/// on. Carries the grade of every stage, so promotion and award systems need not ask Evaluation.
/// </summary>
/// <param name="Period">The assessed period: a quarter (2026-Q1) or a year (2026).</param>
/// <param name="SubjectKind">member or unit.</param>
/// <param name="FinalGrade">The street's final grade (终评), on the county's assessment scale.</param>
public sealed record AssessmentPublished(
    Guid CountyId,
    Guid AssessmentId,
    string Period,
    string SubjectKind,
    Guid SubjectId,
    string InitialGrade,
    string ReviewGrade,
    string FinalGrade,
    DateTimeOffset PublishedAt) : ICountyMessage;

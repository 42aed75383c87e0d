namespace Platform.Contracts.Evaluation;

/// <summary>
/// An evaluation period of a county was closed: its points, rates, star ratings and coverage are
/// frozen as they stood at <see cref="ClosedAt"/>; events that arrive later count in the next open month.
/// </summary>
/// <param name="Period">2026-03 (month), 2026-Q1 (quarter) or 2026 (year).</param>
/// <param name="Kind">month, quarter or year.</param>
public sealed record PeriodClosed(Guid CountyId, string Period, string Kind, DateTimeOffset ClosedAt) : ICountyMessage;

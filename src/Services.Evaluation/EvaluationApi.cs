using Platform.ServiceDefaults.Auth;
using Platform.Evaluation.Assessments;
using Platform.Evaluation.Coverage;
using Platform.Evaluation.Periods;
using Platform.Evaluation.Points;
using Platform.Evaluation.Publications;
using Platform.Evaluation.Rates;
using Platform.Evaluation.Ratings;
using Platform.Evaluation.Records;
using Platform.Evaluation.Reports;
using Platform.Evaluation.Stars;
using Platform.ServiceDefaults.Tenancy;

namespace Platform.Evaluation;

/// <summary>Evaluation's HTTP API: the county directory, then everything of one county under <c>/api/evaluation/counties/{county}</c>.</summary>
public static class EvaluationApi
{
    public static IEndpointRouteBuilder MapEvaluationApi(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapCountyDirectoryApi("evaluation").RequireReadWriteScopes("evaluation");
        var county = endpoints.MapGroup($"/api/evaluation/counties/{{{TenancyExtensions.CountyRouteParameter}}}").RequireReadWriteScopes("evaluation");
        county.MapRecordsApi();
        county.MapPointsApi();
        county.MapRatesApi();
        county.MapStarsApi();
        county.MapCoverageApi();
        county.MapRatingsApi();
        county.MapPublicationsApi();
        county.MapAssessmentsApi();
        county.MapReportsApi();
        county.MapPeriodsApi();
        return endpoints;
    }
}

namespace Grader.Web.Project;

/// <summary>The final project's services: team formation, PDF deliverables and presentation panels.</summary>
public static class ProjectComposition
{
    public static IServiceCollection AddGraderProject(this IServiceCollection services)
    {
        services.AddScoped<TeamFormation>();
        services.AddScoped<ProjectDocuments>();
        services.AddScoped<PresentationPanel>();
        services.AddScoped<ProjectDemo>();
        return services;
    }
}

namespace Grader.Web.Similarity;

public static class SimilarityComposition
{
    /// <summary>Code similarity: settings (section <c>Similarity</c>), the comparison service and its background queue.</summary>
    public static IServiceCollection AddGraderSimilarity(this IServiceCollection services, IConfiguration configuration)
    {
        var settings = configuration.GetSection(SimilaritySettings.Section).Get<SimilaritySettings>() ?? new SimilaritySettings();
        settings.EngineOptions(); // fail at start, naming the setting, rather than in the first job
        services.AddSingleton(settings);
        services.AddScoped<SimilarityComparisons>();
        services.AddScoped<SimilarityQueue>();
        return services;
    }
}

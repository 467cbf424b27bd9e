using System.Diagnostics.Metrics;
using Grader.Data;
using Grader.Data.Course;
using Microsoft.EntityFrameworkCore;
using NodaTime;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;

namespace Grader.Web.Operations;

/// <summary>Section <c>Metrics</c>: how often the grading queue is sampled from the database.</summary>
public sealed class MetricsSettings
{
    public const string Section = "Metrics";

    /// <summary>Seconds between two samples of the queue and of the runs finished since (by any node).</summary>
    public double SampleSeconds { get; set; } = 15;
}

/// <summary>
/// Grader's own instruments (meter <see cref="MeterName"/>), exported with ASP.NET Core's HTTP server metrics for
/// Prometheus at <see cref="ScrapePath"/> (names and example alerts: docs/operations.md).
/// </summary>
public sealed class GraderMetrics
{
    public const string MeterName = "Grader";

    public const string ScrapePath = "/metrics";

    private volatile QueueSample queue = new(new Dictionary<string, long>(), TimeSpan.Zero);

    public GraderMetrics(IMeterFactory meters)
    {
        ArgumentNullException.ThrowIfNull(meters);
        var meter = meters.Create(MeterName);
        PasswordVerifications = meter.CreateCounter<long>("grader.signin.password_verifications", description: "Password hashes checked by sign-in, for known and unknown user names alike.");
        GradingDuration = meter.CreateHistogram<double>("grader.grading.duration", unit: "s",
            description: "From a run's start to its end, by assignment and outcome (succeeded, failed, or reused: an earlier run's report), whichever node graded it.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [1, 2, 5, 10, 20, 30, 60, 120, 300, 600, 1200] });
        meter.CreateObservableGauge("grader.queue.depth", () => queue.Depth.Select(d => new Measurement<long>(d.Value, new KeyValuePair<string, object?>("assignment", d.Key))),
            unit: "{run}", description: "Runs waiting for a grading slot, by assignment.");
        meter.CreateObservableGauge("grader.queue.oldest_age", () => queue.OldestAge.TotalSeconds,
            unit: "s", description: "How long the oldest queued run has waited (0 when none waits).");
    }

    public Counter<long> PasswordVerifications { get; }

    public Histogram<double> GradingDuration { get; }

    internal void Observe(QueueSample sample) => queue = sample;

    internal sealed record QueueSample(IReadOnlyDictionary<string, long> Depth, TimeSpan OldestAge);
}

/// <summary>
/// Reads the grading queue from the database every <see cref="MetricsSettings.SampleSeconds"/>: the queue's depth and
/// age, and the runs finished since the last look, whichever node (web app or worker) graded them. The database is
/// the one place every node writes to, so the web app reports for the whole cluster.
/// </summary>
public sealed class GradingQueueSampler(
    IServiceScopeFactory scopes, GraderMetrics metrics, CourseCatalog course, IClock clock, MetricsSettings settings, ILogger<GradingQueueSampler> logger) : BackgroundService
{
    private DateTime? finishedWatermark;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(settings.SampleSeconds));
        do
        {
            try
            {
                await SampleAsync(stoppingToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is InvalidOperationException or System.Data.Common.DbException)
            {
                // The database is away: /readyz says so; the gauges keep their last values.
                logger.LogWarning(e, "Could not sample the grading queue");
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
    }

    private async Task SampleAsync(CancellationToken cancellationToken)
    {
        using var scope = scopes.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<GraderDbContext>();
        var queued = await db.GradingRuns.AsNoTracking().Where(r => r.Status == GradingRunStatus.Queued)
            .GroupBy(r => r.AssignmentId).Select(g => new { Assignment = g.Key, Count = g.LongCount(), Oldest = g.Min(r => r.QueuedAtUtc) })
            .ToListAsync(cancellationToken).ConfigureAwait(false);
        var depth = course.Tree.Assignments.ToDictionary(a => a.Id, _ => 0L, StringComparer.Ordinal);
        foreach (var row in queued)
        {
            depth[row.Assignment] = row.Count;
        }

        // Runs are stamped with the course clock (Course:Now), which runs at real speed.
        var now = clock.GetCurrentInstant().ToDateTimeUtc();
        var oldestAge = queued.Count == 0 ? TimeSpan.Zero : now - queued.Min(q => q.Oldest);
        metrics.Observe(new GraderMetrics.QueueSample(depth, oldestAge < TimeSpan.Zero ? TimeSpan.Zero : oldestAge));

        // Runs finished since the last look; the first look only sets the mark (history is not replayed at each start).
        var finished = db.GradingRuns.AsNoTracking().Where(r => r.FinishedAtUtc != null && r.StartedAtUtc != null);
        if (finishedWatermark is not { } since)
        {
            finishedWatermark = await finished.MaxAsync(r => r.FinishedAtUtc, cancellationToken).ConfigureAwait(false) ?? DateTime.MinValue;
            return;
        }

        var ended = await finished.Where(r => r.FinishedAtUtc > since)
            .Select(r => new { r.AssignmentId, r.Status, Reused = r.ReusedFromRunId != null, Started = r.StartedAtUtc!.Value, Finished = r.FinishedAtUtc!.Value })
            .ToListAsync(cancellationToken).ConfigureAwait(false);
        foreach (var run in ended)
        {
            metrics.GradingDuration.Record(Math.Max(0, (run.Finished - run.Started).TotalSeconds),
                new KeyValuePair<string, object?>("assignment", run.AssignmentId),
                new KeyValuePair<string, object?>("outcome", run.Reused ? "reused" : run.Status.ToString().ToLowerInvariant()));
        }

        if (ended.Count > 0)
        {
            finishedWatermark = ended.Max(r => r.Finished);
        }
    }
}

public static class MetricsComposition
{
    public static IServiceCollection AddGraderMetrics(this IServiceCollection services, IConfiguration configuration)
    {
        var settings = configuration.GetSection(MetricsSettings.Section).Get<MetricsSettings>() ?? new MetricsSettings();
        if (!(settings.SampleSeconds is > 0 and <= 3600))
        {
            throw new InvalidOperationException($"{MetricsSettings.Section}:SampleSeconds is {settings.SampleSeconds}; it must be more than 0 and at most 3600.");
        }

        services.AddSingleton(settings);
        services.AddSingleton<GraderMetrics>();
        services.AddHostedService<GradingQueueSampler>();
        services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService("grader-web"))
            .WithMetrics(metrics => metrics
                .AddMeter(GraderMetrics.MeterName)
                // ASP.NET Core's own: http.server.request.duration, active requests, Kestrel connections.
                .AddMeter("Microsoft.AspNetCore.Hosting", "Microsoft.AspNetCore.Server.Kestrel", "Microsoft.AspNetCore.Diagnostics")
                // No response cache: a scrape is a few hundred series, cheaper than any page, and always current.
                .AddPrometheusExporter(o => o.ScrapeResponseCacheDurationMilliseconds = 0));
        return services;
    }
}

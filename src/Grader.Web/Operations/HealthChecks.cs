using System.Globalization;
using System.Text.Json;
using Grader.Data;
using Grader.Data.Grading;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Quartz;

namespace Grader.Web.Operations;

/// <summary>
/// <c>/healthz</c>: the process answers (liveness; restart it when this fails). <c>/readyz</c>: it can do its work:
/// the database answers, its Quartz schedulers run, and a grading node checked in within
/// <see cref="WorkerHeartbeatHealthCheck.MaxSilence"/>. Both answer 200 or 503 with a JSON body naming each check.
/// </summary>
public static class HealthComposition
{
    public const string LivePath = "/healthz";

    public const string ReadyPath = "/readyz";

    private const string ReadyTag = "ready";

    public static IServiceCollection AddGraderHealthChecks(this IServiceCollection services)
    {
        services.AddHealthChecks()
            .AddCheck<DatabaseHealthCheck>("database", tags: [ReadyTag], timeout: TimeSpan.FromSeconds(5))
            .AddCheck<SchedulersHealthCheck>("schedulers", tags: [ReadyTag])
            .AddCheck<WorkerHeartbeatHealthCheck>("grading-nodes", tags: [ReadyTag], timeout: TimeSpan.FromSeconds(5));
        return services;
    }

    public static IEndpointRouteBuilder MapGraderHealthChecks(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapHealthChecks(LivePath, new HealthCheckOptions { Predicate = _ => false, ResponseWriter = WriteJsonAsync }).AllowAnonymous();
        endpoints.MapHealthChecks(ReadyPath, new HealthCheckOptions { Predicate = c => c.Tags.Contains(ReadyTag), ResponseWriter = WriteJsonAsync }).AllowAnonymous();
        return endpoints;
    }

    /// <summary>Each check's status and sentence: what an operator reads first when a probe fails.</summary>
    private static Task WriteJsonAsync(HttpContext context, HealthReport report)
    {
        context.Response.ContentType = "application/json; charset=utf-8";
        context.Response.Headers.CacheControl = "no-store";
        return JsonSerializer.SerializeAsync(context.Response.Body, new
        {
            status = report.Status.ToString(),
            checks = report.Entries.ToDictionary(e => e.Key, e => new { status = e.Value.Status.ToString(), description = e.Value.Description, data = e.Value.Data }),
        }, cancellationToken: context.RequestAborted);
    }
}

/// <summary>The course database answers a query on the app's own tables.</summary>
public sealed class DatabaseHealthCheck(GraderDbContext db) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            long version = await db.DataVersions.AsNoTracking().Select(v => v.Value).FirstOrDefaultAsync(cancellationToken).ConfigureAwait(false);
            return HealthCheckResult.Healthy(string.Create(CultureInfo.InvariantCulture, $"the database answers (data version {version})"));
        }
        catch (Exception e) when (e is System.Data.Common.DbException or InvalidOperationException or TimeoutException)
        {
            return HealthCheckResult.Unhealthy($"the database does not answer: {e.Message}");
        }
    }
}

/// <summary>
/// The app's Quartz schedulers are started and not shut down or paused: the default one (deadline snapshots,
/// similarity, feedback) always, the grading one where this process grades (<c>Grading:RunInWeb</c>).
/// </summary>
public sealed class SchedulersHealthCheck(ISchedulerFactory schedulers, GradingNode node) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var all = await schedulers.GetAllSchedulers(cancellationToken).ConfigureAwait(false);
        var data = new Dictionary<string, object>();
        var stopped = new List<string>();
        foreach (var scheduler in all)
        {
            bool expected = scheduler.SchedulerName != QuartzGradingQueue.SchedulerName || node.GradesHere;
            bool running = scheduler.Status == SchedulerStatus.Running;
            data[scheduler.SchedulerName] = running ? "running" : expected ? scheduler.Status.ToString().ToLowerInvariant() : "not started here (Grading:RunInWeb is false)";
            if (expected && !running)
            {
                stopped.Add(scheduler.SchedulerName);
            }
        }

        if (all.Count == 0)
        {
            return HealthCheckResult.Unhealthy("no Quartz scheduler exists yet");
        }

        return stopped.Count == 0
            ? HealthCheckResult.Healthy($"{all.Count} scheduler(s) running as configured", data)
            : HealthCheckResult.Unhealthy($"scheduler(s) not running: {string.Join(", ", stopped)}", data: data);
    }
}

/// <summary>
/// Some grading node (a <c>grader worker</c>, or this web app when it grades) checked in within
/// <see cref="MaxSilence"/>; each node's last check-in is listed. Nodes silent longer are named: one of several being
/// silent makes the check degraded (still ready), all of them unhealthy, since nothing would grade.
/// Liveness reads <see cref="TimeProvider"/>, the machine's clock, as the nodes' check-ins do.
/// </summary>
public sealed class WorkerHeartbeatHealthCheck(GraderDbContext db, TimeProvider time) : IHealthCheck
{
    public static readonly TimeSpan MaxSilence = TimeSpan.FromMinutes(1);

    /// <summary>Nodes silent for longer than this are gone (stopped or replaced) and no longer listed.</summary>
    public static readonly TimeSpan Forgotten = TimeSpan.FromHours(1);

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var now = time.GetUtcNow().UtcDateTime;
        var since = now - Forgotten;
        List<WorkerNode> nodes;
        try
        {
            nodes = await db.WorkerNodes.AsNoTracking().Where(n => n.LastSeenUtc >= since).ToListAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is System.Data.Common.DbException or InvalidOperationException or TimeoutException)
        {
            return HealthCheckResult.Unhealthy($"the grading nodes cannot be read: {e.Message}");
        }

        var data = nodes.ToDictionary(n => n.Id, n => (object)string.Create(CultureInfo.InvariantCulture, $"last check-in {(now - n.LastSeenUtc).TotalSeconds:0} s ago"));
        var silent = nodes.Where(n => now - n.LastSeenUtc > MaxSilence).Select(n => n.Id).ToList();
        if (nodes.Count == silent.Count)
        {
            return HealthCheckResult.Unhealthy(nodes.Count == 0
                ? "no grading node has checked in within the last hour: nothing grades (start grader worker, or set Grading:RunInWeb)"
                : $"no grading node has checked in within {MaxSilence.TotalSeconds:0} s: nothing grades", data: data);
        }

        return silent.Count == 0
            ? HealthCheckResult.Healthy($"{nodes.Count} grading node(s) checked in within {MaxSilence.TotalSeconds:0} s", data)
            : HealthCheckResult.Degraded($"silent for over {MaxSilence.TotalSeconds:0} s: {string.Join(", ", silent)}", data: data);
    }
}

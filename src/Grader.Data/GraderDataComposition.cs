using System.Data.Common;
using Grader.Data.Course;
using Grader.Data.Grading;
using Grader.Submissions.Storage;
using Microsoft.Data.SqlClient;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Quartz;

namespace Grader.Data;

/// <summary>The database engines the course database runs on; each has its own context and migrations.</summary>
public enum DatabaseProvider
{
    /// <summary>A file under the data folder: one machine.</summary>
    Sqlite,

    SqlServer,

    PostgreSql,
}

/// <summary>Database settings (section <c>Database</c>): <c>Provider</c> is Sqlite (default), SqlServer or PostgreSql.</summary>
public sealed class DatabaseOptions
{
    public const string Section = "Database";

    public string Provider { get; set; } = nameof(DatabaseProvider.Sqlite);

    /// <summary>Empty with SQLite: data/grader.db. Required with SQL Server and PostgreSQL.</summary>
    public string ConnectionString { get; set; } = "";

    /// <summary><see cref="Provider"/> parsed; a name that is none of them is an error that lists them.</summary>
    public DatabaseProvider Kind => Enum.TryParse<DatabaseProvider>(Provider, ignoreCase: true, out var kind) && Enum.IsDefined(kind)
        ? kind
        : throw new InvalidOperationException(
            $"Database:Provider is '{Provider}'; it must be one of {string.Join(", ", Enum.GetNames<DatabaseProvider>())}.");

    public bool IsSqlServer => Kind == DatabaseProvider.SqlServer;

    /// <summary>A server database, which several processes (the web app and grading workers) can share.</summary>
    public bool IsServer => Kind != DatabaseProvider.Sqlite;
}

/// <summary>Grading settings (section <c>Grading</c>).</summary>
public sealed class GradingOptions
{
    public const string Section = "Grading";

    /// <summary>
    /// True (default): the web app grades the runs it queues, in child processes. False: it only queues them, and
    /// <c>grader worker</c> processes on the same database grade them.
    /// </summary>
    public bool RunInWeb { get; set; } = true;

    /// <summary>Gradings the web app runs at once when it grades (<see cref="RunInWeb"/>); a worker takes <c>--slots</c> instead.</summary>
    public int Slots { get; set; } = 1;

    /// <summary>
    /// How often the web app looks for finished runs whose feedback (GitHub status and comment) nobody has sent yet:
    /// runs a worker graded, which has no feedback sinks of its own (<see cref="FinishedRunFeedbackJob"/>).
    /// </summary>
    public double FeedbackCatchUpSeconds { get; set; } = 15;
}

/// <summary>Quartz settings (section <c>Quartz</c>) for sharing one database between several nodes.</summary>
public sealed class QuartzClusterOptions
{
    public const string Section = "Quartz";

    /// <summary>Take part in a Quartz cluster. Unset: on with a server database, off with SQLite.</summary>
    public bool? Clustered { get; set; }

    /// <summary>How often a node records that it is alive.</summary>
    public double CheckinIntervalSeconds { get; set; } = 7.5;

    /// <summary>How long past a missed check-in the others wait before they take a node for dead and re-fire its jobs.</summary>
    public double CheckinMisfireThresholdSeconds { get; set; } = 15;
}

/// <summary>Where the course and the data live once the configuration is read; what the web app builds on.</summary>
public sealed record GraderDataSettings(string CourseRoot, string DataFolder, CourseOptions Course, DatabaseOptions Database);

/// <summary>What a grading worker brings to <see cref="GraderDataComposition.AddGraderWorkerData"/>: its grader and its capacity.</summary>
/// <param name="GraderDll">The runner to start per run (the worker's own grader.dll).</param>
/// <param name="Slots">Gradings at once.</param>
/// <param name="Gpus">GPUs it grants, one grading each.</param>
public sealed record WorkerCapacity(string GraderDll, int Slots, GpuGrants Gpus);

/// <summary>
/// The course, the database and the grading queue: what the web app and a grading worker both need, registered in
/// one place so that they cannot disagree on the database or on how a run is graded.
/// </summary>
public static class GraderDataComposition
{
    /// <summary>The web app: the default Quartz scheduler for its own jobs, and the grading scheduler, started only when <see cref="GradingOptions.RunInWeb"/>.</summary>
    public static GraderDataSettings AddGraderData(this IServiceCollection services, IConfiguration configuration, string contentRootPath) =>
        AddGraderData(services, configuration, contentRootPath, worker: null);

    /// <summary>A grading worker (<c>grader worker</c>): the grading scheduler only, with the worker's slots and GPUs.</summary>
    public static GraderDataSettings AddGraderWorkerData(this IServiceCollection services, IConfiguration configuration, string contentRootPath, WorkerCapacity worker)
    {
        ArgumentNullException.ThrowIfNull(worker);
        return AddGraderData(services, configuration, contentRootPath, worker);
    }

    private static GraderDataSettings AddGraderData(IServiceCollection services, IConfiguration configuration, string contentRootPath, WorkerCapacity? worker)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);

        var courseOptions = configuration.GetSection(CourseOptions.Section).Get<CourseOptions>() ?? new CourseOptions();
        string root = string.IsNullOrWhiteSpace(courseOptions.Root) ? CourseCatalog.FindRoot(contentRootPath) : Path.GetFullPath(courseOptions.Root);
        string dataFolder = string.IsNullOrWhiteSpace(courseOptions.DataFolder) ? Path.Combine(root, "data") : Path.GetFullPath(courseOptions.DataFolder);
        string cacheFolder = string.IsNullOrWhiteSpace(courseOptions.ReportCacheFolder) ? Path.Combine(dataFolder, "report-cache") : Path.GetFullPath(courseOptions.ReportCacheFolder);
        Directory.CreateDirectory(dataFolder);
        var catalog = new CourseCatalog(root, dataFolder, cacheFolder);
        services.AddSingleton(catalog);
        services.AddSingleton(courseOptions);
        string storeFolder = Path.Combine(dataFolder, "web-store");
        services.AddSingleton(new SubmissionStore(storeFolder));
        // Infrastructure (cookies, Quartz, node liveness) reads TimeProvider; the grading rules read the course clock (Course:Now).
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton(CourseClock.FromConfiguration(configuration, courseOptions.SeedDemo));

        var database = configuration.GetSection(DatabaseOptions.Section).Get<DatabaseOptions>() ?? new DatabaseOptions();
        string connectionString = AddDatabase(services, database, dataFolder);

        var runner = configuration.GetSection(RunnerOptions.Section).Get<RunnerOptions>() ?? new RunnerOptions();
        string graderDll = !string.IsNullOrWhiteSpace(runner.GraderDll) ? Path.GetFullPath(runner.GraderDll)
            : worker?.GraderDll ?? Path.Combine(AppContext.BaseDirectory, "runner", "grader.dll");
        // A worker says which GPU (or none) each child grader may use; the web app leaves the child's environment as it is.
        var gpus = worker?.Gpus;
        Func<string, bool> gpuAllowed = assignmentId =>
            catalog.Tree.Assignments.FirstOrDefault(a => a.Id == assignmentId)?.Resources?.GpuAllowed == true;
        string gradingWork = Path.Combine(dataFolder, "grading-work");
        var oneOff = new RunnerProcessGradingClient(graderDll, root, gradingWork, TimeSpan.FromSeconds(runner.TimeoutSeconds), storeFolder, gpus, gpuAllowed);
        int gradingSlots = worker?.Slots ?? Math.Max(1, configuration.GetSection(GradingOptions.Section).Get<GradingOptions>()?.Slots ?? 1);
        // A factory, not an instance: the container then stops the grader servers when the host stops.
        services.AddSingleton<ISubmissionGradingClient>(_ => runner.KeepGraderRunning
            ? new GradingServerClient(oneOff, graderDll, root, gradingWork, storeFolder, runner, gradingSlots, gpus, gpuAllowed)
            : oneOff);
        services.AddScoped<GradingService>();
        services.AddSingleton<IGradingQueue, QuartzGradingQueue>();

        var grading = configuration.GetSection(GradingOptions.Section).Get<GradingOptions>() ?? new GradingOptions();
        if (grading.Slots < 1)
        {
            throw new InvalidOperationException($"Grading:Slots is {grading.Slots}; it must be at least 1 (gradings the web app runs at once).");
        }

        if (!(grading.FeedbackCatchUpSeconds > 0))
        {
            throw new InvalidOperationException($"Grading:FeedbackCatchUpSeconds is {grading.FeedbackCatchUpSeconds}; it must be a positive number of seconds.");
        }

        var cluster = configuration.GetSection(QuartzClusterOptions.Section).Get<QuartzClusterOptions>() ?? new QuartzClusterOptions();
        bool clustered = cluster.Clustered ?? database.IsServer;
        bool gradesHere = worker is not null || grading.RunInWeb;
        var node = new GradingNode(
            GradingNode.NewId(DateTime.UtcNow), worker?.Slots ?? grading.Slots, gpus ?? GpuGrants.None, gradesHere,
            TimeSpan.FromSeconds(cluster.CheckinIntervalSeconds), TimeSpan.FromSeconds(cluster.CheckinMisfireThresholdSeconds), TimeProvider.System);
        services.AddSingleton(node);

        void UseDatabase(IQuartzBuilder q)
        {
            if (clustered)
            {
                // The node's id names it in the cluster too. Alone, Quartz keeps its fixed NON_CLUSTERED id: its recovery
                // after a crash looks for the fired jobs of the same id, which a per-process id would never match.
                q.ConfigureScheduler(o => o.InstanceId = node.Id);
            }

            q.UsePersistentStore(store =>
            {
                store.ConfigureStore(o => o.StoreJobDataAsStrings = true);
                _ = database.Kind switch
                {
                    DatabaseProvider.SqlServer => store.UseSqlServer(connectionString),
                    DatabaseProvider.PostgreSql => store.UsePostgres(connectionString),
                    _ => store.UseSqlite(connectionString),
                };
                if (clustered)
                {
                    store.UseClustering(c =>
                    {
                        c.CheckinInterval = node.CheckinInterval;
                        c.CheckinMisfireThreshold = node.CheckinMisfireThreshold;
                    });
                }

                store.ProvisionSchema();
            });
        }

        if (worker is null)
        {
            // The web app's own jobs (deadline snapshots, feedback for runs graded elsewhere) live in the default
            // scheduler, which no worker runs: the feedback sinks are the web app's.
            services.AddScoped<FinishedRunFeedback>();
            services.AddQuartz(q =>
            {
                q.UseDefaultThreadPool(1);
                UseDatabase(q);
                FinishedRunFeedbackJob.AddTo(q, TimeSpan.FromSeconds(grading.FeedbackCatchUpSeconds));
            });
        }

        // Grading: each run is already limited by the sandbox; the slots say how many run side by side on this node.
        services.AddQuartz(QuartzGradingQueue.SchedulerName, q =>
        {
            q.UseDefaultThreadPool(node.Slots);
            // Stopping (SIGTERM) cancels the gradings in progress, which hand their runs back, and waits for that.
            q.ConfigureScheduler(o => o.ShutdownJobInterruption = ShutdownJobInterruption.WhenWaitingForJobs);
            UseDatabase(q);
        });
        services.AddQuartzHostedService(o => o.WaitForJobsToComplete = false);
        services.AddQuartzHostedService(QuartzGradingQueue.SchedulerName, o =>
        {
            o.WaitForJobsToComplete = true;
            // A web app that only queues builds the scheduler (to schedule into the shared store) but never starts it.
            o.AutoStart = gradesHere;
        });
        services.AddHostedService<ResumeUnfinishedRuns>();
        if (gradesHere)
        {
            services.AddHostedService<WorkerNodeHeartbeat>();
        }

        return new GraderDataSettings(root, dataFolder, courseOptions, database);
    }

    /// <returns>The connection string in use (SQLite's default filled in).</returns>
    private static string AddDatabase(IServiceCollection services, DatabaseOptions database, string dataFolder)
    {
        string connectionString = database.ConnectionString;
        var kind = database.Kind;
        if (kind == DatabaseProvider.Sqlite && string.IsNullOrWhiteSpace(connectionString))
        {
            connectionString = $"Data Source={Path.Combine(dataFolder, "grader.db")}";
            database.ConnectionString = connectionString;
        }

        if (string.IsNullOrWhiteSpace(connectionString))
        {
            throw new InvalidOperationException(
                $"Database:Provider is {kind} but Database:ConnectionString is empty; set it (environment variable Database__ConnectionString).");
        }

        try
        {
            // Parsed now, so that a malformed string stops the process at start with a message naming the setting.
            DbConnectionStringBuilder parsed = kind switch
            {
                DatabaseProvider.SqlServer => new SqlConnectionStringBuilder(connectionString),
                DatabaseProvider.PostgreSql => new NpgsqlConnectionStringBuilder(connectionString),
                _ => new SqliteConnectionStringBuilder(connectionString),
            };
            if (kind == DatabaseProvider.PostgreSql && string.IsNullOrWhiteSpace(((NpgsqlConnectionStringBuilder)parsed).Host))
            {
                throw new ArgumentException("it names no Host");
            }
        }
        catch (Exception e) when (e is ArgumentException or FormatException or KeyNotFoundException or InvalidOperationException)
        {
            throw new InvalidOperationException($"Database:ConnectionString is not a valid {kind} connection string: {e.Message}", e);
        }

        switch (kind)
        {
            case DatabaseProvider.SqlServer:
                services.AddDbContext<SqlServerGraderDbContext>(o => o.UseSqlServer(connectionString));
                services.AddScoped<GraderDbContext>(sp => sp.GetRequiredService<SqlServerGraderDbContext>());
                break;
            case DatabaseProvider.PostgreSql:
                services.AddDbContext<PostgreSqlGraderDbContext>(o => o.UseNpgsql(connectionString));
                services.AddScoped<GraderDbContext>(sp => sp.GetRequiredService<PostgreSqlGraderDbContext>());
                break;
            default:
                services.AddDbContext<SqliteGraderDbContext>(o => o.UseSqlite(connectionString));
                services.AddScoped<GraderDbContext>(sp => sp.GetRequiredService<SqliteGraderDbContext>());
                break;
        }

        return connectionString;
    }
}

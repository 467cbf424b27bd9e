using System.CommandLine;
using Grader.Data;
using Grader.Data.Grading;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Grader.Runner.Cli;

/// <summary>
/// <c>grader worker [--slots N] [--gpus 0,1] [--config FILE]</c>: a grading node. It joins the grading scheduler on the
/// course database (clustered Quartz), grades the runs the web app queues in long-lived <c>grader serve</c> processes of
/// this same grader.dll (one per slot; <see cref="GradingServerClient"/>), and keeps its <see cref="WorkerNode"/> row. SIGTERM or Ctrl+C hands the runs in progress
/// back to the queue and exits.
/// </summary>
internal static class WorkerCommand
{
    public static Command Create()
    {
        var slotsOption = new Option<int>("--slots") { Description = "Gradings at once (each in a grader process of its own, with its own sandbox).", DefaultValueFactory = _ => 1 };
        var gpusOption = new Option<string?>("--gpus") { Description = "GPU indices this node grants, e.g. 0,1: one grading per GPU at a time. Without it, grading is CPU only." };
        var configOption = new Option<string?>("--config") { Description = "A JSON settings file (same keys as the web app's appsettings.json); environment variables still win." };
        var waitOption = new Option<int>("--wait-for-database") { Description = "Seconds to wait for the database to be reachable and migrated (the web app migrates it).", DefaultValueFactory = _ => 120 };
        var command = new Command("worker", "Grade the runs queued in the course database, as one node of a cluster (configured like the web app: Database__Provider, Database__ConnectionString, Course__Root, Course__DataFolder).");
        command.Options.Add(slotsOption);
        command.Options.Add(gpusOption);
        command.Options.Add(configOption);
        command.Options.Add(waitOption);
        // A synchronous action on purpose: System.CommandLine gives an asynchronous one only a short grace period after
        // SIGTERM before it ends the process, while the host's own handling lets the gradings in progress hand back.
        command.SetAction(parse => RunAsync(
            parse.GetValue(slotsOption), parse.GetValue(gpusOption), parse.GetValue(configOption), parse.GetValue(waitOption)).GetAwaiter().GetResult());
        return command;
    }

    public static async Task<int> RunAsync(int slots, string? gpuList, string? configFile, int waitForDatabaseSeconds)
    {
        IHost host;
        try
        {
            host = Build(slots, gpuList, configFile);
        }
        catch (Exception e) when (e is InvalidOperationException or FormatException or ArgumentException or FileNotFoundException)
        {
            await Console.Error.WriteLineAsync($"grader worker: {e.Message}").ConfigureAwait(false);
            return 1;
        }

        using (host)
        {
            var logger = host.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Grader.Worker");
            if (await WaitForDatabaseAsync(host.Services, TimeSpan.FromSeconds(waitForDatabaseSeconds), logger).ConfigureAwait(false) is { } problem)
            {
                await Console.Error.WriteLineAsync($"grader worker: {problem}").ConfigureAwait(false);
                return 1;
            }

            var node = host.Services.GetRequiredService<GradingNode>();
            logger.LogInformation("Worker {NodeId} starting: {Slots} slot(s), GPUs [{Gpus}]", node.Id, node.Slots, node.Gpus);
            // A worker grades from its start: its graders warm up now, not with the first submission (~2 s each).
            if (host.Services.GetRequiredService<ISubmissionGradingClient>() is GradingServerClient servers)
            {
                servers.StartAhead();
            }

            await host.RunAsync().ConfigureAwait(false);
            return 0;
        }
    }

    internal static IHost Build(int slots, string? gpuList, string? configFile)
    {
        if (slots < 1)
        {
            throw new ArgumentException($"--slots must be 1 or more; got {slots}.");
        }

        var gpus = GpuGrants.Parse(gpuList);
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = [], ContentRootPath = Directory.GetCurrentDirectory() });
        if (configFile is not null)
        {
            string path = Path.GetFullPath(configFile);
            if (!File.Exists(path))
            {
                throw new FileNotFoundException($"--config {configFile}: there is no such file ({path}).", path);
            }

            builder.Configuration.AddJsonFile(path, optional: false, reloadOnChange: false);
            // The file fills in what the environment does not say: Database__ConnectionString from a secret still wins.
            builder.Configuration.AddEnvironmentVariables();
        }

        // Every check-in and claim is a statement; the log is for what the node does, not for its SQL.
        builder.Logging.AddFilter("Microsoft.EntityFrameworkCore.Database.Command", LogLevel.Warning);
        // The worker grades with its own grader.dll in child processes (a crash or a leak stays in the child).
        string graderDll = Path.Combine(AppContext.BaseDirectory, "grader.dll");
        builder.Services.AddGraderWorkerData(builder.Configuration, builder.Environment.ContentRootPath, new WorkerCapacity(graderDll, slots, gpus));
        var runner = builder.Configuration.GetSection(RunnerOptions.Section).Get<RunnerOptions>() ?? new RunnerOptions();
        // Stopping cancels the gradings in progress (their runs go back to the queue); this bounds how long that may take.
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(Math.Min(60, runner.TimeoutSeconds)));
        return builder.Build();
    }

    /// <returns>Null when the database is reachable and has every migration; otherwise what is wrong and what to do.</returns>
    private static async Task<string?> WaitForDatabaseAsync(IServiceProvider services, TimeSpan patience, ILogger logger)
    {
        var deadline = DateTime.UtcNow + patience;
        string problem;
        while (true)
        {
            using (var scope = services.CreateScope())
            {
                var db = scope.ServiceProvider.GetRequiredService<GraderDbContext>();
                try
                {
                    var pending = (await db.Database.GetPendingMigrationsAsync().ConfigureAwait(false)).ToList();
                    if (pending.Count == 0)
                    {
                        return null;
                    }

                    problem = $"the database lacks {pending.Count} migration(s) ({string.Join(", ", pending)}): start the web app once (it migrates at start) or run `dotnet ef database update`.";
                }
                catch (Exception e) when (e is System.Data.Common.DbException or InvalidOperationException or TimeoutException)
                {
                    problem = $"cannot reach the database ({db.Database.ProviderName}): {e.Message}";
                }
            }

            if (DateTime.UtcNow >= deadline)
            {
                return problem;
            }

            logger.LogInformation("Waiting for the database: {Problem}", problem);
            await Task.Delay(TimeSpan.FromSeconds(2)).ConfigureAwait(false);
        }
    }
}

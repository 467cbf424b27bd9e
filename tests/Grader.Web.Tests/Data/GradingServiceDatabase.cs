using Grader.Data;
using Grader.Data.Course;
using Grader.Data.Grading;
using Grader.Submissions.Storage;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using Microsoft.Extensions.Logging.Abstractions;
using NodaTime;

namespace Grader.Web.Tests.Data;

/// <summary>
/// The real <see cref="GradingService"/> on a migrated SQLite file in a temp folder, with its store and course catalog,
/// for tests that grade through the service with a stand-in grader. HW1 is the one assignment in the database.
/// </summary>
internal sealed class GradingServiceDatabase : IAsyncDisposable
{
    public const string Assignment = "hw1-mlp";

    private readonly string _connectionString;

    private GradingServiceDatabase(string folder, string courseRoot)
    {
        Folder = folder;
        _connectionString = $"Data Source={Path.Combine(folder, "grader.db")}";
        Course = new CourseCatalog(courseRoot, folder, Path.Combine(folder, "report-cache"));
        Store = new SubmissionStore(Path.Combine(folder, "store"));
    }

    public string Folder { get; }

    public CourseCatalog Course { get; }

    public SubmissionStore Store { get; }

    /// <param name="folder">An empty temp folder the database owns (and deletes).</param>
    /// <param name="courseRoot">The course's assignments/ and rubrics/; the checkout's when not given.</param>
    public static async Task<GradingServiceDatabase> CreateAsync(string folder, string? courseRoot = null)
    {
        Directory.CreateDirectory(folder);
        var database = new GradingServiceDatabase(folder, courseRoot ?? Support.RunningApp.RepositoryRoot);
        await using var db = database.Context();
        await db.GetService<IMigrator>().MigrateAsync();
        db.Courses.Add(new CourseRecord { Id = "course", Title = "Course", TimeZone = "UTC" });
        db.Assignments.Add(new AssignmentRecord { Id = Assignment, CourseId = "course", Title = "HW1", Kind = "Homework", DueLocal = "" });
        await db.SaveChangesAsync();
        return database;
    }

    public SqliteGraderDbContext Context() =>
        new(new DbContextOptionsBuilder<SqliteGraderDbContext>().UseSqlite(_connectionString).Options);

    public GradingService Service(GraderDbContext db, ISubmissionGradingClient grader) =>
        new(db, grader, Store, Course, SystemClock.Instance,
            new GradingNode($"node-{Guid.NewGuid():N}", 1, GpuGrants.None, gradesHere: true, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2), TimeProvider.System),
            NullLogger<GradingService>.Instance, []);

    public ValueTask DisposeAsync()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(Folder, recursive: true);
        return ValueTask.CompletedTask;
    }
}

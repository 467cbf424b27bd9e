using System.IO.Compression;
using Grader.Core.Configuration;
using Grader.Data.Course;
using Grader.Data;
using Grader.Data.Grading;
using Grader.Web.Grading;
using Grader.Web.Project;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using NodaTime;

namespace Grader.Web.Demo;

/// <summary>
/// Mirrors the course files into the database at every start, and fills an empty database with the demo term:
/// accounts, HW1 submissions for all 30 roster students (graded by the runner, one run per distinct content), some
/// late, some with the manual items scored by a TA and some still waiting.
/// </summary>
public sealed class DemoSeeder(
    GraderDbContext db,
    CourseCatalog course,
    UserManager<AppUser> users,
    RoleManager<IdentityRole> roles,
    GradingService grading,
    IClock clock,
    ProjectDemo projectDemo,
    ILogger<DemoSeeder> logger)
{
    /// <summary>The demo accounts' passwords, shown on the sign-in page while the demo course is loaded.</summary>
    public const string InstructorUserName = "instructor";
    public const string InstructorPassword = "Instructor-demo-1";
    public const string TaPassword = "Ta-demo-1";
    public const string StudentPassword = "Student-demo-1";
    public static IReadOnlyList<string> TaUserNames { get; } = ["ta1", "ta2"];

    private const string DemoAssignment = "hw1-mlp";

    /// <summary>The HW1 variants the demo students hand in: the model solution, the starter, and edits of the solution.</summary>
    internal static IReadOnlyList<DemoVariant> Variants { get; } =
    [
        new("solution", "solution", []),
        new("starter", "starter", []),
        new("bias-mean", "solution", [("Replace(biasGradients, layer, delta.sum(dim: 0))", "Replace(biasGradients, layer, delta.sum(dim: 0) / delta.shape[0])")]),
        new("sgd-sign", "solution", [("biases[layer].sub_(biasGradients[layer] * learningRate)", "biases[layer].add_(biasGradients[layer] * learningRate)")]),
        new("compile-error", "solution", [("private Tensor[] biases = [];", "private Tensor[] biases = []")]),
    ];

    // Student i (0-based roster order) hands in Variants[VariantOf[i % 10]]: mostly solutions, a few of each mistake.
    private static readonly int[] VariantOf = [0, 0, 2, 0, 3, 0, 1, 0, 2, 4];

    // Roster positions (0-based) who hand in after the deadline.
    private static readonly int[] LateStudents = [5, 16, 27];

    public async Task SyncCourseAsync(CancellationToken cancellationToken)
    {
        var tree = course.Tree;
        var record = await db.Courses.FindAsync([tree.Course.Id], cancellationToken).ConfigureAwait(false);
        if (record is null)
        {
            record = new CourseRecord { Id = tree.Course.Id, Title = tree.Course.Title, TimeZone = tree.Course.TimeZone.Id };
            db.Courses.Add(record);
        }

        record.Title = tree.Course.Title;
        record.Code = tree.Course.Code;
        record.Term = tree.Course.Term;
        record.TimeZone = tree.Course.TimeZone.Id;

        var weights = tree.Course.Components.ToDictionary(c => c.AssignmentId, c => c.Weight);
        var assignments = await db.Assignments.ToDictionaryAsync(a => a.Id, cancellationToken).ConfigureAwait(false);
        foreach (var assignment in tree.Assignments)
        {
            if (!assignments.TryGetValue(assignment.Id, out var row))
            {
                row = new AssignmentRecord { Id = assignment.Id, CourseId = tree.Course.Id, Title = assignment.Title, Kind = assignment.Kind.ToString(), DueLocal = "" };
                db.Assignments.Add(row);
            }

            row.Title = assignment.Title;
            row.Kind = assignment.Kind.ToString();
            row.DueLocal = assignment.Due.ToString("uuuu-MM-dd HH:mm", System.Globalization.CultureInfo.InvariantCulture);
            row.DueUtc = assignment.DueIn(tree.Course.TimeZone).ToInstant().ToDateTimeUtc();
            row.Weight = weights.GetValueOrDefault(assignment.Id);
            row.AcceptsZipUpload = assignment.Submission.Accepts.Contains(SubmissionForm.ZipUpload);
        }

        var roster = await db.Roster.ToDictionaryAsync(r => r.Identifier, cancellationToken).ConfigureAwait(false);
        foreach (var student in tree.Roster)
        {
            if (!roster.TryGetValue(student.Identifier, out var row))
            {
                row = new RosterEntry { Identifier = student.Identifier, CourseId = tree.Course.Id, Name = student.Name };
                db.Roster.Add(row);
            }

            row.Name = student.Name;
            // roster.csv only fills in a GitHub identity: a Classroom roster import (/Instructor/GitHub) may have set it since.
            if (row.GitHubUsername.Length == 0)
            {
                row.GitHubUsername = student.GitHubUsername;
                row.GitHubId = student.GitHubId;
            }
        }

        await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Seeds the demo term into a database that has no submissions yet; does nothing otherwise.</summary>
    public async Task SeedDemoAsync(CancellationToken cancellationToken)
    {
        foreach (var role in Roles.All)
        {
            if (!await roles.RoleExistsAsync(role).ConfigureAwait(false))
            {
                Check(await roles.CreateAsync(new IdentityRole(role)).ConfigureAwait(false), $"role {role}");
            }
        }

        var instructor = await EnsureUserAsync(InstructorUserName, "Dr. Iris Instructor (demo)", InstructorPassword, Roles.Instructor, null).ConfigureAwait(false);
        var tas = new List<AppUser>();
        for (int i = 0; i < TaUserNames.Count; i++)
        {
            tas.Add(await EnsureUserAsync(TaUserNames[i], $"TA {(char)('A' + i)}. Assistant (demo)", TaPassword, Roles.Ta, null).ConfigureAwait(false));
        }

        var roster = await db.Roster.OrderBy(r => r.Identifier).ToListAsync(cancellationToken).ConfigureAwait(false);
        foreach (var entry in roster)
        {
            var user = await EnsureUserAsync(entry.Identifier, entry.Name, StudentPassword, Roles.Student, entry.Identifier).ConfigureAwait(false);
            entry.UserId = user.Id;
        }

        await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
        if (await db.Submissions.AnyAsync(cancellationToken).ConfigureAwait(false))
        {
            return;
        }

        logger.LogInformation("Seeding the demo term: HW1 for {Count} students", roster.Count);
        var hw1 = course.Tree.Assignment(DemoAssignment);
        var zone = course.Tree.Course.TimeZone;
        var due = hw1.DueIn(zone).ToInstant();
        var archives = Variants.ToDictionary(v => v.Name, v => v.BuildArchive(course.Root));
        var students = course.Tree.Roster;
        var submissions = new List<SubmissionRecord>();
        for (int i = 0; i < students.Count; i++)
        {
            var student = students[i];
            var variant = Variants[VariantOf[i % VariantOf.Length]];
            var receivedAt = LateStudents.Contains(i)
                ? due + Duration.FromHours(9) + Duration.FromMinutes(i)
                : due - Duration.FromDays(2) + Duration.FromHours(i);
            using var content = new MemoryStream(archives[variant.Name], writable: false);
            var (submission, run) = await grading.RecordAsync(DemoAssignment, student.Identifier, content, hw1.Submission.ZipNameFor(student.Identifier),
                SubmissionSource.Demo, receivedAt.ToDateTimeUtc(), null, null, cancellationToken).ConfigureAwait(false);
            // Graded here rather than by the job: the demo is ready the moment the app listens. Same content, same report.
            await grading.ProcessAsync(run.Id, cancellationToken).ConfigureAwait(false);
            submissions.Add(submission);
        }

        // The first half of the roster has had the manual items scored by a TA; the rest are in the review queue.
        // TA decisions are dated inside the term (the day after the deadline), not on the day the demo is seeded.
        var gradebook = new Gradebook(db, course, clock);
        for (int i = 0; i < submissions.Count / 2; i++)
        {
            var review = new ReviewService(db, gradebook, course, new FixedClock(due + Duration.FromDays(1) + Duration.FromMinutes(20 * i)));
            var ta = tas[i % tas.Count];
            bool curvesShown = i % 4 != 3;
            await review.OverrideAsync(submissions[i].Id, "training-curves", curvesShown ? 10 : 0,
                curvesShown ? "Loss and accuracy curves are plotted and saved in the notebook." : "No training curves in the saved notebook.", ta, cancellationToken).ConfigureAwait(false);
            await review.OverrideAsync(submissions[i].Id, "submission-protocol", 0, "Named netid_hw1.zip; the notebook runs as submitted.", ta, cancellationToken).ConfigureAwait(false);
        }

        var bias = submissions[2];
        var asker = await users.FindByNameAsync(bias.SubmitterId).ConfigureAwait(false);
        await new ReviewService(db, gradebook, course, new FixedClock(due + Duration.FromDays(2))).RequestRegradeAsync(bias.Id, "bias-gradients",
            "I think my bias gradient is right: I average over the batch like the loss does.", asker!, cancellationToken).ConfigureAwait(false);

        db.Extensions.Add(new ExtensionRecord
        {
            SubmitterId = students[16].Identifier, AssignmentId = DemoAssignment, Days = 2, Reason = "medical note (demo)",
            GrantedByName = instructor.DisplayName, GrantedAtUtc = (due - Duration.FromDays(1)).ToDateTimeUtc(),
        });
        db.SimilarityCases.Add(new SimilarityCase
        {
            StudentIdentifier = students[20].Identifier, OtherStudentIdentifier = students[21].Identifier, AssignmentId = DemoAssignment,
            Similarity = 0.97, Summary = "Identical notebooks apart from names (demo; not confirmed).", OpenedAtUtc = (due + Duration.FromDays(1)).ToDateTimeUtc(),
            OpenedByName = tas[0].DisplayName,
            SubmissionId = submissions[20].Id, OtherSubmissionId = submissions[21].Id,
        });
        await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
        await projectDemo.SeedAsync(tas, cancellationToken).ConfigureAwait(false);
        logger.LogInformation("Demo term ready: {Count} HW1 submissions", submissions.Count);
    }

    private async Task<AppUser> EnsureUserAsync(string userName, string displayName, string password, string role, string? studentIdentifier)
    {
        var user = await users.FindByNameAsync(userName).ConfigureAwait(false);
        if (user is null)
        {
            user = new AppUser { UserName = userName, DisplayName = displayName, StudentIdentifier = studentIdentifier };
            Check(await users.CreateAsync(user, password).ConfigureAwait(false), $"user {userName}");
        }

        if (!await users.IsInRoleAsync(user, role).ConfigureAwait(false))
        {
            Check(await users.AddToRoleAsync(user, role).ConfigureAwait(false), $"role {role} for {userName}");
        }

        return user;
    }

    private static void Check(IdentityResult result, string what)
    {
        if (!result.Succeeded)
        {
            throw new InvalidOperationException($"Could not create {what}: {string.Join("; ", result.Errors.Select(e => e.Description))}");
        }
    }
}

/// <summary>One demo hand-in: a shipped folder (solution or starter), optionally with text edits that introduce a mistake.</summary>
internal sealed record DemoVariant(string Name, string Folder, IReadOnlyList<(string Find, string Replace)> Edits)
{
    // Fixed entry times make the zip byte-identical on every start, so its hash (and cached report) stays the same.
    private static readonly DateTimeOffset EntryTime = new(2023, 2, 14, 12, 0, 0, TimeSpan.Zero);

    /// <summary>A zip holding the folder's notebook (the notebook is what the runner grades), with the edits applied.</summary>
    public byte[] BuildArchive(string courseRoot)
    {
        string notebookPath = Path.Combine(courseRoot, "assignments", "hw1-mlp", Folder, "hw1.ipynb");
        string notebook = File.ReadAllText(notebookPath);
        foreach (var (find, replace) in Edits)
        {
            if (!notebook.Contains(find, StringComparison.Ordinal))
            {
                throw new InvalidOperationException($"Demo variant '{Name}': {notebookPath} no longer contains \"{find}\"; update DemoSeeder.Variants.");
            }

            notebook = notebook.Replace(find, replace, StringComparison.Ordinal);
        }

        using var buffer = new MemoryStream();
        using (var zip = new ZipArchive(buffer, ZipArchiveMode.Create, leaveOpen: true))
        {
            var entry = zip.CreateEntry("hw1.ipynb", CompressionLevel.Optimal);
            entry.LastWriteTime = EntryTime;
            using var writer = new StreamWriter(entry.Open());
            writer.Write(notebook);
        }

        return buffer.ToArray();
    }
}

using System.Globalization;
using System.Text;
using Grader.Core.Configuration;
using Grader.Data;
using Grader.Data.Course;
using Grader.Core.Grading;
using Grader.Web.Extensions;
using Grader.Web.Grading;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

if (args.Length > 0 && args[0] == "load")
{
    return await LoadGenerator.RunAsync(args[1..]);
}

if (args.Length > 0 && args[0] == "bulk")
{
    return await BulkDownloadBenchmark.RunAsync(args[1..]);
}

if (args.Length > 0 && args[0] == "queue")
{
    return await QueueBenchmark.RunAsync(args[1..]);
}

// Writes a synthetic term of N students (every component submitted, graded and scored) into a fresh folder:
//   <folder>/course  a copy of assignments/ and rubrics/ with an N-student roster.csv
//   <folder>/data    the SQLite database, with the instructor account below
// Usage: grader-bench-web [--students 500] [--folder /tmp/grader-gradebook-bench] [--seed 1]
// (`grader-bench-web load ...` is the load generator instead: LoadGenerator.cs; `grader-bench-web queue ...` a class
// through the grading queue: QueueBenchmark.cs.)
int students = 500;
string folder = Path.Combine(Path.GetTempPath(), "grader-gradebook-bench");
int seed = 1;
for (int i = 0; i < args.Length; i++)
{
    string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
    switch (args[i])
    {
        case "--students": students = int.Parse(Next(), CultureInfo.InvariantCulture); break;
        case "--folder": folder = Path.GetFullPath(Next()); break;
        case "--seed": seed = int.Parse(Next(), CultureInfo.InvariantCulture); break;
        default:
            Console.Error.WriteLine($"unknown option '{args[i]}'; usage: grader-bench-web [--students N] [--folder F] [--seed S]");
            return 2;
    }
}

if (students < 2)
{
    Console.Error.WriteLine("--students must be at least 2");
    return 2;
}

string courseRoot = BenchCourse.FreshIn(folder);
var roster = new StringBuilder("identifier,github_username,github_id,name\n");
for (int s = 1; s <= students; s++)
{
    roster.Append(CultureInfo.InvariantCulture, $"bench{s:D4},bench-user-{s},{900000 + s},Bench Student {s}\n");
}

File.WriteAllText(Path.Combine(courseRoot, "assignments", "roster.csv"), roster.ToString());

var builder = WebApplication.CreateBuilder(new WebApplicationOptions { ContentRootPath = courseRoot, Args = [] });
builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
{
    ["Course:Root"] = courseRoot,
    ["Course:DataFolder"] = Path.Combine(folder, "data"),
    ["Course:SeedDemo"] = "false",
});
builder.Logging.ClearProviders();
builder.AddGraderWeb();
await using var app = builder.Build();
await app.PrepareDatabaseAsync();

using var scope = app.Services.CreateScope();
var services = scope.ServiceProvider;
var tree = services.GetRequiredService<CourseCatalog>().Tree;
var db = services.GetRequiredService<GraderDbContext>();
var users = services.GetRequiredService<UserManager<AppUser>>();
var roles = services.GetRequiredService<RoleManager<IdentityRole>>();
foreach (string role in Roles.All)
{
    await roles.CreateAsync(new IdentityRole(role));
}

var instructor = new AppUser { UserName = BenchAccounts.Instructor, DisplayName = "Bench Instructor" };
Require(await users.CreateAsync(instructor, BenchAccounts.Password), "the instructor account");
Require(await users.AddToRoleAsync(instructor, Roles.Instructor), "the instructor role");

var random = new Random(seed);
var now = DateTime.UtcNow;
var identifiers = tree.Roster.Select(s => s.Identifier).ToList();
var teams = new List<TeamRecord>();
for (int t = 0; t * 2 < identifiers.Count; t++)
{
    var team = new TeamRecord { Id = $"team-{t + 1:D4}", CourseId = tree.Course.Id, Name = $"Team {t + 1}", CreatedAtUtc = now, CreatedByName = "bench" };
    foreach (string member in identifiers.Skip(t * 2).Take(2))
    {
        team.Members.Add(new TeamMember { TeamId = team.Id, StudentIdentifier = member });
    }

    teams.Add(team);
}

db.Teams.AddRange(teams);
int submissionCount = 0;
foreach (var assignment in tree.Assignments)
{
    var rubric = tree.RubricFor(assignment.Id);
    var due = assignment.DueIn(tree.Course.TimeZone).ToInstant().ToDateTimeUtc();
    var submitters = assignment.Participation == Participation.Team ? teams.Select(t => t.Id).ToList() : identifiers;
    foreach (string submitter in submitters)
    {
        // One in twenty hands in an hour late; everyone else the day before.
        var received = random.Next(20) == 0 ? due.AddHours(1) : due.AddDays(-1);
        var submission = new SubmissionRecord
        {
            AssignmentId = assignment.Id,
            SubmitterId = submitter,
            ContentHash = Convert.ToHexStringLower(BitConverter.GetBytes(random.NextInt64())).PadLeft(64, '0'),
            OriginalFileName = $"{submitter}_{assignment.Id}.zip",
            Source = SubmissionSource.Demo,
            ReceivedAtUtc = received,
        };
        var run = new GradingRun
        {
            Submission = submission,
            AssignmentId = assignment.Id,
            ContentHash = submission.ContentHash,
            GraderVersion = "bench",
            Status = GradingRunStatus.Succeeded,
            QueuedAtUtc = received,
            StartedAtUtc = received,
            FinishedAtUtc = received.AddSeconds(2),
        };
        foreach (var item in rubric.Items.Where(i => i.Kind == RubricItemKind.Auto))
        {
            decimal points = random.Next(4) == 0 ? 0 : item.Points;
            run.Items.Add(new RubricItemResult { ItemId = item.Id, Kind = "auto", Points = points, Max = item.Points, Status = points == item.Points ? "passed" : "failed", Reason = "bench" });
        }

        run.Total = run.Items.Sum(i => i.Points);
        run.Max = rubric.FullMarks;
        run.Outcome = "graded";
        submission.Runs.Add(run);
        db.Submissions.Add(submission);
        submissionCount++;
    }
}

await db.SaveChangesAsync();
// Manual items (documents, presentations, the notebook's write-up) are scored by a TA, as the demo's TAs do.
var manualItems = tree.Assignments.SelectMany(a => tree.RubricFor(a.Id).Items.Where(i => i.Kind == RubricItemKind.Manual).Select(i => (a.Id, Item: i))).ToList();
foreach (var submission in db.Submissions.ToList())
{
    foreach (var item in manualItems.Where(m => m.Id == submission.AssignmentId).Select(m => m.Item))
    {
        db.ItemOverrides.Add(new ItemOverride
        {
            SubmissionId = submission.Id,
            ItemId = item.Id,
            NewPoints = TaPoints(item, random),
            Comment = "bench",
            ByUserId = instructor.Id,
            ByName = "Bench TA",
            AtUtc = now,
        });
    }
}

await db.SaveChangesAsync();
Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"{students} students, {teams.Count} teams, {submissionCount} graded submissions, {db.ItemOverrides.Count()} TA scores in {folder}"));
Console.WriteLine($"instructor account: {BenchAccounts.Instructor} / {BenchAccounts.Password}");

// Where a gradebook request's time goes, in process (no HTTP, no rendering): reading the facts, then the engine (both
// only when the data changed: the cache), then what every page request does (the cached grades with the status facts,
// filtered, sorted by the current grade and cut to a page). Processor time is printed beside wall time because the
// figure is often taken on a machine that is busy.
var phases = new Dictionary<string, List<(double Wall, double Cpu)>> { ["load facts"] = [], ["policy engine"] = [], ["gradebook page (cached grades)"] = [] };
var pageRequest = GradebookRequest.Parse(tree.Course, GradebookRequest.SortByCurrent, "desc", "pending-review", null, "2", null);
for (int i = 0; i < 11; i++)
{
    using var measureScope = app.Services.CreateScope();
    var gradebook = measureScope.ServiceProvider.GetRequiredService<Gradebook>();
    var clock = measureScope.ServiceProvider.GetRequiredService<NodaTime.IClock>();
    var facts = await Measure(i > 0 ? phases["load facts"] : null, () => gradebook.LoadFactsAsync(CancellationToken.None));
    await Measure(i > 0 ? phases["policy engine"] : null, () => Task.FromResult(new CourseGrader(tree, clock).GradeAll(facts)));
    var scopeDb = measureScope.ServiceProvider.GetRequiredService<GraderDbContext>();
    await Measure(i > 0 ? phases["gradebook page (cached grades)"] : null,
        async () => pageRequest.Apply(await GradebookRequest.LinesAsync(gradebook, scopeDb, tree, CancellationToken.None)));
}

foreach (var (phase, samples) in phases)
{
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"in process, {phase}: median of {samples.Count} after a warm-up {Median(samples.Select(s => s.Wall))} ms wall, {Median(samples.Select(s => s.Cpu))} ms processor"));
}

return 0;

static async Task<T> Measure<T>(List<(double Wall, double Cpu)>? samples, Func<Task<T>> work)
{
    var cpu = System.Diagnostics.Process.GetCurrentProcess().TotalProcessorTime;
    var watch = System.Diagnostics.Stopwatch.StartNew();
    var result = await work();
    samples?.Add((watch.Elapsed.TotalMilliseconds, (System.Diagnostics.Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalMilliseconds));
    return result;
}

static string Median(IEnumerable<double> values)
{
    var ordered = values.Order().ToList();
    return ordered[ordered.Count / 2].ToString("0.0", CultureInfo.InvariantCulture);
}

// A score the rubric allows: all-or-nothing items get 0 or full marks, deductions rarely apply.
static decimal TaPoints(RubricItem item, Random random) => item switch
{
    { Type: RubricItemType.Deduction } => random.Next(10) == 0 ? item.Points : 0,
    { Credit: CreditRule.AllOrNothing } => random.Next(5) == 0 ? 0 : item.Points,
    _ => Math.Round(item.Points * (decimal)(0.5 + (random.NextDouble() / 2)), 1),
};

static void Require(IdentityResult result, string what)
{
    if (!result.Succeeded)
    {
        throw new InvalidOperationException($"could not create {what}: {string.Join("; ", result.Errors.Select(e => e.Description))}");
    }
}

internal static class BenchAccounts
{
    public const string Instructor = "bench-instructor";
    public const string Password = "Bench-instructor-1";
}

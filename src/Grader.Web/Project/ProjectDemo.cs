using Grader.Data;
using Grader.Data.Course;
using Grader.Submissions.Storage;
using Microsoft.AspNetCore.Identity;
using NodaTime;
using UglyToad.PdfPig.Content;
using UglyToad.PdfPig.Core;
using UglyToad.PdfPig.Fonts.Standard14Fonts;
using UglyToad.PdfPig.Writer;

namespace Grader.Web.Project;

/// <summary>
/// The final project in the demo term, made through the same services the pages use: three teams formed by their
/// students (one by invitation and acceptance, one alone), a draft paper whose checks find a member missing from the
/// contribution statement, and a proposal presentation scored by both TAs with a visible spread.
/// </summary>
public sealed class ProjectDemo(GraderDbContext db, CourseCatalog course, SubmissionStore store, UserManager<AppUser> users, ILoggerFactory loggers)
{
    public const string PaperTeam = "team-dm0004";
    public const string SecondTeam = "team-dm0007";
    public const string SoloTeam = "team-dm0009";

    public async Task SeedAsync(IReadOnlyList<AppUser> tas, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(tas);
        var zone = course.Tree.Course.TimeZone;
        IClock At(int month, int day, int hour, int minute = 0) => new FixedClock(new LocalDateTime(2023, month, day, hour, minute).InZoneLeniently(zone).ToInstant());
        TeamFormation Teams(IClock clock) => new(db, course, clock, loggers);
        async Task<AppUser> Student(string netId) => await users.FindByNameAsync(netId).ConfigureAwait(false)
            ?? throw new InvalidOperationException($"The demo student {netId} has no account.");

        // Before the team deadline (2023-03-08), as the students would have done it.
        await Teams(At(2, 18, 10)).InviteAsync("dm0004", "dm0005", await Student("dm0004"), cancellationToken).ConfigureAwait(false);
        await Teams(At(2, 18, 15)).AcceptAsync("dm0005", PaperTeam, await Student("dm0005"), cancellationToken).ConfigureAwait(false);
        await Teams(At(2, 19, 9)).InviteAsync("dm0007", "dm0008", await Student("dm0007"), cancellationToken).ConfigureAwait(false);
        await Teams(At(2, 19, 11)).AcceptAsync("dm0008", SecondTeam, await Student("dm0008"), cancellationToken).ConfigureAwait(false);
        await Teams(At(2, 19, 12)).GoSoloAsync("dm0009", await Student("dm0009"), cancellationToken).ConfigureAwait(false);

        // A draft paper: the contribution statement names dm0004's model but forgets dm0005, which the checks point out.
        var uploadClock = At(2, 20, 9);
        var documents = new ProjectDocuments(db, course, store, Teams(uploadClock), uploadClock);
        using (var pdf = new MemoryStream(DraftPaper(), writable: false))
        {
            await documents.UploadAsync("dm0004", "project-paper", pdf, "team-dm0004-paper-draft.pdf", await Student("dm0004"), cancellationToken).ConfigureAwait(false);
        }

        // The proposal presentations, scored in class by both TAs; they disagree on one item of the first team.
        (string Team, decimal[] First, decimal[] Second)[] scores =
        [
            (PaperTeam, [4, 3, 2], [3, 1.5m, 2]),
            (SecondTeam, [3, 3, 1], [3, 3.5m, 1]),
        ];
        // The rubric's first three items, whatever the file names them; points are capped at each item's maximum.
        var items = course.Tree.RubricFor("project-proposal-presentation").Items.Take(3).ToList();
        foreach (var (team, first, second) in scores)
        {
            for (int ta = 0; ta < Math.Min(2, tas.Count); ta++)
            {
                var points = ta == 0 ? first : second;
                var panel = new PresentationPanel(db, course, At(3, 7, 11, 10 * ta), loggers);
                await panel.RecordAsync("project-proposal-presentation", team,
                    items.Select((item, i) => new PanelEntry(item.Id, Math.Min(points[i], item.Points).ToString(System.Globalization.CultureInfo.InvariantCulture), "")).ToList(),
                    tas[ta], cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>A three-page draft plus references: "Dev Testova" (dm0004) is credited with a model, "Elif Demoson" (dm0005) is not.</summary>
    internal static byte[] DraftPaper() => Pdf(
        ["Detecting pneumonia in chest X-rays", "Dev Testova and Elif Demoson", "1 Introduction",
         "Pneumonia is a leading cause of death in children; radiologists read X-rays under time pressure.", "1"],
        ["2 Data and models", "We use a public chest X-ray data set with 5,856 images split by patient.",
         "We compare a convolutional network with a recurrent baseline over image patches.", "2"],
        ["3 Results", "The convolutional network reaches an AUC of 0.93 on held-out patients.",
         "Contributions", "Dev Testova implemented the convolutional network and ran the experiments.", "3"],
        ["References", "Y. LeCun, Y. Bengio and G. Hinton. Deep learning. Nature, 521:436-444, 2015."]);

    /// <summary>A PDF with one line of text per entry, top to bottom, one array per page (PdfPig's writer, Helvetica).</summary>
    internal static byte[] Pdf(params string[][] pages)
    {
        var builder = new PdfDocumentBuilder();
        var font = builder.AddStandard14Font(Standard14Font.Helvetica);
        foreach (var lines in pages)
        {
            var page = builder.AddPage(PageSize.A4);
            double y = 800;
            foreach (string line in lines)
            {
                page.AddText(line, 10, new PdfPoint(60, y), font);
                y -= 14;
            }
        }

        return builder.Build();
    }
}

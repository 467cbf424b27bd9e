using System.Globalization;
using System.IO.Compression;
using System.Net;
using System.Text.RegularExpressions;
using Grader.Data;
using Microsoft.EntityFrameworkCore;

namespace Grader.Web.Tests.Http;

/// <summary>
/// Staff forms refuse input that does not bind (a number too large, words for points) with a message beside the field,
/// and change nothing; the false "The X field is required" messages are gone. A late re-upload is announced before it
/// is made and keeps the on-time submission counting; staff can choose another one and go back to the rule.
/// </summary>
public sealed class BadInputAndCountingTests
{
    private static Dictionary<string, string> Form(params (string Name, string Value)[] fields) => fields.ToDictionary(f => f.Name, f => f.Value);

    private static async Task<long> FirstHw1SubmissionOfAsync(string student)
    {
        await using var db = AppFixture.App.Database();
        return await db.Submissions.Where(s => s.SubmitterId == student && s.AssignmentId == "hw1-mlp").OrderBy(s => s.Id).Select(s => s.Id).FirstAsync();
    }

    /// <summary>The message the page shows beside a field (<c>asp-validation-for</c>).</summary>
    private static string FieldMessage(string page, string field) =>
        WebUtility.HtmlDecode(Regex.Match(page, $"data-valmsg-for=\"{field}\"[^>]*>(.*?)</span>", RegexOptions.Singleline).Groups[1].Value).Trim();

    [Test]
    public async Task An_extension_of_99999999999999_days_is_refused_beside_the_field_and_the_existing_extension_stays()
    {
        List<(long Id, int Days, DateTime? Revoked)> Rows(GraderDbContext db) =>
            db.Extensions.AsNoTracking().Where(e => e.SubmitterId == "dm0017").OrderBy(e => e.Id).AsEnumerable().Select(e => (e.Id, e.Days, e.RevokedAtUtc)).ToList();
        List<(long Id, int Days, DateTime? Revoked)> before;
        await using (var db = AppFixture.App.Database())
        {
            before = Rows(db);
        }

        using var instructor = await AppFixture.App.ClientAsync("instructor");
        using var response = await instructor.PostFormAsync("/Instructor/Extensions", "/Instructor/Extensions?handler=Grant",
            Form(("SubmitterId", "dm0017"), ("AssignmentId", "hw1-mlp"), ("Days", "99999999999999"), ("Reason", "typo in the days")));
        string page = await response.Content.ReadAsStringAsync();

        await using (var db = AppFixture.App.Database())
        {
            Assert.Multiple(() =>
            {
                Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), "the form is shown again, not redirected");
                Assert.That(FieldMessage(page, "Days"), Is.EqualTo("\"99999999999999\" is not a valid Days; nothing was changed."));
                Assert.That(Rows(db), Is.EqualTo(before), "the 2-day extension is neither revoked nor replaced");
                Assert.That(before, Has.Some.Matches<(long Id, int Days, DateTime? Revoked)>(e => e.Days == 2 && e.Revoked is null));
            });
        }
    }

    [Test]
    public async Task Points_given_in_words_are_refused_beside_the_field_and_nothing_is_recorded()
    {
        long submission = await FirstHw1SubmissionOfAsync("dm0027");
        string path = $"/Submissions/{submission.ToString(CultureInfo.InvariantCulture)}";
        int Overrides(GraderDbContext db) => db.ItemOverrides.Count(o => o.SubmissionId == submission);
        int before;
        await using (var db = AppFixture.App.Database())
        {
            before = Overrides(db);
        }

        using var ta = await AppFixture.App.ClientAsync("ta1");
        using var response = await ta.PostFormAsync(path, $"{path}?handler=Override",
            Form(("ItemId", "training-curves"), ("Points", "fifteen"), ("Comment", "looks right")));
        string page = await response.Content.ReadAsStringAsync();

        await using (var db = AppFixture.App.Database())
        {
            Assert.Multiple(() =>
            {
                Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
                Assert.That(FieldMessage(page, "Points"), Is.EqualTo("\"fifteen\" is not a valid Points; nothing was changed."));
                Assert.That(Overrides(db), Is.EqualTo(before), "no 0-point override was recorded");
            });
        }
    }

    [Test]
    public async Task A_missing_reason_gets_one_message_in_words_and_no_false_required_field_message()
    {
        using var instructor = await AppFixture.App.ClientAsync("instructor");
        using var response = await instructor.PostFormAsync("/Instructor/Extensions", "/Instructor/Extensions?handler=Grant",
            Form(("SubmitterId", "dm0026"), ("AssignmentId", "hw2-cnn"), ("Days", "2"), ("Reason", "")));
        string page = WebUtility.HtmlDecode(await response.Content.ReadAsStringAsync());

        Assert.Multiple(() =>
        {
            Assert.That(page, Does.Contain("A reason is required: the student reads it on their assignment page."));
            // Shown text only: the inputs' data-val-required attributes are client-side hints, not messages.
            Assert.That(page, Does.Not.Match(">[^<]*field is required"));
        });
    }

    [Test]
    public async Task A_late_upload_is_announced_first_and_the_on_time_submission_keeps_counting_until_staff_choose_otherwise()
    {
        long onTime = await FirstHw1SubmissionOfAsync("dm0026");
        using var student = await AppFixture.App.ClientAsync("dm0026");
        string before = WebUtility.HtmlDecode(await student.GetStringAsync("/Student"));
        string onTimeAt;
        await using (var db = AppFixture.App.Database())
        {
            var received = (await db.Submissions.SingleAsync(s => s.Id == onTime)).ReceivedAtUtc;
            onTimeAt = NodaTime.Instant.FromDateTimeUtc(received).InZone(NodaTime.DateTimeZoneProviders.Tzdb["America/New_York"])
                .ToString("uuuu'-'MM'-'dd HH':'mm':'ss x", CultureInfo.InvariantCulture);
        }

        using var buffer = new MemoryStream();
        using (var zip = new ZipArchive(buffer, ZipArchiveMode.Create, leaveOpen: true))
        {
            await using var entry = new StreamWriter(zip.CreateEntry("Notes.cs").Open());
            await entry.WriteAsync("// an accidental re-upload");
        }

        using var upload = await student.PostMultipartAsync("/Student", "/Student?handler=Upload",
            new Dictionary<string, string> { ["AssignmentId"] = "hw1-mlp" }, "Upload", "dm0026_hw1.zip", buffer.ToArray());
        string latePath = upload.Headers.Location!.ToString();
        string latePage = WebUtility.HtmlDecode(await student.GetStringAsync(latePath));

        Assert.Multiple(() =>
        {
            Assert.That(before, Does.Contain("HW1: Back-propagation and MLP: The deadline passed on 2023-02-16 23:59:00 EST (America/New_York); "
                + $"this upload will be recorded but your on-time submission of {onTimeAt} (America/New_York) keeps counting."));
            Assert.That(latePage, Does.Contain($"This submission does not count: the one received"));
            Assert.That(latePage, Does.Contain($"#{onTime.ToString(CultureInfo.InvariantCulture)}"));
        });

        // Staff accept the late one on the student's behalf (it then earns what the late policy gives, said first), and go back to the rule.
        using var instructor = await AppFixture.App.ClientAsync("instructor");
        string staffView = Regex.Replace(WebUtility.HtmlDecode(await instructor.GetStringAsync(latePath)), @"\s+", " ");
        Assert.Multiple(() =>
        {
            Assert.That(staffView, Does.Contain(">Accept this late upload</button>"));
            Assert.That(staffView, Does.Contain("This upload arrived after the deadline. Submitted 2023-").And.Contain("late work gets no credit."));
            Assert.That(staffView, Does.Contain($"in place of #{onTime.ToString(CultureInfo.InvariantCulture)} ("));
            Assert.That(staffView, Does.Contain("under the course's late policy it then earns 0 / 100."));
        });

        using (var chosen = await instructor.PostFormAsync(latePath, $"{latePath}?handler=Choose", Form(("CountingReason", "the student asked"))))
        {
            Assert.That(chosen.StatusCode, Is.EqualTo(HttpStatusCode.Redirect));
        }

        string chosenPage = WebUtility.HtmlDecode(await student.GetStringAsync(latePath));
        using (var back = await instructor.PostFormAsync(latePath, $"{latePath}?handler=Unchoose", Form(("CountingReason", "asked by mistake"))))
        {
            Assert.That(back.StatusCode, Is.EqualTo(HttpStatusCode.Redirect));
        }

        string backPage = WebUtility.HtmlDecode(await student.GetStringAsync(latePath));
        Assert.Multiple(() =>
        {
            Assert.That(chosenPage, Does.Contain("This submission counts: chosen by"));
            Assert.That(chosenPage, Does.Contain("(the student asked); a staff choice wins over the rule"));
            Assert.That(chosenPage, Does.Match(@"id=""state""[^>]*>late: no credit[^<]*\(submission chosen by Dr\. Iris Instructor \(demo\)\)<"));
            Assert.That(backPage, Does.Contain("This submission does not count"));
        });
    }
}

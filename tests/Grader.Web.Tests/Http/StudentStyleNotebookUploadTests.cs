using System.IO.Compression;
using System.Net;
using Grader.Data;
using Grader.TestKit;
using Microsoft.EntityFrameworkCore;

namespace Grader.Web.Tests.Http;

/// <summary>
/// A notebook written the way students write (a first draft of the class, a bare-expression test cell, the class
/// defined again with the fix, a training cell ending in <c>losses</c>) uploaded as netid_hw1.zip through the web app:
/// graded by the queue's runner like the model solution, every auto item passed.
/// </summary>
public sealed class StudentStyleNotebookUploadTests
{
    [Test]
    public async Task AStudentStyleNotebookUploadEarnsEveryAutoPoint()
    {
        string notebook = StudentStyleNotebook.Build(Path.Combine(Support.RunningApp.RepositoryRoot, "assignments", "hw1-mlp"), "hw1");
        byte[] zip;
        using (var buffer = new MemoryStream())
        {
            using (var archive = new ZipArchive(buffer, ZipArchiveMode.Create, leaveOpen: true))
            {
                await using var entry = archive.CreateEntry("hw1.ipynb").Open();
                await entry.WriteAsync(System.Text.Encoding.UTF8.GetBytes(notebook));
            }

            zip = buffer.ToArray();
        }

        using var student = await AppFixture.App.ClientAsync("dm0028");
        using var response = await student.PostMultipartAsync("/Student", "/Student?handler=Upload",
            new Dictionary<string, string> { ["AssignmentId"] = "hw1-mlp" }, "Upload", "dm0028_hw1.zip", zip);
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Redirect), await response.Content.ReadAsStringAsync());
        long submissionId = long.Parse(response.Headers.Location!.ToString().Split('/')[^1], System.Globalization.CultureInfo.InvariantCulture);

        GradingRun? run = null;
        for (var deadline = DateTime.UtcNow.AddSeconds(120); DateTime.UtcNow < deadline; await Task.Delay(500))
        {
            await using var db = AppFixture.App.Database();
            run = await db.GradingRuns.Include(r => r.Items).Where(r => r.SubmissionId == submissionId).OrderByDescending(r => r.Id).FirstOrDefaultAsync();
            if (run is { Status: not (GradingRunStatus.Queued or GradingRunStatus.Running) })
            {
                break;
            }
        }

        Assert.That(run, Is.Not.Null, AppFixture.App.Log);
        var auto = run!.Items.Where(item => item.Kind == "auto").ToList();
        Assert.Multiple(() =>
        {
            Assert.That(run.Outcome, Is.EqualTo("Graded"), run.Error ?? AppFixture.App.Log);
            Assert.That(auto, Is.Not.Empty);
            Assert.That(auto.Select(item => item.Status), Is.All.EqualTo("passed"), string.Join("\n", auto.Select(item => $"{item.ItemId}: {item.Reason}")));
            Assert.That(auto.Sum(item => item.Points), Is.EqualTo(auto.Sum(item => item.Max)));
            Assert.That(run.ReportJson, Does.Contain("graded class for IMultilayerPerceptron"));
        });
    }
}

using System.Globalization;
using System.Text.Json;
using Grader.Web.Tests.Support;
using Microsoft.Playwright;

namespace Grader.Web.Tests.Browser;

/// <summary>
/// In a real browser on the demo term (clock 2023-02-20: HW1 graded, everything else still to come): a student's
/// course-grade page says what the instructor's explanation says, number for number; the instructor's gradebook sorts,
/// filters, searches and pages from its links and form alone, with script turned off.
/// </summary>
[Category("Browser")]
public sealed class CourseGradeAndGradebookWalkTests : BrowserTests
{
    /// <summary>What the course-grade partial shows: the three grades, each component row, each explanation line.</summary>
    private static async Task<(string Current, string Projected, string Final, IReadOnlyList<string> Components, IReadOnlyList<string> Explanation)> CourseGradeAsync(IPage page) =>
        (await page.Locator("#current").InnerTextAsync(), await page.Locator("#projected").InnerTextAsync(), await page.Locator("#final").InnerTextAsync(),
            await page.Locator("#components tbody tr").AllInnerTextsAsync(), await page.Locator("#explanation li").AllInnerTextsAsync());

    // The model solution with both manual items scored (dm0001), the bias-gradient edit with an open regrade request
    // (dm0003), a late hand-in (dm0006), a team member (dm0004), one waiting for TA review (dm0016), and one with an
    // extension (dm0017).
    [TestCase("dm0001")]
    [TestCase("dm0003")]
    [TestCase("dm0004")]
    [TestCase("dm0006")]
    [TestCase("dm0016")]
    [TestCase("dm0017")]
    public async Task A_students_course_grade_page_matches_the_instructors_explanation_number_for_number(string studentId)
    {
        var student = await SignInAsync(studentId);
        await student.GotoAsync("/Student");
        await student.GetByRole(AriaRole.Navigation, new() { Name = "Main" }).GetByRole(AriaRole.Link, new() { Name = "My course grade" }).ClickAsync();
        await student.WaitForURLAsync(url => url.EndsWith("/Student/Grade", StringComparison.Ordinal));
        var seenByStudent = await CourseGradeAsync(student);

        var instructor = await SignInAsync("instructor");
        await instructor.GotoAsync($"/Instructor/Gradebook?q={studentId}");
        string currentInGradebook = await instructor.Locator($"#student-{studentId} td.current").InnerTextAsync();
        await instructor.Locator($"#student-{studentId}").GetByRole(AriaRole.Link, new() { Name = $"Why {studentId} has this grade" }).ClickAsync();
        await instructor.WaitForURLAsync(url => url.Contains("/Instructor/FinalGrade", StringComparison.Ordinal));
        var seenByInstructor = await CourseGradeAsync(instructor);

        Assert.Multiple(() =>
        {
            Assert.That(seenByStudent.Current, Is.EqualTo(seenByInstructor.Current).And.EqualTo(currentInGradebook));
            Assert.That(seenByStudent.Projected, Is.EqualTo(seenByInstructor.Projected));
            Assert.That(seenByStudent.Final, Is.EqualTo(seenByInstructor.Final));
            Assert.That(seenByStudent.Components, Is.EqualTo(seenByInstructor.Components));
            Assert.That(seenByStudent.Explanation, Is.EqualTo(seenByInstructor.Explanation));

            // Not empty agreement: seven components, HW1 graded, the rest still to come, the engine's own lines.
            Assert.That(seenByStudent.Components, Has.Count.EqualTo(7));
            Assert.That(seenByStudent.Current, Does.Match(@"^\d+\.\d\d%$"));
            Assert.That(seenByStudent.Final, Does.StartWith("in progress"));
            Assert.That(seenByStudent.Explanation, Has.Some.StartsWith("Weighted total: "));
            Assert.That(seenByStudent.Explanation, Has.Some.StartsWith("Projected if hw2-cnn, hw3-rnn"));
        });

        if (studentId == "dm0001")
        {
            // The model solution, both manual items scored: HW1 100 of 100, so 100% on graded work and projected.
            Assert.That((seenByStudent.Current, seenByStudent.Projected), Is.EqualTo(("100.00%", "100.00%, letter A, pass")));
        }
        else if (studentId == "dm0006")
        {
            // Late, no credit: 0% on graded work, projected a fail.
            Assert.That((seenByStudent.Current, seenByStudent.Projected), Is.EqualTo(("0.00%", "0.00%, letter F, fail")));
        }
    }

    private static decimal? Percent(string cell)
    {
        string number = cell.TrimEnd('*').TrimEnd('%');
        return number == "–" ? null : decimal.Parse(number, CultureInfo.InvariantCulture);
    }

    private static async Task<IReadOnlyList<string>> StudentsShownAsync(IPage page) => await page.Locator("#gradebook tbody th.student").AllInnerTextsAsync();

    [Test]
    public async Task The_gradebook_sorts_filters_searches_and_pages_without_script()
    {
        var page = await SignInAsync("instructor", javaScript: false);
        using var api = JsonDocument.Parse(await (await page.Context.APIRequest.GetAsync("/api/gradebook")).TextAsync());
        var rows = api.RootElement.EnumerateArray().ToList();
        await page.GotoAsync("/Instructor/Gradebook");
        Assert.That(await StudentsShownAsync(page), Has.Count.EqualTo(30), "one page of 50 holds the demo class");

        // Sort by HW1: the header link, ascending first, then descending; aria-sort says which.
        var hw1Header = page.Locator("#gradebook thead th").Filter(new() { HasText = "hw1-mlp" });
        await hw1Header.GetByRole(AriaRole.Link).ClickAsync();
        var ascending = (await page.Locator("#gradebook tbody td.component[data-assignment=hw1-mlp]").AllInnerTextsAsync()).Select(Percent).ToList();
        Assert.That(await hw1Header.GetAttributeAsync("aria-sort"), Is.EqualTo("ascending"));
        await hw1Header.GetByRole(AriaRole.Link).ClickAsync();
        var descending = (await page.Locator("#gradebook tbody td.component[data-assignment=hw1-mlp]").AllInnerTextsAsync()).Select(Percent).ToList();
        Assert.Multiple(() =>
        {
            Assert.That(page.Url, Does.Contain("sort=hw1-mlp").And.Contain("dir=desc"));
            Assert.That(ascending, Is.Ordered.Ascending);
            Assert.That(descending, Is.Ordered.Descending);
            Assert.That(descending[0]!.Value, Is.GreaterThan(descending[^1]!.Value), "the demo's HW1 scores differ");
        });
        // The mean row: the engine's percents of every matching student, averaged.
        string hw1Mean = await page.Locator("#means td.mean[data-assignment=hw1-mlp]").InnerTextAsync();
        Assert.That(hw1Mean, Does.StartWith(Math.Round(descending.Average(p => p!.Value), 2, MidpointRounding.AwayFromZero).ToString("0.00", CultureInfo.InvariantCulture) + "%")
            .And.EndWith("(n=30)"));

        // Filters, from the form: late hand-ins (dm0017's is inside a 2-day extension), the open similarity case,
        // and pending review: every student whose HW1 waits for a TA, plus dm0003's open regrade request.
        async Task<IReadOnlyList<string>> FilterAsync(string label)
        {
            await page.Locator("#status").SelectOptionAsync(new SelectOptionValue { Label = label });
            await page.GetByRole(AriaRole.Button, new() { Name = "Show" }).ClickAsync();
            return (await StudentsShownAsync(page)).Order(StringComparer.Ordinal).ToList();
        }

        var waiting = rows.Where(r => r.GetProperty("components").EnumerateArray().Any(c => c.GetProperty("state").GetString()!.Contains("waiting for TA review", StringComparison.Ordinal)))
            .Select(r => r.GetProperty("studentId").GetString()!).Append("dm0003").Distinct().Order(StringComparer.Ordinal).ToList();
        await Assert.MultipleAsync(async () =>
        {
            Assert.That(await FilterAsync("late submission"), Is.EqualTo(new[] { "dm0006", "dm0028" }));
            Assert.That(page.Url, Does.Contain("status=late").And.Contain("sort=hw1-mlp"), "the filter keeps the sort");
            Assert.That(await FilterAsync("open similarity case"), Is.EqualTo(new[] { "dm0021" }));
            Assert.That(await FilterAsync("missing work"), Is.Empty, "nothing past its deadline is missing on the demo clock");
            Assert.That(await page.Locator("#gradebook-count").InnerTextAsync(), Does.StartWith("No student of 30 matches"));
            Assert.That(waiting, Has.Count.GreaterThan(10));
            Assert.That(await FilterAsync("pending review"), Is.EqualTo(waiting));
        });

        // Search by netid and by name (any case), over all students.
        await page.Locator("#status").SelectOptionAsync(new SelectOptionValue { Label = "all students" });
        await page.Locator("#q").FillAsync("DM002");
        await page.GetByRole(AriaRole.Button, new() { Name = "Show" }).ClickAsync();
        Assert.That((await StudentsShownAsync(page)).Order(StringComparer.Ordinal), Is.EqualTo(Enumerable.Range(20, 10).Select(i => $"dm00{i}")));
        await page.GotoAsync("/Instructor/Gradebook");
        string name = await page.Locator("#student-dm0013 td.name").InnerTextAsync();
        await page.Locator("#q").FillAsync(name.Split(' ')[1].ToLowerInvariant());
        await page.GetByRole(AriaRole.Button, new() { Name = "Show" }).ClickAsync();
        Assert.That(await StudentsShownAsync(page), Does.Contain("dm0013"));

        // Paging: 25 a page, sorted by the current grade, highest first; page 2 is the API's order from the 26th on.
        await page.GotoAsync("/Instructor/Gradebook?sort=current&dir=desc&size=25");
        var firstPage = await StudentsShownAsync(page);
        await page.GetByRole(AriaRole.Navigation, new() { Name = "Gradebook pages" }).GetByRole(AriaRole.Link, new() { Name = "Next" }).ClickAsync();
        var secondPage = await StudentsShownAsync(page);
        var expected = rows.OrderByDescending(r => r.GetProperty("currentPercent").GetDecimal()).ThenBy(r => r.GetProperty("studentId").GetString(), StringComparer.Ordinal)
            .Select(r => r.GetProperty("studentId").GetString()!).ToList();
        await Assert.MultipleAsync(async () =>
        {
            Assert.That(firstPage, Is.EqualTo(expected.Take(25)));
            Assert.That(secondPage, Is.EqualTo(expected.Skip(25)));
            Assert.That(await page.Locator("#gradebook-count").InnerTextAsync(), Is.EqualTo("Students 26–30 of 30 matching (class of 30); page 2 of 2."));
            Assert.That(await page.GetByRole(AriaRole.Navigation, new() { Name = "Gradebook pages" }).Locator("[aria-current=page]").InnerTextAsync(), Is.EqualTo("2"));
        });
    }

    [Test]
    public async Task The_gradebook_header_stays_in_view_and_a_bad_query_is_named()
    {
        var page = await SignInAsync("instructor");
        await page.GotoAsync("/Instructor/Gradebook?sort=%3Cscript%3Ealert(1)%3C/script%3E&page=abc");
        string position = await page.Locator("#gradebook thead th").First.EvaluateAsync<string>("th => getComputedStyle(th).position");
        await Assert.MultipleAsync(async () =>
        {
            Assert.That(position, Is.EqualTo("sticky"));
            Assert.That(await page.Locator("#query-problems").InnerTextAsync(), Does.Contain("sort: there is no column '<script>alert(1)</script>'")
                .And.Contain("page: 'abc' is not a page number"));
            Assert.That(await page.Locator("#query-problems script").CountAsync(), Is.Zero, "shown as text, never as markup");
            Assert.That(await StudentsShownAsync(page), Has.Count.EqualTo(30));
        });
    }
}

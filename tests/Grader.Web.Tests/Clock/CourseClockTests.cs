using Grader.Data.Course;
using Microsoft.Extensions.Configuration;
using NodaTime;
using NodaTime.Testing;

namespace Grader.Web.Tests.Clock;

/// <summary>Course:Now: an instant, an offset date-time, "system", or the demo default; anything else names the key.</summary>
public sealed class CourseClockTests
{
    private static IConfiguration With(string? now) =>
        new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { [CourseClock.Key] = now }).Build();

    [TestCase("2023-02-20T17:00:00Z")]
    [TestCase("2023-02-20T12:00:00-05:00")]
    public void AConfiguredInstantIsWhereTheClockStarts(string value)
    {
        var clock = CourseClock.FromConfiguration(With(value), seedDemo: false);
        var read = clock.GetCurrentInstant();
        Assert.That(read, Is.GreaterThanOrEqualTo(Instant.FromUtc(2023, 2, 20, 17, 0)));
        Assert.That(read, Is.LessThan(Instant.FromUtc(2023, 2, 20, 17, 1)), "it runs at real speed from the configured instant");
    }

    [Test]
    public void TheDemoDefaultsToADateAfterHw1AndBeforeAnythingElseIsDue()
    {
        var read = CourseClock.FromConfiguration(With(null), seedDemo: true).GetCurrentInstant();
        var zone = DateTimeZoneProviders.Tzdb["America/New_York"];
        var hw1Due = new LocalDateTime(2023, 2, 16, 23, 59).InZoneStrictly(zone).ToInstant();
        var proposalDue = new LocalDateTime(2023, 3, 7, 10, 0).InZoneStrictly(zone).ToInstant();
        Assert.That(read, Is.GreaterThan(hw1Due).And.LessThan(proposalDue));
    }

    [Test]
    public void WithoutTheDemoOrWithSystemItIsTheMachineClock()
    {
        var before = SystemClock.Instance.GetCurrentInstant();
        Assert.That(CourseClock.FromConfiguration(With(null), seedDemo: false).GetCurrentInstant(), Is.GreaterThanOrEqualTo(before));
        Assert.That(CourseClock.FromConfiguration(With("system"), seedDemo: true).GetCurrentInstant(), Is.GreaterThanOrEqualTo(before));
    }

    [Test]
    public void ABadValueNamesTheKeyAndAnExample()
    {
        var refused = Assert.Throws<InvalidOperationException>(() => CourseClock.FromConfiguration(With("20/04/2023"), seedDemo: true));
        Assert.That(refused!.Message, Does.Contain("Course:Now").And.Contain("'20/04/2023'").And.Contain("2023-02-20T17:00:00Z"));
    }

    [Test]
    public void TheRunningClockAdvancesWithItsSource()
    {
        var source = new FakeClock(Instant.FromUtc(2026, 11, 23, 12, 0));
        var clock = new RunningFromClock(Instant.FromUtc(2023, 2, 20, 17, 0), source);
        source.Advance(Duration.FromMinutes(90));
        Assert.That(clock.GetCurrentInstant(), Is.EqualTo(Instant.FromUtc(2023, 2, 20, 18, 30)));
    }
}

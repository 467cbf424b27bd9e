using Grader.Core.Configuration;
using Grader.Core.Grading;
using NodaTime;

namespace Grader.Web.Grading;

/// <summary>
/// The last computed gradebook, reused while nothing it was computed from has changed: the data version (bumped by
/// every save, from the web app or a worker), the course tree (replaced whole on reload) and the course clock to the
/// minute (due dates are minutes; a deadline passing turns a provisional zero into a final one). A class of 500 then
/// costs one one-row query per request instead of reading every submission and running the policy engine.
/// </summary>
public sealed class GradebookCache
{
    private readonly SemaphoreSlim computing = new(1, 1);
    private volatile Entry? latest;

    private sealed record Entry(long DataVersion, CourseTree Tree, long Minute, IReadOnlyList<FinalGrade> Grades);

    public async Task<IReadOnlyList<FinalGrade>> GetOrComputeAsync(
        long dataVersion, CourseTree tree, Instant now, Func<Task<IReadOnlyList<FinalGrade>>> compute, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(compute);
        long minute = (long)Math.Floor(now.ToUnixTimeTicks() / (double)NodaConstants.TicksPerMinute);
        bool Current(Entry? entry) => entry is not null && entry.DataVersion == dataVersion && entry.Minute == minute && ReferenceEquals(entry.Tree, tree);

        if (latest is { } hit && Current(hit))
        {
            return hit.Grades;
        }

        // One computation at a time: requests that arrive meanwhile wait for it rather than repeat it.
        await computing.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (latest is { } justComputed && Current(justComputed))
            {
                return justComputed.Grades;
            }

            var grades = await compute().ConfigureAwait(false);
            // Keyed by the version read before computing: a change saved meanwhile makes the next request compute again.
            latest = new Entry(dataVersion, tree, minute, grades);
            return grades;
        }
        finally
        {
            computing.Release();
        }
    }
}

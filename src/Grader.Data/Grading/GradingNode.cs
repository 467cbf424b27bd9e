using System.Globalization;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Grader.Data.Grading;

/// <summary>
/// This process as a grading node: the id it claims runs under (<see cref="GradingRun.WorkerId"/>, its
/// <see cref="WorkerNode"/> row, and its Quartz instance id when clustered), how many gradings it runs at once, and the
/// GPUs it grants.
/// </summary>
public sealed class GradingNode
{
    private readonly TimeProvider time;

    public GradingNode(string id, int slots, GpuGrants gpus, bool gradesHere, TimeSpan checkinInterval, TimeSpan checkinMisfireThreshold, TimeProvider time)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(id);
        this.time = time;
        ArgumentOutOfRangeException.ThrowIfLessThan(slots, 1);
        Id = id;
        Slots = slots;
        Gpus = gpus;
        GradesHere = gradesHere;
        CheckinInterval = checkinInterval;
        CheckinMisfireThreshold = checkinMisfireThreshold;
    }

    public string Id { get; }

    /// <summary>
    /// Wall-clock time for liveness (check-ins, dead nodes): never the course clock, which a demo may hold still.
    /// </summary>
    public DateTime UtcNow => time.GetUtcNow().UtcDateTime;

    /// <summary>Gradings this node runs at once (its grading scheduler's thread count).</summary>
    public int Slots { get; }

    public GpuGrants Gpus { get; }

    /// <summary>False in a web app that only enqueues (<c>Grading:RunInWeb = false</c>): its grading scheduler never starts.</summary>
    public bool GradesHere { get; }

    public TimeSpan CheckinInterval { get; }

    public TimeSpan CheckinMisfireThreshold { get; }

    /// <summary>
    /// A node whose row was not refreshed for this long is taken for dead, and a run it was grading may be claimed by
    /// another node: the same rule Quartz's cluster applies to its own check-ins.
    /// </summary>
    public TimeSpan DeadAfter => CheckinInterval + CheckinMisfireThreshold;

    /// <summary>
    /// A new id, unique per process: host, process id and start time (what Quartz's AUTO instance id is made of),
    /// chosen here rather than by Quartz so that runs and the worker row can name the node before the scheduler exists.
    /// </summary>
    public static string NewId(DateTime startedAtUtc)
    {
        string id = string.Create(CultureInfo.InvariantCulture, $"{Environment.MachineName}-{Environment.ProcessId}-{startedAtUtc:yyyyMMddHHmmssfff}");
        // Quartz keeps instance ids in a 200-character column; so does WorkerNode.Id.
        return id.Length <= 200 ? id : id[^200..];
    }
}

/// <summary>
/// The GPUs a worker was told to grant (<c>grader worker --gpus 0,1</c>): each serves one grading at a time. A grading
/// that finds them all taken runs on the CPU rather than waiting, as the runner's own GPU pool does.
/// </summary>
public sealed class GpuGrants
{
    private readonly int[] indices;
    private readonly bool[] taken;

    public GpuGrants(IEnumerable<int> indices)
    {
        ArgumentNullException.ThrowIfNull(indices);
        this.indices = [.. indices.Distinct().Order()];
        if (this.indices.Any(i => i < 0))
        {
            throw new ArgumentOutOfRangeException(nameof(indices), $"GPU indices are 0 or more; got {string.Join(",", this.indices)}.");
        }

        taken = new bool[this.indices.Length];
    }

    /// <summary>No GPU: every grading runs on the CPU.</summary>
    public static GpuGrants None { get; } = new([]);

    public IReadOnlyList<int> Indices => indices;

    /// <summary>The indices as the worker row shows them: <c>0,1</c>, or empty.</summary>
    public override string ToString() => string.Join(",", indices.Select(i => i.ToString(CultureInfo.InvariantCulture)));

    /// <summary>Parses <c>--gpus</c>: comma-separated indices such as <c>0,1</c>; empty means none.</summary>
    public static GpuGrants Parse(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return None;
        }

        var indices = new List<int>();
        foreach (string part in text.Split(',', StringSplitOptions.TrimEntries))
        {
            if (!int.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out int index))
            {
                throw new FormatException($"--gpus takes GPU indices separated by commas, such as 0,1; '{part}' in '{text}' is not one.");
            }

            indices.Add(index);
        }

        return new GpuGrants(indices);
    }

    /// <summary>A free granted GPU, or null (none granted, or all busy): dispose the lease when the grading is done.</summary>
    public GpuLease? TryAcquire()
    {
        lock (taken)
        {
            for (int slot = 0; slot < taken.Length; slot++)
            {
                if (!taken[slot])
                {
                    taken[slot] = true;
                    return new GpuLease(indices[slot], () => Release(slot));
                }
            }
        }

        return null;
    }

    private void Release(int slot)
    {
        lock (taken)
        {
            taken[slot] = false;
        }
    }
}

/// <summary>One granted GPU held by one grading until disposed.</summary>
public sealed class GpuLease(int index, Action release) : IDisposable
{
    private int released;

    public int Index { get; } = index;

    public void Dispose()
    {
        if (Interlocked.Exchange(ref released, 1) == 0)
        {
            release();
        }
    }
}

/// <summary>
/// Keeps this node's <see cref="WorkerNode"/> row: written at start, refreshed every check-in, so the instructor sees
/// which nodes grade (GPUs, slots, grader version) and other nodes can tell a live node from a dead one.
/// </summary>
public sealed class WorkerNodeHeartbeat(
    IServiceScopeFactory scopes, GradingNode node, ISubmissionGradingClient grader, ILogger<WorkerNodeHeartbeat> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var startedAt = node.UtcNow;
        // Asking the runner for its version starts a process; done once, off the start-up path.
        string version = await Task.Run(() => grader.GraderVersion, stoppingToken).ConfigureAwait(false);
        using var timer = new PeriodicTimer(node.CheckinInterval);
        do
        {
            try
            {
                await CheckInAsync(startedAt, version, stoppingToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is DbUpdateException or InvalidOperationException or System.Data.Common.DbException)
            {
                // A database blip: the next check-in tries again; other nodes only give up on this one after DeadAfter.
                logger.LogWarning(e, "Worker {NodeId} could not check in", node.Id);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
    }

    private async Task CheckInAsync(DateTime startedAt, string version, CancellationToken cancellationToken)
    {
        using var scope = scopes.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<GraderDbContext>();
        var row = await db.WorkerNodes.FindAsync([node.Id], cancellationToken).ConfigureAwait(false);
        if (row is null)
        {
            row = new WorkerNode { Id = node.Id, HostName = Environment.MachineName, StartedAtUtc = startedAt };
            db.WorkerNodes.Add(row);
            logger.LogInformation("Grading node {NodeId}: {Slots} slot(s), GPUs [{Gpus}], grader {Version}", node.Id, node.Slots, node.Gpus, version);
        }

        row.Gpus = node.Gpus.ToString();
        row.Slots = node.Slots;
        row.GraderVersion = version;
        row.LastSeenUtc = node.UtcNow;
        await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
    }
}

using Microsoft.AspNetCore.Identity.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;

namespace Grader.Data;

/// <summary>
/// The web app's database. Each provider has its own subclass so that each keeps its own migrations
/// (Migrations/Sqlite, Migrations/SqlServer, Migrations/PostgreSql): column types differ between providers.
/// Code that does not care which provider runs asks for this base type.
/// </summary>
public abstract class GraderDbContext(DbContextOptions options) : IdentityDbContext<AppUser>(options)
{
    public DbSet<CourseRecord> Courses => Set<CourseRecord>();
    public DbSet<RosterEntry> Roster => Set<RosterEntry>();
    public DbSet<AssignmentRecord> Assignments => Set<AssignmentRecord>();
    public DbSet<TeamRecord> Teams => Set<TeamRecord>();
    public DbSet<TeamMember> TeamMembers => Set<TeamMember>();
    public DbSet<TeamChange> TeamChanges => Set<TeamChange>();
    public DbSet<SubmissionRecord> Submissions => Set<SubmissionRecord>();
    public DbSet<GradingRun> GradingRuns => Set<GradingRun>();
    public DbSet<RubricItemResult> RubricItemResults => Set<RubricItemResult>();
    public DbSet<ItemOverride> ItemOverrides => Set<ItemOverride>();
    public DbSet<RegradeRequest> RegradeRequests => Set<RegradeRequest>();
    public DbSet<ExtensionRecord> Extensions => Set<ExtensionRecord>();
    public DbSet<SimilarityCase> SimilarityCases => Set<SimilarityCase>();
    public DbSet<SimilarityCaseDecision> SimilarityCaseDecisions => Set<SimilarityCaseDecision>();
    public DbSet<CountingChoiceRecord> CountingChoices => Set<CountingChoiceRecord>();
    public DbSet<PanelScore> PanelScores => Set<PanelScore>();
    public DbSet<WorkerNode> WorkerNodes => Set<WorkerNode>();
    public DbSet<DataVersion> DataVersions => Set<DataVersion>();
    public DbSet<GitHub.GitHubDelivery> GitHubDeliveries => Set<GitHub.GitHubDelivery>();
    public DbSet<GitHub.RepositoryEvidence> RepositoryEvidence => Set<GitHub.RepositoryEvidence>();

    /// <summary>The current <see cref="DataVersion"/>: equal values mean nothing was saved in between, by any process.</summary>
    public Task<long> DataVersionAsync(CancellationToken cancellationToken) =>
        DataVersions.AsNoTracking().Where(v => v.Id == DataVersion.TheRow).Select(v => v.Value).SingleAsync(cancellationToken);

    /// <summary>Bumps the <see cref="DataVersion"/>; for changes made with ExecuteUpdate/ExecuteDelete, which bypass SaveChanges.</summary>
    public Task BumpDataVersionAsync(CancellationToken cancellationToken) =>
        DataVersions.Where(v => v.Id == DataVersion.TheRow).ExecuteUpdateAsync(s => s.SetProperty(v => v.Value, v => v.Value + 1), cancellationToken);

    // Every save that changes anything bumps the data version in the same transaction, so whatever a reader cached
    // (the gradebook) is known to be stale as soon as the change is visible.
    public override int SaveChanges(bool acceptAllChangesOnSuccess)
    {
        if (!ChangeTracker.HasChanges())
        {
            return base.SaveChanges(acceptAllChangesOnSuccess);
        }

        using var transaction = Database.CurrentTransaction is null ? Database.BeginTransaction() : null;
        int saved = base.SaveChanges(acceptAllChangesOnSuccess);
        DataVersions.Where(v => v.Id == DataVersion.TheRow).ExecuteUpdate(s => s.SetProperty(v => v.Value, v => v.Value + 1));
        transaction?.Commit();
        return saved;
    }

    public override async Task<int> SaveChangesAsync(bool acceptAllChangesOnSuccess, CancellationToken cancellationToken = default)
    {
        if (!ChangeTracker.HasChanges())
        {
            return await base.SaveChangesAsync(acceptAllChangesOnSuccess, cancellationToken).ConfigureAwait(false);
        }

        await using var transaction = Database.CurrentTransaction is null ? await Database.BeginTransactionAsync(cancellationToken).ConfigureAwait(false) : null;
        int saved = await base.SaveChangesAsync(acceptAllChangesOnSuccess, cancellationToken).ConfigureAwait(false);
        await BumpDataVersionAsync(cancellationToken).ConfigureAwait(false);
        if (transaction is not null)
        {
            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        }

        return saved;
    }

    protected override void ConfigureConventions(ModelConfigurationBuilder configurationBuilder)
    {
        ArgumentNullException.ThrowIfNull(configurationBuilder);
        // Points have at most two decimals (Grader.Core rounds so); SQL Server needs the precision spelled out.
        configurationBuilder.Properties<decimal>().HavePrecision(9, 2);
        configurationBuilder.Properties<decimal?>().HavePrecision(9, 2);
        // Every time is stored in UTC; reading it back must say so, or formatting would treat it as local.
        configurationBuilder.Properties<DateTime>().HaveConversion<UtcDateTimeConverter>();
        configurationBuilder.Properties<DateTime?>().HaveConversion<NullableUtcDateTimeConverter>();
    }

    protected override void OnModelCreating(ModelBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        base.OnModelCreating(builder);

        builder.Entity<AppUser>().Property(u => u.DisplayName).HasMaxLength(200);
        builder.Entity<AppUser>().HasIndex(u => u.StudentIdentifier).IsUnique();

        builder.Entity<CourseRecord>().HasKey(c => c.Id);
        builder.Entity<RosterEntry>(roster =>
        {
            roster.HasKey(r => r.Identifier);
            roster.HasOne<CourseRecord>().WithMany().HasForeignKey(r => r.CourseId);
            roster.HasOne<AppUser>().WithMany().HasForeignKey(r => r.UserId).OnDelete(DeleteBehavior.SetNull);
        });
        builder.Entity<AssignmentRecord>(assignment =>
        {
            assignment.HasKey(a => a.Id);
            assignment.HasOne<CourseRecord>().WithMany().HasForeignKey(a => a.CourseId);
        });
        builder.Entity<TeamRecord>(team =>
        {
            team.HasKey(t => t.Id);
            team.HasOne<CourseRecord>().WithMany().HasForeignKey(t => t.CourseId);
            team.HasMany(t => t.Members).WithOne().HasForeignKey(m => m.TeamId);
            team.Property(t => t.CreatedByName).HasMaxLength(200);
        });
        builder.Entity<TeamChange>(change =>
        {
            // No foreign key to the team: the history outlives a disbanded team.
            change.HasIndex(c => new { c.TeamId, c.AtUtc });
            change.Property(c => c.Kind).HasConversion<string>().HasMaxLength(16);
            change.Property(c => c.Note).HasMaxLength(1000);
        });
        builder.Entity<TeamMember>(member =>
        {
            member.HasKey(m => new { m.TeamId, m.StudentIdentifier });
            // A student is in at most one team.
            member.HasIndex(m => m.StudentIdentifier).IsUnique();
            member.HasOne<RosterEntry>().WithMany().HasForeignKey(m => m.StudentIdentifier).OnDelete(DeleteBehavior.Restrict);
        });
        builder.Entity<SubmissionRecord>(submission =>
        {
            submission.HasIndex(s => new { s.SubmitterId, s.AssignmentId, s.ReceivedAtUtc });
            submission.HasIndex(s => s.ContentHash);
            submission.HasOne<AssignmentRecord>().WithMany().HasForeignKey(s => s.AssignmentId).OnDelete(DeleteBehavior.Restrict);
            submission.Property(s => s.Source).HasConversion<string>().HasMaxLength(32);
            submission.Property(s => s.ContentHash).HasMaxLength(64);
        });
        builder.Entity<GradingRun>(run =>
        {
            run.HasOne(r => r.Submission).WithMany(s => s.Runs).HasForeignKey(r => r.SubmissionId);
            run.HasIndex(r => new { r.AssignmentId, r.ContentHash, r.GraderVersion, r.Status });
            run.Property(r => r.Status).HasConversion<string>().HasMaxLength(16);
            run.Property(r => r.ContentHash).HasMaxLength(64);
            run.Property(r => r.CourseInputs).HasMaxLength(64);
            run.Property(r => r.Error).HasMaxLength(4000);
            run.Property(r => r.WorkerId).HasMaxLength(200);
            // The web app looks every few seconds for finished runs not yet told to the feedback sinks (null here):
            // a handful among every run of the term.
            run.HasIndex(r => r.FeedbackNotifiedAtUtc);
            run.HasMany(r => r.Items).WithOne().HasForeignKey(i => i.GradingRunId);
        });
        builder.Entity<RubricItemResult>().Property(i => i.Reason).HasMaxLength(4000);
        builder.Entity<ItemOverride>(item =>
        {
            item.HasIndex(o => new { o.SubmissionId, o.ItemId, o.AtUtc });
            item.HasOne<SubmissionRecord>().WithMany().HasForeignKey(o => o.SubmissionId);
            item.Property(o => o.Comment).HasMaxLength(4000);
        });
        builder.Entity<RegradeRequest>(request =>
        {
            request.HasOne<SubmissionRecord>().WithMany().HasForeignKey(r => r.SubmissionId);
            request.Property(r => r.Status).HasConversion<string>().HasMaxLength(16);
            request.Property(r => r.Message).HasMaxLength(4000);
            request.Property(r => r.Response).HasMaxLength(4000);
        });
        builder.Entity<ExtensionRecord>(extension =>
        {
            extension.HasIndex(e => new { e.SubmitterId, e.AssignmentId, e.GrantedAtUtc });
            extension.HasOne<AssignmentRecord>().WithMany().HasForeignKey(e => e.AssignmentId);
        });
        builder.Entity<CountingChoiceRecord>(choice =>
        {
            choice.HasIndex(c => new { c.SubmitterId, c.AssignmentId, c.AtUtc });
            choice.HasOne<SubmissionRecord>().WithMany().HasForeignKey(c => c.SubmissionId);
            choice.HasOne<AssignmentRecord>().WithMany().HasForeignKey(c => c.AssignmentId).OnDelete(DeleteBehavior.Restrict);
            choice.Property(c => c.Reason).HasMaxLength(4000);
            choice.Property(c => c.RevokeReason).HasMaxLength(4000);
            choice.Property(c => c.ByName).HasMaxLength(200);
            choice.Property(c => c.RevokedByName).HasMaxLength(200);
        });
        builder.Entity<SimilarityCase>(similarity =>
        {
            similarity.HasOne<AssignmentRecord>().WithMany().HasForeignKey(c => c.AssignmentId);
            similarity.Property(c => c.Summary).HasMaxLength(4000);
            similarity.Property(c => c.DecisionNote).HasMaxLength(4000);
        });
        builder.Entity<SimilarityCaseDecision>(decision =>
        {
            decision.HasIndex(d => new { d.CaseId, d.AtUtc });
            decision.HasOne<SimilarityCase>().WithMany().HasForeignKey(d => d.CaseId).OnDelete(DeleteBehavior.Restrict);
            decision.Property(d => d.Kind).HasConversion<string>().HasMaxLength(16);
            decision.Property(d => d.ByName).HasMaxLength(200);
            decision.Property(d => d.Note).HasMaxLength(4000);
        });
        builder.Entity<PanelScore>(score =>
        {
            score.HasIndex(p => new { p.AssignmentId, p.SubmitterId, p.ItemId, p.ByUserId, p.AtUtc });
            score.HasOne<AssignmentRecord>().WithMany().HasForeignKey(p => p.AssignmentId);
            score.Property(p => p.Comment).HasMaxLength(4000);
        });
        builder.Entity<WorkerNode>(node =>
        {
            node.HasKey(n => n.Id);
            node.Property(n => n.Id).HasMaxLength(200);
            node.Property(n => n.HostName).HasMaxLength(200);
            node.Property(n => n.Gpus).HasMaxLength(200);
            node.Property(n => n.GraderVersion).HasMaxLength(200);
        });
        builder.Entity<DataVersion>(version =>
        {
            version.HasKey(v => v.Id);
            version.Property(v => v.Id).ValueGeneratedNever();
            version.HasData(new DataVersion { Id = DataVersion.TheRow, Value = 0 });
        });
        GitHub.GitHubEvidenceModel.Configure(builder);
    }

    private sealed class UtcDateTimeConverter() : ValueConverter<DateTime, DateTime>(
        value => value.Kind == DateTimeKind.Utc ? value : value.ToUniversalTime(),
        value => DateTime.SpecifyKind(value, DateTimeKind.Utc));

    private sealed class NullableUtcDateTimeConverter() : ValueConverter<DateTime?, DateTime?>(
        value => value == null ? null : value.Value.Kind == DateTimeKind.Utc ? value : value.Value.ToUniversalTime(),
        value => value == null ? null : DateTime.SpecifyKind(value.Value, DateTimeKind.Utc));
}

/// <summary>The embedded default: a SQLite file under data/.</summary>
public sealed class SqliteGraderDbContext(DbContextOptions<SqliteGraderDbContext> options) : GraderDbContext(options);

/// <summary>Production: SQL Server (<c>Database:Provider = SqlServer</c>).</summary>
public sealed class SqlServerGraderDbContext(DbContextOptions<SqlServerGraderDbContext> options) : GraderDbContext(options);

/// <summary>Production: PostgreSQL (<c>Database:Provider = PostgreSql</c>), the server database the cluster tests run on.</summary>
public sealed class PostgreSqlGraderDbContext(DbContextOptions<PostgreSqlGraderDbContext> options) : GraderDbContext(options);

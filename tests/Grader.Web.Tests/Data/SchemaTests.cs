using Grader.Data;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Migrations;
using Microsoft.SqlServer.TransactSql.ScriptDom;

namespace Grader.Web.Tests.Data;

/// <summary>The SQL Server schema (no SQL Server runs here: the script is generated and parsed), the migrations of all three providers, and that they agree.</summary>
public sealed class SchemaTests
{
    private static SqlServerGraderDbContext SqlServerContext() =>
        new(new DbContextOptionsBuilder<SqlServerGraderDbContext>().UseSqlServer("Server=nowhere;Database=Grader;Trusted_Connection=True").Options);

    [Test]
    public void TheSqlServerCreateScriptParsesAsTSql()
    {
        using var context = SqlServerContext();
        string script = context.Database.GenerateCreateScript();

        var parser = new TSql160Parser(initialQuotedIdentifiers: true);
        using var reader = new StringReader(script);
        parser.Parse(reader, out var errors);

        Assert.That(errors.Select(e => $"line {e.Line}: {e.Message}"), Is.Empty);
        Assert.That(script, Does.Contain("CREATE TABLE [ItemOverrides]"));
        Assert.That(script, Does.Contain("CREATE TABLE [GradingRuns]"));
        Assert.That(script, Does.Contain("[ReportJson] nvarchar(max)"));
    }

    [Test]
    public void TheSqlServerMigrationScriptParsesAsTSql()
    {
        using var context = SqlServerContext();
        string script = context.GetService<IMigrator>().GenerateScript();
        var parser = new TSql160Parser(initialQuotedIdentifiers: true);
        using var reader = new StringReader(script);
        parser.Parse(reader, out var errors);
        Assert.That(errors.Select(e => $"line {e.Line}: {e.Message}"), Is.Empty);
    }

    private static PostgreSqlGraderDbContext PostgreSqlContext() =>
        new(new DbContextOptionsBuilder<PostgreSqlGraderDbContext>().UseNpgsql("Host=nowhere;Database=grader").Options);

    private static SqliteGraderDbContext SqliteContext() =>
        new(new DbContextOptionsBuilder<SqliteGraderDbContext>().UseSqlite("Data Source=:memory:").Options);

    [Test]
    public void MigrationsMatchTheModelForEveryProvider()
    {
        using var sqlServer = SqlServerContext();
        using var sqlite = SqliteContext();
        using var postgreSql = PostgreSqlContext();
        Assert.Multiple(() =>
        {
            Assert.That(sqlServer.Database.HasPendingModelChanges(), Is.False, "run dotnet ef migrations add for SqlServerGraderDbContext");
            Assert.That(sqlite.Database.HasPendingModelChanges(), Is.False, "run dotnet ef migrations add for SqliteGraderDbContext");
            Assert.That(postgreSql.Database.HasPendingModelChanges(), Is.False, "run dotnet ef migrations add for PostgreSqlGraderDbContext");
        });
    }

    /// <summary>
    /// The three migration sets describe one schema: the same tables, columns (with nullability), keys, foreign keys
    /// and indexes. Only column types differ. Read from each provider's latest migration snapshot, which is what
    /// its migrations build.
    /// </summary>
    [Test]
    public void TheThreeProvidersMigrateToTheSameTablesColumnsKeysAndIndexes()
    {
        using var sqlServer = SqlServerContext();
        using var sqlite = SqliteContext();
        using var postgreSql = PostgreSqlContext();
        var sqliteShape = SchemaShape(sqlite);
        Assert.That(sqliteShape, Has.Some.StartsWith("table GradingRuns"), "the shape lists the tables");
        Assert.Multiple(() =>
        {
            Assert.That(SchemaShape(sqlServer), Is.EqualTo(sqliteShape), "SQL Server's migrations against SQLite's");
            Assert.That(SchemaShape(postgreSql), Is.EqualTo(sqliteShape), "PostgreSQL's migrations against SQLite's");
        });
    }

    [Test]
    public void TheComparedShapeHoldsKeysForeignKeysAndIndexes()
    {
        using var sqlite = SqliteContext();
        var shape = SchemaShape(sqlite);
        Assert.That(shape, Is.SupersetOf(new[]
        {
            "column GradingRuns.WorkerId null",
            "key WorkerNodes (Id)",
            "foreign key TeamMembers (StudentIdentifier) -> Roster on delete Restrict",
            "index GradingRuns (AssignmentId, ContentHash, GraderVersion, Status)",
            "index TeamMembers (StudentIdentifier) unique",
        }));
    }

    /// <summary>One line per table, column, key, foreign key and index of the context's migrations snapshot, sorted.</summary>
    private static List<string> SchemaShape(DbContext context)
    {
        var snapshot = context.GetService<IMigrationsAssembly>().ModelSnapshot
            ?? throw new InvalidOperationException($"{context.GetType().Name} has no migrations");
        var model = context.GetService<IModelRuntimeInitializer>().Initialize(
            ((IMutableModel)snapshot.Model).FinalizeModel(), designTime: true, validationLogger: null);
        var lines = new List<string>();
        foreach (var table in model.GetRelationalModel().Tables)
        {
            lines.Add($"table {table.Name}");
            lines.AddRange(table.Columns.Select(c => $"column {table.Name}.{c.Name} {(c.IsNullable ? "null" : "not null")}"));
            if (table.PrimaryKey is { } key)
            {
                lines.Add($"key {table.Name} ({string.Join(", ", key.Columns.Select(c => c.Name))})");
            }

            lines.AddRange(table.ForeignKeyConstraints.Select(fk =>
                $"foreign key {table.Name} ({string.Join(", ", fk.Columns.Select(c => c.Name))}) -> {fk.PrincipalTable.Name} on delete {fk.OnDeleteAction}"));
            lines.AddRange(table.Indexes.Select(ix =>
                $"index {table.Name} ({string.Join(", ", ix.Columns.Select(c => c.Name))}){(ix.IsUnique ? " unique" : "")}"));
            lines.AddRange(table.UniqueConstraints.Where(u => !u.GetIsPrimaryKey()).Select(u =>
                $"unique {table.Name} ({string.Join(", ", u.Columns.Select(c => c.Name))})"));
        }

        lines.Sort(StringComparer.Ordinal);
        return lines;
    }

    [Test]
    public async Task SqliteMigrationsCreateAWorkingDatabase()
    {
        await using var connection = new SqliteConnection("Data Source=:memory:");
        await connection.OpenAsync();
        await using var db = new SqliteGraderDbContext(new DbContextOptionsBuilder<SqliteGraderDbContext>().UseSqlite(connection).Options);
        await db.Database.MigrateAsync();
        Assert.That(await db.Database.GetPendingMigrationsAsync(), Is.Empty);
        Assert.That(await db.ItemOverrides.CountAsync(), Is.Zero);
    }
}

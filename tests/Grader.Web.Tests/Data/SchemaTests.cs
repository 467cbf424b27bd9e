using Grader.Web.Data;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using Microsoft.SqlServer.TransactSql.ScriptDom;

namespace Grader.Web.Tests.Data;

/// <summary>The SQL Server schema (no SQL Server runs here: the script is generated and parsed) and the migrations.</summary>
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

    [Test]
    public void MigrationsMatchTheModelForBothProviders()
    {
        using var sqlServer = SqlServerContext();
        using var connection = new SqliteConnection("Data Source=:memory:");
        using var sqlite = new SqliteGraderDbContext(new DbContextOptionsBuilder<SqliteGraderDbContext>().UseSqlite(connection).Options);
        Assert.Multiple(() =>
        {
            Assert.That(sqlServer.Database.HasPendingModelChanges(), Is.False, "run dotnet ef migrations add for SqlServerGraderDbContext");
            Assert.That(sqlite.Database.HasPendingModelChanges(), Is.False, "run dotnet ef migrations add for SqliteGraderDbContext");
        });
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

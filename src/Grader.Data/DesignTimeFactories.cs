using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace Grader.Data;

// Used only by `dotnet ef migrations add` (see README.md): each provider's context with a placeholder connection,
// so that generating migrations needs neither the app's configuration nor a running database.

internal sealed class SqliteDesignTimeFactory : IDesignTimeDbContextFactory<SqliteGraderDbContext>
{
    public SqliteGraderDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<SqliteGraderDbContext>().UseSqlite("Data Source=design-time.db").Options);
}

internal sealed class SqlServerDesignTimeFactory : IDesignTimeDbContextFactory<SqlServerGraderDbContext>
{
    public SqlServerGraderDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<SqlServerGraderDbContext>().UseSqlServer("Server=design-time;Database=Grader;Trusted_Connection=True;TrustServerCertificate=True").Options);
}

internal sealed class PostgreSqlDesignTimeFactory : IDesignTimeDbContextFactory<PostgreSqlGraderDbContext>
{
    public PostgreSqlGraderDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<PostgreSqlGraderDbContext>().UseNpgsql("Host=design-time;Database=grader").Options);
}

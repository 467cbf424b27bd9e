using System.Globalization;
using Grader.Data;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace Grader.Cluster.Tests.PostgreSql;

/// <summary>
/// A fresh database on the PostgreSQL server of <c>scripts/setup.sh</c>, made for one test run and dropped after it.
/// The server is named by <c>GRADER_TEST_POSTGRES</c> (a connection string without a database); its default is the
/// role setup.sh creates. A missing server fails the test with what to run, never skips it.
/// </summary>
public sealed class TestDatabase : IAsyncDisposable
{
    public const string ServerVariable = "GRADER_TEST_POSTGRES";
    public const string DefaultServer = "Host=127.0.0.1;Port=5432;Username=grader_test;Password=grader_test";

    private readonly string serverConnectionString;

    private TestDatabase(string serverConnectionString, string name, string connectionString)
    {
        this.serverConnectionString = serverConnectionString;
        Name = name;
        ConnectionString = connectionString;
    }

    public string Name { get; }

    /// <summary>For the processes under test (<c>Database__ConnectionString</c>) and for reading what they wrote.</summary>
    public string ConnectionString { get; }

    public static async Task<TestDatabase> CreateAsync()
    {
        string server = Environment.GetEnvironmentVariable(ServerVariable) is { Length: > 0 } configured ? configured : DefaultServer;
        var builder = new NpgsqlConnectionStringBuilder(server) { Database = "postgres", Timeout = 5 };
        string name = string.Create(CultureInfo.InvariantCulture, $"grader_cluster_{DateTime.UtcNow:yyyyMMddHHmmss}_{Guid.NewGuid():N}")[..50];
        try
        {
            await using var connection = new NpgsqlConnection(builder.ConnectionString);
            await connection.OpenAsync();
            await using var create = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", connection);
            await create.ExecuteNonQueryAsync();
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException)
        {
            Assert.Fail($"No PostgreSQL server for the cluster tests at '{builder.Host}:{builder.Port}' as '{builder.Username}' ({e.Message}). "
                + $"Run scripts/setup.sh --tests (it installs and starts PostgreSQL and creates that role), or set {ServerVariable} to a server's connection string.");
        }

        string connectionString = new NpgsqlConnectionStringBuilder(server) { Database = name }.ConnectionString;
        return new TestDatabase(builder.ConnectionString, name, connectionString);
    }

    /// <summary>A context on this database, for reading what the processes recorded.</summary>
    public PostgreSqlGraderDbContext Context() =>
        new(new DbContextOptionsBuilder<PostgreSqlGraderDbContext>().UseNpgsql(ConnectionString).Options);

    public async Task<long> ScalarAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return Convert.ToInt64(await command.ExecuteScalarAsync(), CultureInfo.InvariantCulture);
    }

    public async ValueTask DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        await using var connection = new NpgsqlConnection(serverConnectionString);
        await connection.OpenAsync();
        // FORCE: a process under test that was killed may still hold a connection for a moment.
        await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{Name}\" WITH (FORCE)", connection);
        await drop.ExecuteNonQueryAsync();
    }
}

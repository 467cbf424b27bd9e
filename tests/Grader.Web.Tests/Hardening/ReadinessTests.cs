using System.Globalization;
using System.Net;
using System.Text.Json;
using Grader.Data;
using Grader.Web.Tests.Support;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace Grader.Web.Tests.Hardening;

/// <summary>
/// <c>/readyz</c> against apps of their own: one that only queues (<c>Grading:RunInWeb=false</c>), whose readiness
/// follows the workers' check-ins in the database; one on a PostgreSQL database that is then dropped. <c>/healthz</c>
/// answers 200 throughout: the process itself is fine.
/// </summary>
public sealed class ReadinessTests
{
    private static async Task<(HttpStatusCode Status, JsonElement Body)> ProbeAsync(RunningApp app, string path)
    {
        using var client = await app.ClientAsync(null);
        using var response = await client.GetAsync(path);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return (response.StatusCode, json.RootElement.Clone());
    }

    private static string CheckStatus(JsonElement body, string check) => body.GetProperty("checks").GetProperty(check).GetProperty("status").GetString()!;

    [Test]
    public async Task ReadinessFollowsTheWorkersLastCheckIn()
    {
        await using var app = await RunningApp.StartAsync(settings: new Dictionary<string, string>
        {
            ["Grading__RunInWeb"] = "false",
            ["Course__SeedDemo"] = "false",
            ["Logging__Console__FormatterName"] = "json",
        });

        var (status, body) = await ProbeAsync(app, "/readyz");
        Assert.That(status, Is.EqualTo(HttpStatusCode.ServiceUnavailable), "no worker has ever checked in");
        Assert.That(CheckStatus(body, "grading-nodes"), Is.EqualTo("Unhealthy"));
        Assert.That(CheckStatus(body, "database"), Is.EqualTo("Healthy"));
        Assert.That(CheckStatus(body, "schedulers"), Is.EqualTo("Healthy"), "the grading scheduler is not started here, as configured");

        // The check reads the machine's clock (TimeProvider), as a worker's check-in writes it.
        await using (var db = app.Database())
        {
            db.WorkerNodes.Add(new WorkerNode { Id = "worker-a", HostName = "gpu-1", Slots = 2, StartedAtUtc = DateTime.UtcNow.AddMinutes(-10), LastSeenUtc = DateTime.UtcNow });
            await db.SaveChangesAsync();
        }

        (status, body) = await ProbeAsync(app, "/readyz");
        Assert.That(status, Is.EqualTo(HttpStatusCode.OK), body.ToString());
        Assert.That(CheckStatus(body, "grading-nodes"), Is.EqualTo("Healthy"));

        await using (var db = app.Database())
        {
            var worker = await db.WorkerNodes.SingleAsync(n => n.Id == "worker-a");
            worker.LastSeenUtc = DateTime.UtcNow.AddSeconds(-61);
            await db.SaveChangesAsync();
        }

        (status, body) = await ProbeAsync(app, "/readyz");
        Assert.That(status, Is.EqualTo(HttpStatusCode.ServiceUnavailable), "the only worker has been silent for over a minute");
        Assert.That(body.GetProperty("checks").GetProperty("grading-nodes").GetProperty("description").GetString(), Does.Contain("no grading node has checked in within 60 s"));
        Assert.That((await ProbeAsync(app, "/healthz")).Status, Is.EqualTo(HttpStatusCode.OK));

        // Logging:Console:FormatterName=json: each log entry is one line of JSON.
        var lines = app.Log.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Where(line => line.StartsWith('{')).ToList();
        var ready = lines.Select(line => JsonDocument.Parse(line).RootElement).FirstOrDefault(e => e.GetProperty("Message").GetString()!.StartsWith("Grader is ready", StringComparison.Ordinal));
        Assert.That(ready.ValueKind, Is.EqualTo(JsonValueKind.Object), app.Log);
        Assert.That(ready.GetProperty("Category").GetString(), Is.Not.Empty);
    }

    [Test]
    public async Task ReadinessFailsWhenTheDatabaseIsGone()
    {
        // The PostgreSQL server of scripts/setup.sh --tests, or GRADER_TEST_POSTGRES as for the cluster tests.
        string server = Environment.GetEnvironmentVariable("GRADER_TEST_POSTGRES") is { Length: > 0 } configured ? configured
            : "Host=127.0.0.1;Port=5432;Username=grader_test;Password=grader_test;Timeout=5";
        string name = string.Create(CultureInfo.InvariantCulture, $"grader_readyz_{Guid.NewGuid():N}")[..40];
        await ExecuteAsync(server, $"CREATE DATABASE \"{name}\"");
        try
        {
            await using var app = await RunningApp.StartAsync(settings: new Dictionary<string, string>
            {
                ["Database__Provider"] = "PostgreSql",
                ["Database__ConnectionString"] = new NpgsqlConnectionStringBuilder(server) { Database = name }.ConnectionString,
                ["Course__SeedDemo"] = "false",
            });

            // The web app grades here, so its own check-in makes a live node once it has asked the runner its version.
            var (status, body) = (HttpStatusCode.ServiceUnavailable, default(JsonElement));
            for (var deadline = DateTime.UtcNow.AddSeconds(90); DateTime.UtcNow < deadline && status != HttpStatusCode.OK; await Task.Delay(1000))
            {
                (status, body) = await ProbeAsync(app, "/readyz");
            }

            Assert.That(status, Is.EqualTo(HttpStatusCode.OK), $"{body}\n{app.Log}");

            await ExecuteAsync(server, $"DROP DATABASE \"{name}\" WITH (FORCE)");
            (status, body) = await ProbeAsync(app, "/readyz");
            Assert.That(status, Is.EqualTo(HttpStatusCode.ServiceUnavailable), body.ToString());
            Assert.That(CheckStatus(body, "database"), Is.EqualTo("Unhealthy"));
            Assert.That(body.GetProperty("checks").GetProperty("database").GetProperty("description").GetString(), Does.StartWith("the database does not answer"));
            Assert.That((await ProbeAsync(app, "/healthz")).Status, Is.EqualTo(HttpStatusCode.OK), "the process is alive: restarting it would not bring the database back");
        }
        finally
        {
            await ExecuteAsync(server, $"DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)");
        }
    }

    private static async Task ExecuteAsync(string server, string sql)
    {
        await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(server) { Database = "postgres" }.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }
}

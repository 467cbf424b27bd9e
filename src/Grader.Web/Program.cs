using Grader.Web.Accounts;
using Grader.Web.Extensions;
using Grader.Data.GitHub;
using Grader.Web.GitHub;
using Grader.Web.Operations;
using Grader.Web.Workspace;

// Grader's web app. `dotnet run --project src/Grader.Web` serves the demo course on http://localhost:5000 (see
// src/Grader.Web/README.md for the demo accounts). Configuration: appsettings.json, or environment variables such as
// Database__Provider=SqlServer and Database__ConnectionString=...
// `account add USER --role ...` creates a local account and exits (Accounts/AccountCommand.cs); anything else serves.
bool accountCommand = AccountCommand.Matches(args);
var builder = WebApplication.CreateBuilder(accountCommand ? [] : args);
builder.AddGraderWeb();

var app = builder.Build();
if (accountCommand)
{
    Environment.ExitCode = await AccountCommand.RunAsync(app, args, Console.In, Console.Out, Console.Error);
    return;
}

await app.PrepareDatabaseAsync();

app.UseGraderWebHardening();
if (!app.Environment.IsDevelopment())
{
    app.UseExceptionHandler("/Error");
}

app.UseStaticFiles();
app.UseRouting();
app.UseAuthentication();
app.UseAuthorization();
app.UseAntiforgery();
app.MapRazorPages();
app.MapGraderApi();
app.MapWorkspace();
app.MapOpenApi(GraderApi.OpenApiDocumentPath).RequireAuthorization();
app.MapGitHubWebhook();
app.MapGraderHealthChecks();
app.MapPrometheusScrapingEndpoint(GraderMetrics.ScrapePath);

app.Lifetime.ApplicationStarted.Register(() =>
    app.Logger.LogInformation("Grader is ready: {Urls}", string.Join(", ", app.Urls)));
await app.RunAsync();

/// <summary>Visible to the tests, which start the real app.</summary>
public partial class Program;

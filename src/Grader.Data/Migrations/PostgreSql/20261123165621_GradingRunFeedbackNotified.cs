using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Grader.Data.Migrations.PostgreSql
{
    /// <inheritdoc />
    public partial class GradingRunFeedbackNotified : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<DateTime>(
                name: "FeedbackClaimedAtUtc",
                table: "GradingRuns",
                type: "timestamp with time zone",
                nullable: true);

            migrationBuilder.AddColumn<DateTime>(
                name: "FeedbackNotifiedAtUtc",
                table: "GradingRuns",
                type: "timestamp with time zone",
                nullable: true);

            // Runs finished before this migration count as told: the web app told its sinks about those it graded, and
            // catching up on a worker's now would post stale feedback to GitHub. Runs that finish from now on are tracked.
            migrationBuilder.Sql(
                "UPDATE \"GradingRuns\" SET \"FeedbackNotifiedAtUtc\" = COALESCE(\"FinishedAtUtc\", \"QueuedAtUtc\") WHERE \"Status\" IN ('Succeeded', 'Failed');");

            migrationBuilder.CreateIndex(
                name: "IX_GradingRuns_FeedbackNotifiedAtUtc",
                table: "GradingRuns",
                column: "FeedbackNotifiedAtUtc");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_GradingRuns_FeedbackNotifiedAtUtc",
                table: "GradingRuns");

            migrationBuilder.DropColumn(
                name: "FeedbackClaimedAtUtc",
                table: "GradingRuns");

            migrationBuilder.DropColumn(
                name: "FeedbackNotifiedAtUtc",
                table: "GradingRuns");
        }
    }
}

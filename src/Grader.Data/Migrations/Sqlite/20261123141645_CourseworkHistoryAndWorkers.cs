using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Grader.Data.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class CourseworkHistoryAndWorkers : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_Extensions_SubmitterId_AssignmentId",
                table: "Extensions");

            migrationBuilder.AddColumn<DateTime>(
                name: "CreatedAtUtc",
                table: "Teams",
                type: "TEXT",
                nullable: false,
                defaultValue: new DateTime(1, 1, 1, 0, 0, 0, 0, DateTimeKind.Unspecified));

            migrationBuilder.AddColumn<string>(
                name: "CreatedByName",
                table: "Teams",
                type: "TEXT",
                maxLength: 200,
                nullable: false,
                defaultValue: "");

            migrationBuilder.AddColumn<string>(
                name: "DecisionNote",
                table: "SimilarityCases",
                type: "TEXT",
                maxLength: 4000,
                nullable: true);

            migrationBuilder.AddColumn<DateTime>(
                name: "DismissedAtUtc",
                table: "SimilarityCases",
                type: "TEXT",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "DismissedByName",
                table: "SimilarityCases",
                type: "TEXT",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "OpenedByName",
                table: "SimilarityCases",
                type: "TEXT",
                nullable: true);

            migrationBuilder.AddColumn<long>(
                name: "OtherSubmissionId",
                table: "SimilarityCases",
                type: "INTEGER",
                nullable: true);

            migrationBuilder.AddColumn<long>(
                name: "SubmissionId",
                table: "SimilarityCases",
                type: "INTEGER",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "WorkerId",
                table: "GradingRuns",
                type: "TEXT",
                maxLength: 200,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "RevokeReason",
                table: "Extensions",
                type: "TEXT",
                nullable: true);

            migrationBuilder.AddColumn<DateTime>(
                name: "RevokedAtUtc",
                table: "Extensions",
                type: "TEXT",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "RevokedByName",
                table: "Extensions",
                type: "TEXT",
                nullable: true);

            migrationBuilder.CreateTable(
                name: "PanelScores",
                columns: table => new
                {
                    Id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    AssignmentId = table.Column<string>(type: "TEXT", nullable: false),
                    SubmitterId = table.Column<string>(type: "TEXT", nullable: false),
                    ItemId = table.Column<string>(type: "TEXT", nullable: false),
                    Points = table.Column<decimal>(type: "TEXT", precision: 9, scale: 2, nullable: false),
                    Comment = table.Column<string>(type: "TEXT", maxLength: 4000, nullable: false),
                    ByUserId = table.Column<string>(type: "TEXT", nullable: false),
                    ByName = table.Column<string>(type: "TEXT", nullable: false),
                    AtUtc = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_PanelScores", x => x.Id);
                    table.ForeignKey(
                        name: "FK_PanelScores_Assignments_AssignmentId",
                        column: x => x.AssignmentId,
                        principalTable: "Assignments",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "TeamChanges",
                columns: table => new
                {
                    Id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    TeamId = table.Column<string>(type: "TEXT", nullable: false),
                    StudentIdentifier = table.Column<string>(type: "TEXT", nullable: false),
                    Kind = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    ByName = table.Column<string>(type: "TEXT", nullable: false),
                    AtUtc = table.Column<DateTime>(type: "TEXT", nullable: false),
                    Note = table.Column<string>(type: "TEXT", maxLength: 1000, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_TeamChanges", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "WorkerNodes",
                columns: table => new
                {
                    Id = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false),
                    HostName = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false),
                    Gpus = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false),
                    Slots = table.Column<int>(type: "INTEGER", nullable: false),
                    GraderVersion = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false),
                    StartedAtUtc = table.Column<DateTime>(type: "TEXT", nullable: false),
                    LastSeenUtc = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_WorkerNodes", x => x.Id);
                });

            migrationBuilder.CreateIndex(
                name: "IX_Extensions_SubmitterId_AssignmentId_GrantedAtUtc",
                table: "Extensions",
                columns: new[] { "SubmitterId", "AssignmentId", "GrantedAtUtc" });

            migrationBuilder.CreateIndex(
                name: "IX_PanelScores_AssignmentId_SubmitterId_ItemId_ByUserId_AtUtc",
                table: "PanelScores",
                columns: new[] { "AssignmentId", "SubmitterId", "ItemId", "ByUserId", "AtUtc" });

            migrationBuilder.CreateIndex(
                name: "IX_TeamChanges_TeamId_AtUtc",
                table: "TeamChanges",
                columns: new[] { "TeamId", "AtUtc" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "PanelScores");

            migrationBuilder.DropTable(
                name: "TeamChanges");

            migrationBuilder.DropTable(
                name: "WorkerNodes");

            migrationBuilder.DropIndex(
                name: "IX_Extensions_SubmitterId_AssignmentId_GrantedAtUtc",
                table: "Extensions");

            migrationBuilder.DropColumn(
                name: "CreatedAtUtc",
                table: "Teams");

            migrationBuilder.DropColumn(
                name: "CreatedByName",
                table: "Teams");

            migrationBuilder.DropColumn(
                name: "DecisionNote",
                table: "SimilarityCases");

            migrationBuilder.DropColumn(
                name: "DismissedAtUtc",
                table: "SimilarityCases");

            migrationBuilder.DropColumn(
                name: "DismissedByName",
                table: "SimilarityCases");

            migrationBuilder.DropColumn(
                name: "OpenedByName",
                table: "SimilarityCases");

            migrationBuilder.DropColumn(
                name: "OtherSubmissionId",
                table: "SimilarityCases");

            migrationBuilder.DropColumn(
                name: "SubmissionId",
                table: "SimilarityCases");

            migrationBuilder.DropColumn(
                name: "WorkerId",
                table: "GradingRuns");

            migrationBuilder.DropColumn(
                name: "RevokeReason",
                table: "Extensions");

            migrationBuilder.DropColumn(
                name: "RevokedAtUtc",
                table: "Extensions");

            migrationBuilder.DropColumn(
                name: "RevokedByName",
                table: "Extensions");

            migrationBuilder.CreateIndex(
                name: "IX_Extensions_SubmitterId_AssignmentId",
                table: "Extensions",
                columns: new[] { "SubmitterId", "AssignmentId" },
                unique: true);
        }
    }
}

using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Grader.Data.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class GitHubEvidence : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "GitHubDeliveries",
                columns: table => new
                {
                    DeliveryId = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    Event = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    ReceivedAtUtc = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_GitHubDeliveries", x => x.DeliveryId);
                });

            migrationBuilder.CreateTable(
                name: "RepositoryEvidence",
                columns: table => new
                {
                    Id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    Kind = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    RepositoryFullName = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false),
                    Ref = table.Column<string>(type: "TEXT", maxLength: 255, nullable: false),
                    Before = table.Column<string>(type: "TEXT", maxLength: 64, nullable: true),
                    Sha = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    Forced = table.Column<bool>(type: "INTEGER", nullable: false),
                    Pusher = table.Column<string>(type: "TEXT", maxLength: 100, nullable: false),
                    DeliveryId = table.Column<string>(type: "TEXT", maxLength: 64, nullable: true),
                    ReceivedAtUtc = table.Column<DateTime>(type: "TEXT", nullable: false),
                    AsOfUtc = table.Column<DateTime>(type: "TEXT", nullable: true),
                    AssignmentId = table.Column<string>(type: "TEXT", maxLength: 100, nullable: true),
                    ClaimedCommitTimeUtc = table.Column<DateTime>(type: "TEXT", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_RepositoryEvidence", x => x.Id);
                });

            migrationBuilder.CreateIndex(
                name: "IX_RepositoryEvidence_DeliveryId",
                table: "RepositoryEvidence",
                column: "DeliveryId");

            migrationBuilder.CreateIndex(
                name: "IX_RepositoryEvidence_RepositoryFullName_ReceivedAtUtc",
                table: "RepositoryEvidence",
                columns: new[] { "RepositoryFullName", "ReceivedAtUtc" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "GitHubDeliveries");

            migrationBuilder.DropTable(
                name: "RepositoryEvidence");
        }
    }
}

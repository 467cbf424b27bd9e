using System;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

namespace Grader.Data.Migrations.PostgreSql
{
    /// <inheritdoc />
    public partial class SimilarityCaseDecisions : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "SimilarityCaseDecisions",
                columns: table => new
                {
                    Id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    CaseId = table.Column<long>(type: "bigint", nullable: false),
                    Kind = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    ByName = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                    AtUtc = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    Note = table.Column<string>(type: "character varying(4000)", maxLength: 4000, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_SimilarityCaseDecisions", x => x.Id);
                    table.ForeignKey(
                        name: "FK_SimilarityCaseDecisions_SimilarityCases_CaseId",
                        column: x => x.CaseId,
                        principalTable: "SimilarityCases",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.CreateIndex(
                name: "IX_SimilarityCaseDecisions_CaseId_AtUtc",
                table: "SimilarityCaseDecisions",
                columns: new[] { "CaseId", "AtUtc" });

            // The decisions taken before this table existed become its first rows, so every case's history is whole.
            migrationBuilder.Sql(
                "INSERT INTO \"SimilarityCaseDecisions\" (\"CaseId\", \"Kind\", \"ByName\", \"AtUtc\", \"Note\") " +
                "SELECT \"Id\", 'Confirmed', COALESCE(\"ConfirmedByName\", ''), \"ConfirmedAtUtc\", COALESCE(\"DecisionNote\", '') FROM \"SimilarityCases\" WHERE \"ConfirmedAtUtc\" IS NOT NULL;");
            migrationBuilder.Sql(
                "INSERT INTO \"SimilarityCaseDecisions\" (\"CaseId\", \"Kind\", \"ByName\", \"AtUtc\", \"Note\") " +
                "SELECT \"Id\", 'Dismissed', COALESCE(\"DismissedByName\", ''), \"DismissedAtUtc\", COALESCE(\"DecisionNote\", '') FROM \"SimilarityCases\" WHERE \"DismissedAtUtc\" IS NOT NULL;");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "SimilarityCaseDecisions");
        }
    }
}

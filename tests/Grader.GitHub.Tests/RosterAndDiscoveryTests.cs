namespace Grader.GitHub.Tests;

public sealed class RosterAndDiscoveryTests
{
    [Test]
    public void ClassroomExportWithGroupsGivesStudentsAndTeams()
    {
        var roster = RosterImport.ReadFile(Path.Combine(TestContext.CurrentContext.TestDirectory, "Fixtures", "classroom-roster-groups.csv"));
        Assert.That(roster.Students.Select(s => s.Identifier), Is.EqualTo(new[] { "ab1234", "cd5678", "ef9012", "gh3456" }));
        Assert.That(roster.Students[0].Name, Is.EqualTo("Brown, Alice"));
        Assert.That(roster.Teams.Select(t => (t.Name, t.Slug)), Is.EqualTo(new[] { ("Team Retina", "team-retina"), ("X-Ray  Squad!", "x-ray-squad") }));
        Assert.That(roster.Teams[0].MemberIdentifiers, Is.EqualTo(new[] { "ab1234", "cd5678" }));
        Assert.That(roster.Teams[0].MemberLines, Is.EqualTo(new[] { 2, 3 }));
    }

    [Test]
    public void ProvisioningTargetsOfAnImportedRosterAreOnePerStudentOrOnePerTeam()
    {
        var roster = RosterImport.Parse("identifier,github_username,github_id,name,group_name\nab1,ada-gh,1,Ada,Team Retina\ncd2,,2,Cy,Team Retina\nef3,eve-gh,3,Eve,\n", "classroom.csv");
        var students = ProvisioningTarget.ForStudents(roster.Students);
        Assert.That(students.Select(t => (t.Owner, string.Join(",", t.MemberLogins))), Is.EqualTo(new[]
        {
            (new RepositoryOwner("ab1", "ada-gh", false), "ada-gh"),
            (new RepositoryOwner("cd2", "", false), ""),
            (new RepositoryOwner("ef3", "eve-gh", false), "eve-gh"),
        }));

        var byId = roster.Students.ToDictionary(s => s.Identifier);
        var teams = ProvisioningTarget.ForTeams(roster.Teams.Select(t => ("team-1", t.Name, (IReadOnlyList<Grader.Core.Configuration.RosterStudent>)t.MemberIdentifiers.Select(id => byId[id]).ToList())));
        Assert.That(teams.Single().Owner, Is.EqualTo(new RepositoryOwner("team-1", "team-retina", true)));
        Assert.That(teams.Single().MemberLogins, Is.EqualTo(new[] { "ada-gh" }), "a member without a GitHub username cannot be given access");
    }

    [Test]
    public void GradersOwnRosterReadsWithColumnsInAnyOrder()
    {
        var roster = RosterImport.Parse("name,identifier,github_id,github_username\nAda,ab1,7,ada-gh\n", "roster.csv");
        Assert.That(roster.Students.Single(), Is.EqualTo(new Grader.Core.Configuration.RosterStudent("ab1", "ada-gh", "7", "Ada")));
        Assert.That(roster.Teams, Is.Empty);
    }

    [Test]
    public void EveryProblemIsReportedWithFileLineAndField()
    {
        string text = "identifier,github_username,github_id,name\nab1,ada,1,Ada\nab1,bob,2,Bob\ncd2,ADA,3,Other\nef3,eve,x9,Eve\n,gus,4,Gus\n\"open,quote\n";
        var error = Assert.Throws<RosterImportException>(() => RosterImport.Parse(text, "classroom.csv"))!;
        Assert.That(error.Problems.Select(p => p.ToString()), Is.EqualTo(new[]
        {
            "classroom.csv, line 3, identifier: \"ab1\" is already used on line 2",
            "classroom.csv, line 4, github_username: \"ADA\" is already used on line 2",
            "classroom.csv, line 5, github_id: \"x9\" is not a number",
            "classroom.csv, line 6, identifier: is empty; every student needs an identifier (the NetID)",
            "classroom.csv, line 7: a quoted field is not closed",
        }));
        Assert.That(() => RosterImport.Parse("identifier,name\n", "r.csv"), Throws.TypeOf<RosterImportException>().With.Message.EqualTo("r.csv, line 1: the header lacks the column(s) github_username, github_id"));
    }

    [Test]
    public void RepositoriesMatchByPrefixWithClassroomSuffixes()
    {
        var owners = new List<RepositoryOwner>
        {
            new("ab1234", "alice-gh", false),
            new("cd5678", "Bob-GH", false),
            new("ef9012", "", false),
            new("gh3456", "gina-gh", false),
            new("ij7890", "ivan-1", false),
        };
        OrganisationRepository[] repositories =
        [
            new("hw1-mlp-alice-gh", "main"),
            new("hw1-mlp-alice-gh-1", "main"),
            new("hw1-mlp-bob-gh-2", "main"),
            new("hw1-mlp-ivan-1", "main"),
            new("hw1-mlp-stranger", "main"),
            new("hw2-cnn-alice-gh", "main"),
            new("hw1-mlp-template", "main"),
        ];
        var found = RepositoryDiscovery.Match("hw1-mlp", repositories, owners);
        Assert.Multiple(() =>
        {
            Assert.That(found.Matches.Select(m => (m.Owner.SubmitterId, m.Repository.Name, m.Suffix)), Is.EqualTo(new[]
            {
                ("ab1234", "hw1-mlp-alice-gh", 0),
                ("cd5678", "hw1-mlp-bob-gh-2", 2),
                ("ij7890", "hw1-mlp-ivan-1", 0),
            }));
            Assert.That(found.Duplicates.Select(m => m.Repository.Name), Is.EqualTo(new[] { "hw1-mlp-alice-gh-1" }));
            Assert.That(found.UnmatchedRepositories.Select(r => r.Name), Is.EqualTo(new[] { "hw1-mlp-stranger", "hw1-mlp-template" }));
            Assert.That(found.OwnersWithoutRepository.Select(o => o.SubmitterId), Is.EqualTo(new[] { "ef9012", "gh3456" }));
        });
    }

    [Test]
    public void TeamRepositoriesMatchByTeamSlug()
    {
        var owners = RepositoryOwner.FromTeams([("team-1", "Team Retina"), ("team-2", "X-Ray Squad")]);
        var found = RepositoryDiscovery.Match("project", [new("project-team-retina", "main"), new("project-x-ray-squad-1", "main")], owners);
        Assert.That(found.Matches.Select(m => (m.Owner.SubmitterId, m.Owner.IsTeam)), Is.EqualTo(new[] { ("team-1", true), ("team-2", true) }));
    }
}

using System.CommandLine;
using Grader.Reference.Checks;
using Spectre.Console;

namespace Grader.Runner.Cli;

/// <summary>
/// <c>grader demo</c>: what a newcomer runs first. Validates the shipped course, then grades, for every autograded
/// assignment, the model solution and the untouched starter code, through the same path real submissions take.
/// </summary>
internal static class DemoCommand
{
    public static Command Create()
    {
        var courseOption = new Option<string?>("--course") { Description = "The course repository; default: found from the current folder." };
        var command = new Command("demo", "Validate the demo course and grade its bundled submissions (model solutions and starters).");
        command.Options.Add(courseOption);
        command.SetAction(parse =>
        {
            string courseRoot = CourseRoot.Find(parse.GetValue(courseOption));
            AnsiConsole.Write(new Rule("[bold]1. The course[/]").LeftJustified());
            int validation = ValidateCommand.Run(courseRoot);
            if (validation != 0)
            {
                return validation;
            }

            int exitCode = 0;
            foreach (var suite in CheckCatalog.Suites)
            {
                string assignmentFolder = Path.Combine(courseRoot, "assignments", suite.AssignmentId);
                var submissions = new[] { "solution", "starter" }
                    .Select(name => Path.Combine(assignmentFolder, name))
                    .Where(Directory.Exists)
                    .ToList();
                if (submissions.Count == 0)
                {
                    continue;
                }

                AnsiConsole.Write(new Rule($"[bold]{Markup.Escape(suite.Title)}[/]: the model solution and the starter").LeftJustified());
                exitCode = Math.Max(exitCode, GradeCommand.Run(courseRoot, suite.AssignmentId, submissions, null, parallel: 1));
            }

            return exitCode;
        });
        return command;
    }
}
